// Bounded, strict JSON parsing: the only way untrusted text becomes a document.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/report.hpp>

namespace alguna::contract {

struct ParseLimits {
  // Far above any real Customer; it bounds memory, not correctness.
  std::size_t max_bytes = 64u * 1024u * 1024u;
  // Our documents nest at most ~6 levels; nlohmann's dump()/copies and valijson recurse, so a
  // small limit removes the whole deep-nesting crash class (see DEPENDENCY-NOTES.md).
  std::size_t max_depth = 64;
};

struct ParseResult {
  // Absent when the text is not JSON or breaks a limit.
  std::optional<nlohmann::json> document;
  // Problems found while parsing: "syntax", "depth", "size" (then no document) or
  // "duplicate-key" (the document is kept, the last value wins, but it is reported).
  std::vector<Violation> errors;

  bool ok() const noexcept { return document.has_value() && errors.empty(); }
};

// Parses one JSON text (RFC 8259, UTF-8). Never throws. Line and column in errors are counted
// from `first_line` so that JSONL callers can report file positions.
ParseResult parse_json(std::string_view text, const ParseLimits& limits = {},
                       std::size_t first_line = 1) noexcept;

// RFC 6901 escaping of one reference token ("~" -> "~0", "/" -> "~1").
std::string escape_pointer_token(std::string_view token);

}  // namespace alguna::contract
