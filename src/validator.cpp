// The one translation unit that includes valijson (it is slow to compile).
#include <alguna/contract/validator.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <new>
#include <set>
#include <utility>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <alguna/contract/formats.hpp>

#include "fast_validator.hpp"
#include "schema_set.hpp"
#include "schema_shape.hpp"
#include "text.hpp"

namespace alguna::contract {

using nlohmann::json;
using detail::Shape;

namespace {

// Our constraints tell their keyword to the report through the error description:
// "<keyword>\x1f<message>". valijson's own descriptions never contain \x1f.
constexpr char kKeywordSeparator = '\x1f';

std::string tagged(std::string_view keyword, std::string_view message) {
  std::string out(keyword);
  out += kKeywordSeparator;
  out += message;
  return out;
}

// `format`, checked by our code (valijson 1.0's costs ~400 us per date-time and misfires on
// null). Applies to strings only, as draft-07 says.
class FormatConstraint final : public valijson::constraints::PolyConstraint {
 public:
  FormatConstraint(Format format, bool secret) : format_(format), secret_(secret) {}

  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override {
    if (!target.isString()) return true;
    const std::string value = target.asString();
    std::string why;
    if (check_format(format_, value, results != nullptr ? &why : nullptr)) return true;
    if (results != nullptr) {
      std::string message = std::string("expected ") + format_expectation(format_);
      if (!secret_) message += ", got " + detail::quote(value);
      if (!why.empty()) message += " (" + why + ")";
      results->pushError(context, tagged("format", message));
    }
    return false;
  }

 private:
  Constraint* cloneInto(void* where) const override { return new (where) FormatConstraint(*this); }
  size_t sizeOf() const override { return sizeof(FormatConstraint); }

  Format format_;
  bool secret_;
};

// minLength/maxLength in code points. valijson 1.0 counts with a C-string scan, so an embedded
// U+0000 would end the count early and let an over-long value through.
class LengthConstraint final : public valijson::constraints::PolyConstraint {
 public:
  LengthConstraint(std::optional<std::uint64_t> min, std::optional<std::uint64_t> max)
      : min_(min), max_(max) {}

  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override {
    if (!target.isString()) return true;
    const std::uint64_t length = detail::count_code_points(target.asString());
    if (min_ && length < *min_) {
      if (results != nullptr) {
        results->pushError(context, tagged("minLength", *min_ == 1
                                                            ? std::string("must not be empty")
                                                            : "must be at least " + std::to_string(*min_) +
                                                                  " characters, got " + std::to_string(length)));
      }
      return false;
    }
    if (max_ && length > *max_) {
      if (results != nullptr) {
        results->pushError(context, tagged("maxLength", "must be at most " + std::to_string(*max_) +
                                                            " characters, got " + std::to_string(length)));
      }
      return false;
    }
    return true;
  }

 private:
  Constraint* cloneInto(void* where) const override { return new (where) LengthConstraint(*this); }
  size_t sizeOf() const override { return sizeof(LengthConstraint); }

  std::optional<std::uint64_t> min_;
  std::optional<std::uint64_t> max_;
};

// Builders for the keywords schema_set.cpp writes: "x-alguna-format": "<name>[|secret]" and
// "x-alguna-length": "<min>:<max>" (either side may be empty).
class FormatConstraintBuilder final : public valijson::ConstraintBuilder {
 public:
  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override {
    std::string text = value.asString();
    bool secret = false;
    if (const auto bar = text.find('|'); bar != std::string::npos) {
      secret = text.substr(bar + 1) == "secret";
      text.erase(bar);
    }
    const std::optional<Format> format = format_from_name(text);
    if (!format) throw std::runtime_error("unknown format " + text);
    return new FormatConstraint(*format, secret);
  }
};

class LengthConstraintBuilder final : public valijson::ConstraintBuilder {
 public:
  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override {
    const std::string text = value.asString();
    const auto colon = text.find(':');
    const auto number = [](const std::string& digits) -> std::optional<std::uint64_t> {
      if (digits.empty()) return std::nullopt;
      return std::stoull(digits);
    };
    return new LengthConstraint(number(text.substr(0, colon)), number(text.substr(colon + 1)));
  }
};

// The schema file behind each target.
const char* schema_file(Target target) {
  switch (target) {
    case Target::update_request: return "customer-update.schema.json";
    case Target::customer: return "customer.schema.json";
    case Target::error: return "error.schema.json";
    case Target::request: return "update-customer-request.schema.json";
    case Target::headers: return "update-customer-headers.schema.json";
  }
  return "";
}

constexpr std::size_t kMaxSupportedDepth = 1000;

constexpr std::array<Target, 5> kTargets = {Target::update_request, Target::customer, Target::error,
                                            Target::request, Target::headers};

std::size_t index_of(Target target) { return static_cast<std::size_t>(target); }

// Levenshtein distance, capped: enough for "did you mean" on short names.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  if (a.size() > 64 || b.size() > 64) return 64;
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// Folds case and the separators people mix up ("Standard_Rated", "sales-tax", "sales tax").
std::string fold(std::string_view text) {
  std::string out = detail::ascii_lower(text);
  for (char& c : out) {
    if (c == '-' || c == ' ') c = '_';
  }
  return out;
}

// The closest of `candidates` to `word`, if it is close enough to be a slip: equal once case and
// separators are folded, or within `max_distance` edits.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates,
                                   std::size_t max_distance) {
  std::optional<std::string> best;
  std::size_t best_distance = max_distance + 1;
  const std::string folded = fold(word);
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(folded, fold(candidate));
    if (distance < best_distance && distance < std::max<std::size_t>(word.size(), 2)) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

const char* with_article(const std::string& type) {
  if (type == "string") return "a string";
  if (type == "integer") return "an integer";
  if (type == "number") return "a number";
  if (type == "boolean") return "a boolean";
  if (type == "object") return "an object";
  if (type == "array") return "an array";
  if (type == "null") return "null";
  return "a value";
}

std::string join_alternatives(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
    out += parts[i];
  }
  return out;
}

bool is_secret(const Shape* shape) {
  const json* secret = shape != nullptr ? shape->find("x-secret") : nullptr;
  return secret != nullptr && *secret == true;
}

// "number 0.2", "string \"abc\"", "null", "an object" ...
std::string describe_value(const json* value, bool secret) {
  if (value == nullptr) return "nothing";
  switch (value->type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return std::string("boolean ") + (value->get<bool>() ? "true" : "false");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number " + value->dump();
    case json::value_t::string:
      return secret ? std::string("a string") : "string " + detail::quote(value->get_ref<const std::string&>());
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    default: return "a value";
  }
}

const json* value_at(const json& document, const std::vector<std::string>& tokens) {
  const json* node = &document;
  for (const auto& token : tokens) {
    if (node->is_object()) {
      auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || token.size() > 18 ||
          !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return nullptr;
      }
      const std::size_t index = std::stoull(token);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

// valijson's own descriptions that only repeat a failure already reported below them.
bool is_parent_noise(const std::string& description) {
  static const char* const kPrefixes[] = {
      "Failed to validate against schema associated with property name",
      "Failed to validate item #",
      "Failed to validate against additional properties schema",
      "Failed to validate against child schema #",
      "Failed to validate against any schemas allowed by anyOf",
      "Failed to validate against a conditional schema",
      "Failed to validate against exactly one child schema",
      "Failed to validate against dependent schema",
      "Failed to validate against schema associated with pattern",
      // additionalProperties: false names only the first unknown member; our walk reports all.
      "Object contains a property that could not be validated",
  };
  return std::any_of(std::begin(kPrefixes), std::end(kPrefixes), [&](const char* prefix) {
    return description.rfind(prefix, 0) == 0;
  });
}

// True when `document` nests deeper than `max_depth`. Iterative: valijson, our walks and
// nlohmann's dump() recurse, so a deep document built in code (not parsed by parse_json, which
// has the limit) must be stopped before any of them sees it.
bool deeper_than(const json& document, std::size_t max_depth) {
  std::vector<std::pair<const json*, std::size_t>> pending{{&document, 1}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (!node->is_structured()) continue;
    if (depth > max_depth) return true;
    if (node->is_object()) {
      for (const auto& member : node->get_ref<const json::object_t&>()) {
        if (member.second.is_structured()) pending.emplace_back(&member.second, depth + 1);
      }
    } else {
      for (const auto& element : node->get_ref<const json::array_t&>()) {
        if (element.is_structured()) pending.emplace_back(&element, depth + 1);
      }
    }
  }
  return false;
}

Report too_deep(std::size_t max_depth) {
  Report report;
  report.valid = false;
  report.errors.push_back(
      Violation{"", "depth", "nesting deeper than " + std::to_string(max_depth) + " levels", 0, 0});
  return report;
}

}  // namespace

const char* target_name(Target target) noexcept {
  switch (target) {
    case Target::update_request: return "update-request";
    case Target::customer: return "customer";
    case Target::error: return "error";
    case Target::request: return "request";
    case Target::headers: return "headers";
  }
  return "";
}

std::optional<Target> target_from_name(std::string_view name) noexcept {
  for (Target target : kTargets) {
    if (name == target_name(target)) return target;
  }
  return std::nullopt;
}

const char* engine_name(Engine engine) noexcept {
  switch (engine) {
    case Engine::fast: return "fast";
    case Engine::reference: return "reference";
  }
  return "";
}

std::optional<Engine> engine_from_name(std::string_view name) noexcept {
  for (Engine engine : {Engine::fast, Engine::reference}) {
    if (name == engine_name(engine)) return engine;
  }
  return std::nullopt;
}

struct Validator::Impl {
  ValidatorOptions config;
  // The fast engine is generated from the embedded schemas: it runs only with them.
  bool fast = false;
  json strict_bundle;
  std::unique_ptr<detail::ShapeGraph> shapes;  // over strict_bundle
  // Compiled schemas per target: [0] strict, [1] lenient. valijson::Schema can be shared
  // read-only across threads; it is neither copyable nor movable.
  std::array<std::array<std::unique_ptr<valijson::Schema>, 2>, kTargets.size()> schemas;
  std::array<const Shape*, kTargets.size()> roots{};

  const valijson::Schema& schema(Target target, bool lenient) const {
    return *schemas[index_of(target)][lenient ? 1 : 0];
  }

  Report validate(Target target, const json& document, const ValidateOptions& options) const;
  bool is_valid(Target target, const json& document, const ValidateOptions& options) const;
  bool uses_fast(Target target) const { return fast && detail::fast_engine_covers(target); }
  // The report of a document the fast engine found valid: its unknown members as warnings, worded
  // as the reference engine words them. Nothing when the fast engine did not find it valid.
  std::optional<Report> fast_report(Target target, detail::FastResult result, bool lenient) const;

 private:
  struct Canonical {
    std::optional<json> document;                          // set when some names changed
    std::vector<std::pair<std::string, std::string>> renames;  // canonical pointer -> original
    std::vector<Violation> errors;                          // duplicate header names
  };
  struct Rename {
    std::vector<std::string> object_path;  // tokens (unescaped) of the object holding the member
    std::string from;
    std::string to;
  };
  Canonical canonicalize(Target target, const json& document) const;
  void plan_canonical_names(const json& node, const Shape* shape, std::vector<std::string>& path,
                            std::vector<Rename>& renames, Canonical& out) const;
  Violation describe(const valijson::ValidationResults::Error& error, const json& document,
                     const Shape* root) const;
  struct PathPart {
    const std::string* name;  // nullptr for an array index
    std::size_t index;
  };
  using PathStack = std::vector<PathPart>;
  static std::string pointer_of(const PathStack& path);
  void report_unknown_fields(Target target, const json& node, const Shape* shape, PathStack& path,
                             bool lenient, Report& report) const;
  void report_unknown_field(Target target, const std::string& name, const Shape* shape,
                            std::string pointer, bool lenient, Report& report) const;
};

namespace {

Result<std::unique_ptr<valijson::Schema>> compile(const json& bundle, const std::string& file) {
  try {
    json root = {{"$ref", detail::bundled_pointer(file)}, {"definitions", bundle.at("definitions")}};
    auto schema = std::make_unique<valijson::Schema>();
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    parser.addConstraintBuilder("x-alguna-format", new FormatConstraintBuilder());
    parser.addConstraintBuilder("x-alguna-length", new LengthConstraintBuilder());
    valijson::adapters::NlohmannJsonAdapter adapter(root);
    parser.populateSchema(adapter, *schema);
    return schema;
  } catch (const std::exception& e) {
    return Error{Errc::schema_invalid, file + ": " + e.what()};
  }
}

}  // namespace

Result<Validator> Validator::create(const ValidatorOptions& options) noexcept {
  try {
    if (options.limits.max_bytes == 0) {
      return Error{Errc::invalid_argument, "the size limit must be positive"};
    }
    // valijson recurses per level and crashes near 8,000 (DEPENDENCY-NOTES.md).
    if (options.limits.max_depth == 0 || options.limits.max_depth > kMaxSupportedDepth) {
      return Error{Errc::invalid_argument,
                   "the depth limit must be from 1 to " + std::to_string(kMaxSupportedDepth)};
    }
    auto files = detail::load_schema_files(options.schema_dir);
    if (!files) return files.error();
    for (Target target : kTargets) {
      if (files->count(schema_file(target)) == 0) {
        return Error{Errc::schema_not_found, std::string("missing schema ") + schema_file(target)};
      }
    }
    auto strict = detail::bundle_schemas(*files, false);
    if (!strict) return strict.error();
    auto lenient = detail::bundle_schemas(*files, true);
    if (!lenient) return lenient.error();

    auto impl = std::make_shared<Impl>();
    impl->config = options;
    impl->fast = options.engine == Engine::fast && options.schema_dir.empty();
    impl->strict_bundle = std::move(strict).value();
    auto shapes = detail::ShapeGraph::build(impl->strict_bundle);
    if (!shapes) return shapes.error();
    impl->shapes = std::move(shapes).value();
    for (Target target : kTargets) {
      for (int variant = 0; variant < 2; ++variant) {
        auto compiled = compile(variant == 0 ? impl->strict_bundle : *lenient, schema_file(target));
        if (!compiled) return compiled.error();
        impl->schemas[index_of(target)][variant] = std::move(compiled).value();
      }
      impl->roots[index_of(target)] = impl->shapes->root(schema_file(target));
    }
    return Validator(std::move(impl));
  } catch (const std::bad_alloc&) {
    return Error{Errc::internal, "out of memory while loading the schemas"};
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("loading the schemas failed: ") + e.what()};
  }
}

Validator::Validator(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}

const ParseLimits& Validator::limits() const noexcept { return impl_->config.limits; }

Validator::Impl::Canonical Validator::Impl::canonicalize(Target target, const json& document) const {
  Canonical out;
  const Shape* root = roots[index_of(target)];
  if (root == nullptr || !root->has_case_insensitive_below) return out;
  std::vector<Rename> renames;
  std::vector<std::string> path;
  plan_canonical_names(document, root, path, renames, out);
  if (renames.empty()) return out;
  // Only now a copy: most documents already use the schema's spelling.
  json copy = document;
  for (const Rename& rename : renames) {
    json* object = &copy;
    for (const std::string& token : rename.object_path) {
      object = object->is_array() ? &(*object)[std::stoull(token)] : &(*object)[token];
    }
    json value = std::move((*object)[rename.from]);
    object->erase(rename.from);
    (*object)[rename.to] = std::move(value);
  }
  out.document = std::move(copy);
  return out;
}

namespace {

std::string pointer_of_tokens(const std::vector<std::string>& tokens) {
  std::string pointer;
  for (const auto& token : tokens) pointer += "/" + escape_pointer_token(token);
  return pointer;
}

}  // namespace

// Plans renaming the members of case-insensitive objects to the schema's spelling (RFC 9110
// section 5.1: field names are case-insensitive), so that valijson's case-sensitive `required`
// and `properties` apply; a name given twice in different case is an error.
void Validator::Impl::plan_canonical_names(const json& node, const Shape* shape, std::vector<std::string>& path,
                                           std::vector<Rename>& renames, Canonical& out) const {
  if (shape == nullptr || !shape->has_case_insensitive_below) return;
  if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      path.push_back(std::to_string(i));
      plan_canonical_names(node[i], shape->items, path, renames, out);
      path.pop_back();
    }
    return;
  }
  if (!node.is_object()) return;
  if (shape->case_insensitive_keys) {
    std::map<std::string, const std::string*> first_of;  // folded name -> first spelling
    for (const auto& [name, value] : node.items()) {
      std::string folded = detail::ascii_lower(name);
      const auto canonical = shape->canonical_names.find(folded);
      auto [first, inserted] = first_of.emplace(std::move(folded), &name);
      const std::string pointer = pointer_of_tokens(path);
      if (!inserted) {
        out.errors.push_back(Violation{pointer + "/" + escape_pointer_token(name), "duplicate-header",
                                       "\"" + detail::shorten(name) + "\" repeats header \"" +
                                           detail::shorten(*first->second) +
                                           "\" (names are case-insensitive); send it once",
                                       0, 0});
      }
      if (canonical != shape->canonical_names.end() && canonical->second != name) {
        renames.push_back({path, name, canonical->second});
        out.renames.emplace_back(pointer + "/" + escape_pointer_token(canonical->second),
                                 pointer + "/" + escape_pointer_token(name));
      }
    }
  }
  for (const auto& [name, value] : node.items()) {
    const Shape* child = shape->child(name, false);
    if (child == nullptr && shape->case_insensitive_keys) {
      if (auto canonical = shape->canonical_names.find(detail::ascii_lower(name)); canonical != shape->canonical_names.end()) {
        child = shape->child(canonical->second, false);
      }
    }
    path.push_back(name);
    plan_canonical_names(value, child, path, renames, out);
    path.pop_back();
  }
}

Violation Validator::Impl::describe(const valijson::ValidationResults::Error& error,
                                    const json& document, const Shape* root) const {
  Violation violation;
  std::vector<std::string> tokens;
  // valijson's context is {"<root>", "[name]", "[0]", ...}.
  for (std::size_t i = 1; i < error.context.size(); ++i) {
    const std::string& part = error.context[i];
    tokens.push_back(part.size() >= 2 ? part.substr(1, part.size() - 2) : part);
  }
  for (const auto& token : tokens) violation.path += "/" + escape_pointer_token(token);

  const std::string& description = error.description;
  if (const auto separator = description.find(kKeywordSeparator); separator != std::string::npos) {
    violation.keyword = description.substr(0, separator);
    violation.message = description.substr(separator + 1);
    return violation;
  }

  const Shape* shape = shapes->at(root, tokens);
  const json* value = value_at(document, tokens);
  const bool secret = is_secret(shape);

  if (description.rfind("Value type not permitted", 0) == 0) {
    violation.keyword = "type";
    std::vector<std::string> types;
    if (const json* type = shape != nullptr ? shape->find("type") : nullptr) {
      if (type->is_string()) types.push_back(type->get<std::string>());
      if (type->is_array()) {
        for (const auto& t : *type) {
          if (t.is_string()) types.push_back(t.get<std::string>());
        }
      }
    }
    const json* format = shape != nullptr ? shape->find("x-alguna-format") : nullptr;
    std::vector<std::string> expected;
    for (const auto& type : types) {
      if (type == "string" && format != nullptr && format->is_string()) {
        std::string name = format->get<std::string>();
        name.erase(std::min(name.find('|'), name.size()));
        if (auto f = format_from_name(name)) {
          expected.emplace_back(format_expectation(*f));
          continue;
        }
      }
      expected.emplace_back(with_article(type));
    }
    violation.message = "expected " + (expected.empty() ? std::string("another type") : join_alternatives(expected)) +
                        ", got " + describe_value(value, secret);
  } else if (description.rfind("Failed to match against any enum values", 0) == 0) {
    violation.keyword = "enum";
    std::vector<std::string> allowed;
    std::vector<std::string> allowed_strings;
    if (const json* values = shape != nullptr ? shape->find("enum") : nullptr) {
      for (const auto& v : *values) {
        allowed.push_back(v.dump());
        if (v.is_string()) allowed_strings.push_back(v.get<std::string>());
      }
    }
    violation.message = (allowed.size() == 1 ? "expected " : "expected one of ") + join_alternatives(allowed) +
                        ", got " + describe_value(value, secret);
    if (value != nullptr && value->is_string() && !secret) {
      if (auto suggestion = closest(value->get_ref<const std::string&>(), allowed_strings, 1)) {
        violation.message += " (did you mean \"" + *suggestion + "\"?)";
      }
    }
  } else if (description.rfind("Missing required property '", 0) == 0) {
    violation.keyword = "required";
    const std::string name = description.substr(27, description.size() - 27 - 2);
    const bool headers = shape != nullptr && shape->case_insensitive_keys;
    violation.message = std::string(headers ? "missing required header \"" : "missing required field \"") +
                        name + "\"";
  } else if (description.rfind("Expected number greater than", 0) == 0 ||
             description.rfind("Expected number less than", 0) == 0) {
    const bool minimum = description.rfind("Expected number greater than", 0) == 0;
    violation.keyword = minimum ? "minimum" : "maximum";
    const json* bound = shape != nullptr ? shape->find(minimum ? "minimum" : "maximum") : nullptr;
    violation.message = std::string("must be ") + (minimum ? "at least " : "at most ") +
                        (bound != nullptr ? bound->dump() : "the limit") + ", got " +
                        describe_value(value, secret);
  } else {
    violation.keyword = "schema";
    violation.message = description;
  }
  return violation;
}

// Every member the schemas do not declare: an error where the object is closed (requests),
// a warning where it is open but described (responses may gain fields), and in lenient mode
// always a warning. The walk keeps the path as references and writes a pointer only to report.
void Validator::Impl::report_unknown_fields(Target target, const json& node, const Shape* shape,
                                            PathStack& path, bool lenient, Report& report) const {
  if (shape == nullptr) return;
  if (node.is_array()) {
    if (shape->items == nullptr) return;
    const auto& array = node.get_ref<const json::array_t&>();
    for (std::size_t i = 0; i < array.size(); ++i) {
      path.push_back({nullptr, i});
      report_unknown_fields(target, array[i], shape->items, path, lenient, report);
      path.pop_back();
    }
    return;
  }
  if (!node.is_object()) return;
  for (const auto& [name, value] : node.get_ref<const json::object_t&>()) {
    path.push_back({&name, 0});
    auto declared = shape->properties.find(name);
    if (declared != shape->properties.end()) {
      report_unknown_fields(target, value, declared->second, path, lenient, report);
    } else if (shape->additional != nullptr) {
      report_unknown_fields(target, value, shape->additional, path, lenient, report);
    } else if (shape->closed || shape->described) {
      report_unknown_field(target, name, shape, pointer_of(path), lenient, report);
    }
    path.pop_back();
  }
}

void Validator::Impl::report_unknown_field(Target target, const std::string& name, const Shape* shape,
                                           std::string pointer, bool lenient, Report& report) const {
  std::string message = "unknown field \"" + detail::shorten(name) + "\"";
  // A field the Customer has but the update body lacks is read-only (readOnly in customer.schema.json).
  const Shape* customer = roots[index_of(Target::customer)];
  const bool is_body = shape == roots[index_of(Target::update_request)] ||
                       (target == Target::request && shape == shapes->at(roots[index_of(Target::request)], {"body"}));
  bool read_only = false;
  if (is_body && customer != nullptr) {
    if (auto it = customer->properties.find(name); it != customer->properties.end()) {
      const json* flag = it->second->find("readOnly");
      read_only = flag != nullptr && *flag == true;
    }
  }
  if (read_only) {
    message += ": it is read-only in the Customer and cannot be updated";
  } else {
    std::vector<std::string> names;
    for (const auto& entry : shape->properties) names.push_back(entry.first);
    if (auto suggestion = closest(name, names, 2)) message += " (did you mean \"" + *suggestion + "\"?)";
  }
  Violation violation{std::move(pointer), "additionalProperties", std::move(message), 0, 0};
  if (shape->closed && !lenient) {
    report.errors.push_back(std::move(violation));
  } else {
    report.warnings.push_back(std::move(violation));
  }
}

std::string Validator::Impl::pointer_of(const PathStack& path) {
  std::string pointer;
  for (const PathPart& part : path) {
    pointer += '/';
    pointer += part.name != nullptr ? escape_pointer_token(*part.name) : std::to_string(part.index);
  }
  return pointer;
}

Report Validator::Impl::validate(Target target, const json& original, const ValidateOptions& options) const {
  Report report;
  Canonical canonical = canonicalize(target, original);
  const json& document = canonical.document ? *canonical.document : original;
  const Shape* root = roots[index_of(target)];

  valijson::ValidationResults results;
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::adapters::NlohmannJsonAdapter adapter(document);
  const bool schema_valid = validator.validate(schema(target, options.lenient), adapter, &results);

  report.errors = std::move(canonical.errors);
  valijson::ValidationResults::Error error;
  std::set<std::pair<std::string, std::string>> seen;
  while (results.popError(error)) {
    if (is_parent_noise(error.description)) continue;
    Violation violation = describe(error, document, root);
    if (seen.insert({violation.path, violation.message}).second) report.errors.push_back(std::move(violation));
  }
  // When the strict schemas accept the document and every object they describe is closed,
  // there can be no unknown field: skip the walk.
  if (!schema_valid || options.lenient || (root != nullptr && root->open_below)) {
    PathStack path;
    report_unknown_fields(target, document, root, path, options.lenient, report);
  }
  // A value of the wrong type also fails its enum, format or bounds; only the type is the news.
  std::set<std::string> mistyped;
  for (const auto& violation : report.errors) {
    if (violation.keyword == "type") mistyped.insert(violation.path);
  }
  report.errors.erase(std::remove_if(report.errors.begin(), report.errors.end(),
                                     [&](const Violation& v) {
                                       return v.keyword != "type" && mistyped.count(v.path) != 0;
                                     }),
                      report.errors.end());
  const auto by_path = [](const Violation& a, const Violation& b) { return a.path < b.path; };
  std::stable_sort(report.errors.begin(), report.errors.end(), by_path);
  std::stable_sort(report.warnings.begin(), report.warnings.end(), by_path);
  if (!schema_valid && report.errors.empty()) {
    // valijson reports nothing for some failures (propertyNames, for one); never call such a
    // document valid.
    report.errors.push_back(Violation{"", "schema", "the document does not match the schema", 0, 0});
  }
  // Paths into the caller's document, not our canonical copy.
  for (auto* list : {&report.errors, &report.warnings}) {
    for (auto& violation : *list) {
      for (const auto& [canonical_path, original_path] : canonical.renames) {
        const std::string& path = violation.path;
        if (path.compare(0, canonical_path.size(), canonical_path) == 0 &&
            (path.size() == canonical_path.size() || path[canonical_path.size()] == '/')) {
          violation.path = original_path + path.substr(canonical_path.size());
          break;
        }
      }
    }
  }
  report.valid = report.errors.empty();
  return report;
}

bool Validator::Impl::is_valid(Target target, const json& original, const ValidateOptions& options) const {
  Canonical canonical = canonicalize(target, original);
  if (!canonical.errors.empty()) return false;
  const json& document = canonical.document ? *canonical.document : original;
  valijson::Validator validator(valijson::Validator::kStrongTypes);
  valijson::adapters::NlohmannJsonAdapter adapter(document);
  return validator.validate(schema(target, options.lenient), adapter, nullptr);
}

std::optional<Report> Validator::Impl::fast_report(Target target, detail::FastResult result, bool lenient) const {
  if (result.verdict != detail::FastVerdict::valid) return std::nullopt;
  Report report;
  const Shape* root = roots[index_of(target)];
  for (detail::UnknownMember& member : result.unknown) {
    if (member.tokens.empty()) return std::nullopt;
    std::string name = std::move(member.tokens.back());
    member.tokens.pop_back();
    const Shape* shape = member.tokens.empty() ? root : shapes->at(root, member.tokens);
    if (shape == nullptr) continue;
    // As report_unknown_fields decides; a schema for additional members is the reference's to walk.
    if (shape->additional != nullptr) return std::nullopt;
    if (!shape->closed && !shape->described) continue;
    std::string pointer = pointer_of_tokens(member.tokens) + "/" + escape_pointer_token(name);
    report_unknown_field(target, name, shape, std::move(pointer), lenient, report);
  }
  // An error here would be the reference engine's to explain (the fast engine saw none).
  if (!report.errors.empty()) return std::nullopt;
  std::stable_sort(report.warnings.begin(), report.warnings.end(),
                   [](const Violation& a, const Violation& b) { return a.path < b.path; });
  report.valid = true;
  return report;
}

namespace {

Report internal_failure(const char* what) {
  Report report;
  report.valid = false;
  report.errors.push_back(Violation{"", "internal", std::string("validation failed: ") + what, 0, 0});
  return report;
}

}  // namespace

Report Validator::validate(Target target, const json& document, const ValidateOptions& options) const noexcept {
  try {
    if (deeper_than(document, impl_->config.limits.max_depth)) return too_deep(impl_->config.limits.max_depth);
    if (impl_->uses_fast(target)) {
      auto fast = detail::fast_validate_document(target, document, impl_->config.limits.max_depth, options.lenient, true);
      if (auto report = impl_->fast_report(target, std::move(fast), options.lenient)) return std::move(*report);
    }
    return impl_->validate(target, document, options);
  } catch (const std::exception& e) {
    return internal_failure(e.what());
  } catch (...) {
    return internal_failure("unknown exception");
  }
}

Report Validator::validate_text(Target target, std::string_view text, const ValidateOptions& options,
                               std::size_t first_line) const noexcept {
  try {
    if (impl_->uses_fast(target)) {
      auto fast = detail::fast_validate_text(target, text, impl_->config.limits, options.lenient, true);
      if (auto report = impl_->fast_report(target, std::move(fast), options.lenient)) return std::move(*report);
    }
    ParseResult parsed = parse_json(text, impl_->config.limits, first_line);
    if (!parsed.document) {
      Report report;
      report.valid = false;
      report.errors = std::move(parsed.errors);
      return report;
    }
    Report report = impl_->validate(target, *parsed.document, options);
    if (!parsed.errors.empty()) {
      report.errors.insert(report.errors.begin(), parsed.errors.begin(), parsed.errors.end());
      report.valid = false;
    }
    return report;
  } catch (const std::exception& e) {
    return internal_failure(e.what());
  } catch (...) {
    return internal_failure("unknown exception");
  }
}

bool Validator::is_valid(Target target, const json& document, const ValidateOptions& options) const noexcept {
  try {
    if (deeper_than(document, impl_->config.limits.max_depth)) return false;
    if (impl_->uses_fast(target)) {
      const auto fast =
          detail::fast_validate_document(target, document, impl_->config.limits.max_depth, options.lenient, false);
      if (fast.verdict != detail::FastVerdict::undecided) return fast.verdict == detail::FastVerdict::valid;
    }
    return impl_->is_valid(target, document, options);
  } catch (...) {
    return false;
  }
}

bool Validator::is_valid_text(Target target, std::string_view text, const ValidateOptions& options) const noexcept {
  try {
    if (impl_->uses_fast(target)) {
      const auto fast = detail::fast_validate_text(target, text, impl_->config.limits, options.lenient, false);
      if (fast.verdict != detail::FastVerdict::undecided) return fast.verdict == detail::FastVerdict::valid;
    }
    const ParseResult parsed = parse_json(text, impl_->config.limits);
    return parsed.ok() && impl_->is_valid(target, *parsed.document, options);
  } catch (...) {
    return false;
  }
}

Engine Validator::engine() const noexcept { return impl_->fast ? Engine::fast : Engine::reference; }

}  // namespace alguna::contract
