// The fast engine: the code schemagen generated from schemas/ (fast_schemas.inc), over two
// adapters: simdjson's DOM, for text, and nlohmann::json, for documents callers already hold.
// simdjson reads and checks the text (RFC 8259, UTF-8) several times faster than nlohmann can
// build a DOM, and the generated checks follow its tape without building anything.
//
// What the fast engine leaves to the reference engine (FastVerdict::undecided): text simdjson
// refuses, text over the size limit, nesting over the depth limit, and a repeated key (simdjson
// keeps both members, where parse_json reports "duplicate-key"); the reference engine then parses
// the text itself, so the verdict and the report are its own. A valid document comes with the
// members the schemas do not declare, which the reference engine's shapes turn into warnings.
#include "fast_validator.hpp"

#include <simdjson.h>

#include <array>
#include <cstdint>
#include <cstring>  // std::memcmp in the generated code
#include <iterator>
#include <optional>
#include <unordered_set>
#include <utility>

#include <alguna/contract/formats.hpp>

#include "text.hpp"

namespace alguna::contract::detail {

namespace {

using nlohmann::json;

enum class Kind { null, boolean, int64, uint64, double_, string, array, object, other };

// Member names already met in one object, when no bit of the generated code tracks them.
class KeySet {
 public:
  // False when `key` was already there.
  bool insert(std::string_view key) {
    if (large_) return large_->insert(key).second;
    for (std::size_t i = 0; i < count_; ++i) {
      if (small_[i] == key) return false;
    }
    if (count_ < small_.size()) {
      small_[count_++] = key;
      return true;
    }
    large_.emplace(small_.begin(), small_.end());
    return large_->insert(key).second;
  }

 private:
  std::array<std::string_view, 16> small_;
  std::size_t count_ = 0;
  std::optional<std::unordered_set<std::string_view>> large_;
};

// The state of one check: depth, the path (only when unknown members are wanted), and why it
// stopped undecided.
struct Walk {
  Walk(std::size_t max_depth_, bool lenient_, bool check_duplicates_, bool want_unknown_, const Format* formats_)
      : max_depth(max_depth_),
        lenient(lenient_),
        check_duplicates(check_duplicates_),
        want_unknown(want_unknown_),
        formats(formats_) {}

  const std::size_t max_depth;
  const bool lenient;
  const bool check_duplicates;  // in text: simdjson keeps a repeated key's members
  const bool want_unknown;
  const Format* const formats;

  std::size_t depth = 0;
  bool undecided = false;
  bool saw_unknown = false;
  struct Token {
    std::string_view key;
    std::size_t index;
    bool is_index;
  };
  std::vector<Token> path;
  std::vector<UnknownMember> unknown;

  // Nesting is counted as parse_json counts it: every array or object is one level.
  bool enter() {
    if (++depth > max_depth) return undecide();
    return true;
  }
  void leave() { --depth; }
  bool duplicate() { return undecide(); }
  bool undecide() {
    undecided = true;
    return false;
  }
  void push(std::string_view key) {
    if (want_unknown) path.push_back({key, 0, false});
  }
  void push(std::size_t index) {
    if (want_unknown) path.push_back({{}, index, true});
  }
  void pop() {
    if (want_unknown) path.pop_back();
  }
  void unknown_member() {
    saw_unknown = true;
    if (!want_unknown) return;
    UnknownMember member;
    member.tokens.reserve(path.size());
    for (const Token& token : path) {
      member.tokens.push_back(token.is_index ? std::to_string(token.index) : std::string(token.key));
    }
    unknown.push_back(std::move(member));
  }
  bool format(int index, std::string_view value) const { return check_format(formats[index], value); }
};

struct SimdAdapter {
  using Value = simdjson::dom::element;

  static Kind kind(const Value& v) {
    switch (v.type()) {
      case simdjson::dom::element_type::NULL_VALUE: return Kind::null;
      case simdjson::dom::element_type::BOOL: return Kind::boolean;
      case simdjson::dom::element_type::INT64: return Kind::int64;
      case simdjson::dom::element_type::UINT64: return Kind::uint64;
      case simdjson::dom::element_type::DOUBLE: return Kind::double_;
      case simdjson::dom::element_type::STRING: return Kind::string;
      case simdjson::dom::element_type::ARRAY: return Kind::array;
      case simdjson::dom::element_type::OBJECT: return Kind::object;
    }
    return Kind::other;
  }
  static std::string_view as_string(const Value& v) {
    std::string_view out;
    if (v.get_string().get(out) != simdjson::SUCCESS) return {};
    return out;
  }
  static bool as_bool(const Value& v) {
    bool out = false;
    if (v.get_bool().get(out) != simdjson::SUCCESS) return false;
    return out;
  }
  static double as_double(const Value& v) {
    switch (v.type()) {
      case simdjson::dom::element_type::INT64: {
        std::int64_t out = 0;
        return v.get_int64().get(out) == simdjson::SUCCESS ? static_cast<double>(out) : 0.0;
      }
      case simdjson::dom::element_type::UINT64: {
        std::uint64_t out = 0;
        return v.get_uint64().get(out) == simdjson::SUCCESS ? static_cast<double>(out) : 0.0;
      }
      default: {
        double out = 0.0;
        return v.get_double().get(out) == simdjson::SUCCESS ? out : 0.0;
      }
    }
  }
  template <class F>
  static bool for_each_member(const Value& v, F&& f) {
    simdjson::dom::object object;
    if (v.get_object().get(object) != simdjson::SUCCESS) return false;
    for (const simdjson::dom::key_value_pair field : object) {
      if (!f(field.key, field.value)) return false;
    }
    return true;
  }
  template <class F>
  static bool for_each_item(const Value& v, F&& f) {
    simdjson::dom::array array;
    if (v.get_array().get(array) != simdjson::SUCCESS) return false;
    std::size_t index = 0;
    for (const simdjson::dom::element item : array) {
      if (!f(index++, item)) return false;
    }
    return true;
  }
};

struct JsonAdapter {
  using Value = json;

  static Kind kind(const Value& v) {
    switch (v.type()) {
      case json::value_t::null: return Kind::null;
      case json::value_t::boolean: return Kind::boolean;
      case json::value_t::number_integer: return Kind::int64;
      case json::value_t::number_unsigned: return Kind::uint64;
      case json::value_t::number_float: return Kind::double_;
      case json::value_t::string: return Kind::string;
      case json::value_t::array: return Kind::array;
      case json::value_t::object: return Kind::object;
      default: return Kind::other;
    }
  }
  static std::string_view as_string(const Value& v) { return v.get_ref<const json::string_t&>(); }
  static bool as_bool(const Value& v) { return v.get_ref<const json::boolean_t&>(); }
  static double as_double(const Value& v) {
    switch (v.type()) {
      case json::value_t::number_integer: return static_cast<double>(v.get_ref<const json::number_integer_t&>());
      case json::value_t::number_unsigned: return static_cast<double>(v.get_ref<const json::number_unsigned_t&>());
      default: return v.get_ref<const json::number_float_t&>();
    }
  }
  template <class F>
  static bool for_each_member(const Value& v, F&& f) {
    for (const auto& [key, value] : v.get_ref<const json::object_t&>()) {
      if (!f(std::string_view(key), value)) return false;
    }
    return true;
  }
  template <class F>
  static bool for_each_item(const Value& v, F&& f) {
    const auto& array = v.get_ref<const json::array_t&>();
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (!f(i, array[i])) return false;
    }
    return true;
  }
};

// Any value where the schemas say nothing: only the depth and, in text, repeated keys matter.
template <class A>
bool any(const typename A::Value& v, Walk& w) {
  const Kind k = A::kind(v);
  if (k == Kind::object) {
    if (!w.enter()) return false;
    KeySet keys;
    const bool ok = A::for_each_member(v, [&](std::string_view key, const typename A::Value& child) {
      if (w.check_duplicates && !keys.insert(key)) return w.duplicate();
      return any<A>(child, w);
    });
    w.leave();
    return ok;
  }
  if (k == Kind::array) {
    if (!w.enter()) return false;
    const bool ok = A::for_each_item(v, [&](std::size_t, const typename A::Value& item) { return any<A>(item, w); });
    w.leave();
    return ok;
  }
  return true;
}

#include "fast_schemas.inc"

// The formats the generated code names, resolved once; empty when one is unknown to formats.cpp
// (the generated code is then out of step with this library: everything goes to the reference).
const std::vector<Format>& resolved_formats() {
  static const std::vector<Format> formats = [] {
    std::vector<Format> out;
    for (const std::string_view name : kFormatNames) {
      if (name.empty()) continue;
      const std::optional<Format> format = format_from_name(name);
      if (!format) return std::vector<Format>{};
      out.push_back(*format);
    }
    return out;
  }();
  return formats;
}

bool formats_ready() {
  static const bool ready = [] {
    std::size_t named = 0;
    for (const std::string_view name : kFormatNames) named += name.empty() ? 0 : 1;
    return resolved_formats().size() == named;
  }();
  return ready;
}

// Documents up to this size reuse a per-thread parser and buffer; a larger one gets its own, freed
// afterwards, so that one huge document does not leave every thread holding its size.
constexpr std::size_t kRetainedBytes = 1024 * 1024;

struct ThreadParser {
  simdjson::dom::parser parser;
  std::vector<char> buffer;
};

// The path is kept only in a second walk, when the first met members to report: most documents
// have none, and keeping it costs as much as the checks on a small one.
template <class A>
FastResult run(Target target, const typename A::Value& root, std::size_t max_depth, bool lenient,
               bool check_duplicates, bool want_unknown) {
  FastResult result;
  Walk walk(max_depth, lenient, check_duplicates, false, resolved_formats().data());
  const bool ok = check_target<A>(target, root, walk);
  if (walk.undecided) return result;
  result.verdict = ok ? FastVerdict::valid : FastVerdict::invalid;
  if (ok && want_unknown && walk.saw_unknown) {
    Walk again(max_depth, lenient, check_duplicates, true, resolved_formats().data());
    if (!check_target<A>(target, root, again) || again.undecided) return {};  // cannot happen: same walk
    result.unknown = std::move(again.unknown);
  }
  return result;
}

}  // namespace

bool fast_engine_covers(Target target) noexcept { return has_target(target) && formats_ready(); }

FastResult fast_validate_text(Target target, std::string_view text, const ParseLimits& limits, bool lenient,
                              bool want_unknown) noexcept {
  try {
    if (!fast_engine_covers(target) || text.size() > limits.max_bytes) return {};
    thread_local ThreadParser retained;
    std::optional<ThreadParser> own;
    ThreadParser& use = text.size() > kRetainedBytes ? own.emplace() : retained;
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse a padded copy.
    use.buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
    if (!text.empty()) std::memcpy(use.buffer.data(), text.data(), text.size());
    simdjson::dom::element root;
    if (use.parser.parse(use.buffer.data(), text.size(), false).get(root) != simdjson::SUCCESS) return {};
    return run<SimdAdapter>(target, root, limits.max_depth, lenient, true, want_unknown);
  } catch (...) {
    return {};
  }
}

FastResult fast_validate_document(Target target, const json& document, std::size_t max_depth, bool lenient,
                                  bool want_unknown) noexcept {
  try {
    if (!fast_engine_covers(target)) return {};
    return run<JsonAdapter>(target, document, max_depth, lenient, false, want_unknown);
  } catch (...) {
    return {};
  }
}

}  // namespace alguna::contract::detail
