// The outcome of validating one document: violations are data, not errors.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace alguna::contract {

struct Violation {
  std::string path;     // RFC 6901 JSON Pointer into the document; "" is the whole document
  std::string keyword;  // the JSON Schema keyword that failed ("type", "format", ...) or one of
                        // ours: "syntax", "depth", "size", "duplicate-key", "duplicate-header"
  std::string message;  // for a person; never echoes a secret, long values are shortened
  std::size_t line = 0;    // 1-based position in the text, for syntax problems; 0 when unknown
  std::size_t column = 0;  // 1-based, in bytes

  friend bool operator==(const Violation& a, const Violation& b) {
    return a.path == b.path && a.keyword == b.keyword && a.message == b.message &&
           a.line == b.line && a.column == b.column;
  }
};

struct Report {
  bool valid = true;
  std::vector<Violation> errors;    // each makes the document invalid
  std::vector<Violation> warnings;  // worth knowing, never invalidating (e.g. unknown response fields)

  explicit operator bool() const noexcept { return valid; }
};

// {"path", "keyword", "message"} plus "line"/"column" when known.
nlohmann::json to_json(const Violation& violation);
// {"valid", "errors", "warnings"}
nlohmann::json to_json(const Report& report);

// "/contacts/0/email" or "(root)" for the empty pointer.
std::string display_path(const std::string& pointer);

}  // namespace alguna::contract
