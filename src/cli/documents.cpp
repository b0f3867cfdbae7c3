#include "cli/documents.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace alguna::contract::cli {

namespace {

constexpr std::size_t chunk_size = 64u * 1024u;

// A file opened for reading in binary mode, or stdin (which is not closed).
class InputFile {
 public:
  explicit InputFile(const std::string& path) {
    if (path == "-") {
      file_ = stdin;
    } else {
      errno = 0;
      file_ = std::fopen(path.c_str(), "rb");
      if (file_ == nullptr) {
        error_ = errno != 0 ? errno : EIO;
        return;
      }
      owned_ = true;
    }
    struct stat info {};
    if (::fstat(::fileno(file_), &info) != 0) return;
    // fopen() succeeds on a directory on some systems; say what it is right away.
    if (S_ISDIR(info.st_mode)) error_ = EISDIR;
    if (S_ISREG(info.st_mode)) {
      // What is left to read: stdin may be a file that was partly read by someone else.
      const off_t offset = ::lseek(::fileno(file_), 0, SEEK_CUR);
      if (offset >= 0 && info.st_size >= offset) {
        regular_size_ = static_cast<std::uintmax_t>(info.st_size - offset);
      }
    }
  }
  ~InputFile() {
    if (owned_) std::fclose(file_);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Reads up to `size` bytes; 0 at the end of the input or on failure (then error() != 0).
  std::size_t read(char* buffer, std::size_t size) {
    if (error_ != 0) return 0;
    errno = 0;
    const std::size_t count = std::fread(buffer, 1, size, file_);
    if (count < size && std::ferror(file_) != 0) {
      error_ = errno != 0 ? errno : EIO;
      return 0;
    }
    return count;
  }

  int error() const noexcept { return error_; }

  // The size of a regular file when opened; a hint only, as files can change while being read.
  std::optional<std::uintmax_t> regular_size() const noexcept { return regular_size_; }

 private:
  std::FILE* file_ = nullptr;
  std::optional<std::uintmax_t> regular_size_;
  bool owned_ = false;
  int error_ = 0;
};

bool is_json_whitespace(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::optional<std::string> read_whole(InputFile& file, std::size_t max_bytes,
                                      const DocumentHandler& on_document, Document& document) {
  const auto oversized = [&] {
    document.oversized = true;
    document.text.clear();
    document.text.shrink_to_fit();
  };
  if (const auto size = file.regular_size()) {
    if (*size > max_bytes) {
      oversized();
      on_document(document);
      return std::nullopt;
    }
    document.text.reserve(static_cast<std::size_t>(*size));
  }
  std::vector<char> buffer(chunk_size);
  for (;;) {
    // Never read more than max_bytes + 1 bytes: one more than allowed proves the input too big.
    const std::size_t room = max_bytes - document.text.size();
    const std::size_t want = room < chunk_size ? room + 1 : chunk_size;
    const std::size_t count = file.read(buffer.data(), want);
    if (file.error() != 0) return std::string(std::strerror(file.error()));
    if (count == 0) break;
    if (count > room) {
      oversized();
      break;
    }
    document.text.append(buffer.data(), count);
  }
  on_document(document);
  return std::nullopt;
}

// Splits the input into lines with a buffer bounded by max_bytes.
class LineSplitter {
 public:
  LineSplitter(std::size_t max_bytes, const DocumentHandler& on_document, Document& document)
      : max_bytes_(max_bytes), on_document_(on_document), document_(document) {}

  void feed(const char* data, std::size_t size) {
    const char* const end = data + size;
    while (data < end) {
      const auto* newline =
          static_cast<const char*>(std::memchr(data, '\n', static_cast<std::size_t>(end - data)));
      const char* segment_end = newline != nullptr ? newline : end;
      append(data, static_cast<std::size_t>(segment_end - data));
      if (newline == nullptr) break;
      finish_line();
      data = newline + 1;
    }
  }

  // At the end of the input: a last line without "\n" is still a line.
  void finish() {
    if (pending_) finish_line();
  }

 private:
  void append(const char* data, std::size_t size) {
    pending_ = true;
    if (blank_) blank_ = std::all_of(data, data + size, is_json_whitespace);
    if (document_.oversized) return;
    if (size > max_bytes_ - document_.text.size()) {
      document_.oversized = true;
      document_.text.clear();  // keeps the capacity, which is at most max_bytes
      return;
    }
    document_.text.append(data, size);
  }

  void finish_line() {
    if (!blank_) {
      document_.line = line_;
      on_document_(document_);
    }
    document_.text.clear();
    document_.oversized = false;
    blank_ = true;
    pending_ = false;
    ++line_;
  }

  std::size_t max_bytes_;
  const DocumentHandler& on_document_;
  Document& document_;
  std::size_t line_ = 1;  // the line being read
  bool blank_ = true;     // only whitespace so far
  bool pending_ = false;  // some bytes of the line were read
};

std::optional<std::string> read_lines(InputFile& file, std::size_t max_bytes,
                                      const DocumentHandler& on_document, Document& document) {
  std::vector<char> buffer(chunk_size);
  LineSplitter splitter(max_bytes, on_document, document);
  for (;;) {
    const std::size_t count = file.read(buffer.data(), buffer.size());
    if (file.error() != 0) return std::string(std::strerror(file.error()));
    if (count == 0) break;
    splitter.feed(buffer.data(), count);
  }
  splitter.finish();
  return std::nullopt;
}

}  // namespace

std::string input_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

bool is_jsonl_path(std::string_view path) noexcept {
  constexpr std::string_view suffix = ".jsonl";
  return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
}

std::optional<std::string> read_documents(const Input& input, std::size_t max_bytes,
                                          const DocumentHandler& on_document) {
  InputFile file(input.path);
  if (file.error() != 0) return std::string(std::strerror(file.error()));
  Document document;
  document.name = input_name(input.path);
  if (input.jsonl) return read_lines(file, max_bytes, on_document, document);
  return read_whole(file, max_bytes, on_document, document);
}

}  // namespace alguna::contract::cli
