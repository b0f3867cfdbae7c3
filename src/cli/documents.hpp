// Reading documents from files and stdin, independent of what is done with them. Memory is
// bounded by the size limit: a document larger than the limit is reported as oversized and never
// held whole.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace alguna::contract::cli {

// One input: a file path, or "-" for stdin.
struct Input {
  std::string path;
  bool jsonl = false;  // one document per line; otherwise the whole input is one document
};

// The name used in messages: the path, or "<stdin>" for "-".
std::string input_name(const std::string& path);

// True for a path ending in ".jsonl".
bool is_jsonl_path(std::string_view path) noexcept;

struct Document {
  std::string name;        // input_name() of the input it came from
  std::size_t line = 1;    // 1-based line of the input where the document starts
  std::string text;        // the document's bytes (may hold NULs); empty when oversized
  bool oversized = false;  // larger than the limit: the text was read and dropped

  // "PATH:LINE"
  std::string source() const { return name + ':' + std::to_string(line); }
};

using DocumentHandler = std::function<void(const Document&)>;

// Reads `input` and calls `on_document` for each document, in order, as soon as it is read.
// A whole input is one document (an empty input is one empty document). In JSONL mode every
// line is one document, except whitespace-only lines, which are skipped; a line longer than
// `max_bytes` (not counting its "\n") is delivered as oversized.
// Returns the reason (strerror text) when the input cannot be opened or a read fails; documents
// delivered before a failing read stay delivered.
std::optional<std::string> read_documents(const Input& input, std::size_t max_bytes,
                                          const DocumentHandler& on_document);

}  // namespace alguna::contract::cli
