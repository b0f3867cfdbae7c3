#include <alguna/contract/json.hpp>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "text.hpp"

namespace alguna::contract {

using nlohmann::json;

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

struct Position {
  std::size_t line;
  std::size_t column;
};

// Line and column (1-based, column in bytes) of the byte at `offset`.
Position position_of(std::string_view text, std::size_t offset, std::size_t first_line) {
  if (offset > text.size()) offset = text.size();
  Position position{first_line, 1};
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      line_start = i + 1;
    }
  }
  position.column = offset - line_start + 1;
  return position;
}

// The byte offset of the bracket that first exceeds `max_depth`, found by a scan that skips
// strings; text.size() if none does.
std::size_t offset_of_excess_depth(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return text.size();
}

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Builds the DOM like nlohmann's own SAX DOM parser, and also: refuses nesting beyond the
// limit (before anything recursive can see the document) and reports duplicate object keys,
// which nlohmann would otherwise resolve silently in favour of the last one. Pointers are only
// built when a duplicate turns up: the common case pays for nothing.
class BoundedDomBuilder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  explicit BoundedDomBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

  bool null() { return place(json(nullptr)) != nullptr; }
  bool boolean(bool value) { return place(json(value)) != nullptr; }
  bool number_integer(number_integer_t value) { return place(json(value)) != nullptr; }
  bool number_unsigned(number_unsigned_t value) { return place(json(value)) != nullptr; }
  bool number_float(number_float_t value, const string_t& /*text*/) { return place(json(value)) != nullptr; }
  bool string(string_t& value) { return place(json(std::move(value))) != nullptr; }
  bool binary(binary_t& value) { return place(json::binary(std::move(value))) != nullptr; }

  bool start_object(std::size_t /*size*/) { return open(json::value_t::object); }
  bool start_array(std::size_t /*size*/) { return open(json::value_t::array); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(string_t& name) {
    pending_key_ = std::move(name);
    return true;
  }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& error) {
    error_position_ = position;
    error_token_ = last_token;
    error_id_ = error.id;
    error_what_ = error.what();
    return false;
  }

  bool depth_exceeded() const { return depth_exceeded_; }
  bool failed() const { return error_id_ != 0; }
  std::size_t error_position() const { return error_position_; }
  const std::string& error_token() const { return error_token_; }
  const std::string& error_what() const { return error_what_; }
  std::vector<std::string>& duplicates() { return duplicates_; }
  json take() { return std::move(root_); }

 private:
  struct Frame {
    json* node;
    const std::string* key;  // the member name that leads here; nullptr in an array or at the root
  };

  // RFC 6901 pointer of the member `key` of the innermost open object.
  std::string pointer_of_member(const std::string& key) const {
    std::string pointer;
    for (std::size_t i = 1; i < stack_.size(); ++i) {
      pointer += '/';
      if (stack_[i].key != nullptr) {
        pointer += escape_pointer_token(*stack_[i].key);
      } else {
        pointer += std::to_string(stack_[i - 1].node->size() - 1);  // it is the last element
      }
    }
    return pointer + "/" + escape_pointer_token(key);
  }

  // Places `value` where the parser is and returns it, with the member name that leads to it.
  json* place(json&& value, const std::string** key = nullptr) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back().node;
    if (parent.is_array()) {
      auto& array = parent.get_ref<json::array_t&>();
      array.push_back(std::move(value));
      return &array.back();
    }
    auto& object = parent.get_ref<json::object_t&>();
    // try_emplace leaves its arguments alone when the key exists.
    auto [it, inserted] = object.try_emplace(std::move(pending_key_), std::move(value));
    if (!inserted) {
      duplicates_.push_back(pointer_of_member(it->first));
      it->second = std::move(value);  // the last one wins, as in nlohmann
    }
    if (key != nullptr) *key = &it->first;
    return &it->second;
  }

  bool open(json::value_t type) {
    if (stack_.size() >= max_depth_) {
      depth_exceeded_ = true;
      return false;
    }
    const std::string* key = nullptr;
    json* node = place(json(type), &key);
    stack_.push_back({node, key});
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  std::size_t max_depth_;
  json root_;
  std::vector<Frame> stack_;
  std::string pending_key_;
  std::vector<std::string> duplicates_;
  bool depth_exceeded_ = false;
  std::size_t error_position_ = 0;
  std::string error_token_;
  int error_id_ = 0;
  std::string error_what_;
};

// nlohmann's message without its "[json.exception.x.y] parse error at line L, column C: "
// prefix (we give our own position) and without the raw last token (which may be huge or not
// UTF-8); that token comes back shortened and escaped.
std::string describe_parse_error(const BoundedDomBuilder& builder) {
  std::string what = builder.error_what();
  if (const auto bracket = what.find("] "); what.rfind("[json.exception.", 0) == 0 &&
                                            bracket != std::string::npos) {
    what.erase(0, bracket + 2);
  }
  if (const auto column = what.find(", column "); column != std::string::npos) {
    if (const auto colon = what.find(": ", column); colon != std::string::npos) {
      what.erase(0, colon + 2);
    }
  }
  const std::string prefix = "syntax error while parsing value - ";
  if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
  if (const auto last_read = what.find("; last read: "); last_read != std::string::npos) {
    what.erase(last_read);
    if (!builder.error_token().empty()) {
      what += "; last read: '" + detail::printable(builder.error_token(), 40) + "'";
    }
  }
  return detail::shorten(what, 200);
}

Violation make_violation(std::string keyword, std::string message, Position position) {
  Violation violation;
  violation.keyword = std::move(keyword);
  violation.line = position.line;
  violation.column = position.column;
  violation.message = "line " + std::to_string(position.line) + ", column " +
                      std::to_string(position.column) + ": " + message;
  return violation;
}

}  // namespace

ParseResult parse_json(std::string_view text, const ParseLimits& limits,
                       std::size_t first_line) noexcept {
  ParseResult result;
  try {
    if (text.size() > limits.max_bytes) {
      Violation violation;
      violation.keyword = "size";
      violation.message = "the document is " + std::to_string(text.size()) +
                          " bytes, more than the limit of " + std::to_string(limits.max_bytes);
      result.errors.push_back(std::move(violation));
      return result;
    }
    std::size_t first = 0;
    while (first < text.size() && is_json_whitespace(text[first])) ++first;
    if (first == text.size()) {
      result.errors.push_back(make_violation("syntax", "the document is empty",
                                             position_of(text, 0, first_line)));
      return result;
    }

    // nlohmann's lexer takes a NUL byte for the end of input and would quietly drop the rest.
    // A raw NUL is never valid JSON (RFC 8259 section 7: control characters must be escaped).
    if (const void* nul = std::memchr(text.data(), 0, text.size())) {
      const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
      result.errors.push_back(make_violation(
          "syntax", "a NUL byte; control characters must be escaped as \\u0000 inside strings",
          position_of(text, offset, first_line)));
      return result;
    }

    BoundedDomBuilder builder(limits.max_depth == 0 ? 1 : limits.max_depth);
    const bool parsed = json::sax_parse(text.begin(), text.end(), &builder);
    if (builder.depth_exceeded()) {
      const std::size_t offset = offset_of_excess_depth(text, limits.max_depth);
      result.errors.push_back(make_violation(
          "depth", "nesting deeper than " + std::to_string(limits.max_depth) + " levels",
          position_of(text, offset, first_line)));
      return result;
    }
    if (!parsed || builder.failed()) {
      // nlohmann's position counts the offending byte as read.
      const std::size_t offset = builder.error_position() == 0 ? 0 : builder.error_position() - 1;
      result.errors.push_back(make_violation("syntax", describe_parse_error(builder),
                                             position_of(text, offset, first_line)));
      return result;
    }
    for (auto& pointer : builder.duplicates()) {
      Violation violation;
      violation.path = std::move(pointer);
      violation.keyword = "duplicate-key";
      violation.message = "the key appears more than once in this object (JSON parsers disagree "
                          "on which value wins)";
      result.errors.push_back(std::move(violation));
    }
    result.document = builder.take();
  } catch (const std::exception& e) {
    result.document.reset();
    result.errors.push_back(Violation{"", "internal", std::string("parse failed: ") + e.what(), 0, 0});
  } catch (...) {
    result.document.reset();
    result.errors.push_back(Violation{"", "internal", "parse failed", 0, 0});
  }
  return result;
}

}  // namespace alguna::contract
