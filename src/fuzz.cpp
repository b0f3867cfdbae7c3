// The schema-aware request generator (fuzz.hpp). It reads the request body's schema
// (customer-update.schema.json and what it references) into a small model of each field — its
// types, enum, format, minimum length, properties, items — and derives from it both valid values
// and the near misses that should be refused. What a request is (valid or not) is always decided
// by our own validator on the request as it will be sent, never assumed from the mutation.
#include <alguna/contract/fuzz.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <set>
#include <string_view>
#include <utility>

#include <alguna/contract/validator.hpp>

#include "iso_tables.hpp"
#include "schema_set.hpp"

namespace alguna::contract {

namespace {

using nlohmann::json;
using Random = std::mt19937_64;

const char* const kBodySchema = "customer-update.schema.json";
const char* const kApiVersion = "2026-04-01";

// --- The schema model ----------------------------------------------------------------------------

struct Model {
  std::set<std::string> types;  // JSON Schema type names; "integer" is folded into "number"
  std::vector<json> enumeration;
  std::string format;
  std::size_t min_length = 0;
  std::map<std::string, std::shared_ptr<Model>> properties;
  bool closed = false;  // additionalProperties: false, or propertyNames from an enum
  std::shared_ptr<Model> items;

  bool allows(const std::string& type) const { return types.empty() || types.count(type) != 0; }
};

class ModelBuilder {
 public:
  explicit ModelBuilder(const detail::SchemaFiles& files) : files_(files) {}

  std::shared_ptr<Model> build(const json& schema, const std::string& file, int depth = 0) {
    auto model = std::make_shared<Model>();
    merge(*model, schema, file, depth);
    return model;
  }

 private:
  const json& resolve(const std::string& ref, std::string& file) {
    const std::size_t hash = ref.find('#');
    if (hash != 0) file = ref.substr(0, hash);
    const auto it = files_.find(file);
    if (it == files_.end()) throw std::runtime_error("unknown schema file " + file);
    const std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
    return it->second.at(json::json_pointer(pointer));
  }

  void merge(Model& model, const json& schema, const std::string& file, int depth) {
    if (depth > 32) throw std::runtime_error("schema references nest too deeply");
    if (!schema.is_object()) return;
    if (auto ref = schema.find("$ref"); ref != schema.end()) {
      std::string target_file = file;
      const json& target = resolve(ref->get<std::string>(), target_file);
      merge(model, target, target_file, depth + 1);
    }
    if (auto all = schema.find("allOf"); all != schema.end()) {
      for (const auto& part : *all) merge(model, part, file, depth + 1);
    }
    if (auto type = schema.find("type"); type != schema.end()) {
      model.types.clear();
      for (const auto& name : type->is_array() ? *type : json::array({*type})) {
        const std::string text = name.get<std::string>();
        model.types.insert(text == "integer" ? "number" : text);
      }
    }
    if (auto values = schema.find("enum"); values != schema.end()) model.enumeration.assign(values->begin(), values->end());
    if (auto format = schema.find("format"); format != schema.end()) model.format = format->get<std::string>();
    if (auto min = schema.find("minLength"); min != schema.end()) model.min_length = min->get<std::size_t>();
    if (auto properties = schema.find("properties"); properties != schema.end()) {
      for (const auto& [name, property] : properties->items()) model.properties[name] = build(property, file, depth + 1);
    }
    if (auto additional = schema.find("additionalProperties"); additional != schema.end() && *additional == false) {
      model.closed = true;
    }
    if (schema.contains("propertyNames")) model.closed = true;
    if (auto items = schema.find("items"); items != schema.end()) model.items = build(*items, file, depth + 1);
  }

  const detail::SchemaFiles& files_;
};

// --- Values --------------------------------------------------------------------------------------

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::size_t pick(Random& random, std::size_t count) {
  return static_cast<std::size_t>(std::uniform_int_distribution<std::size_t>(0, count - 1)(random));
}

template <class T, std::size_t N>
const T& pick_from(Random& random, const std::array<T, N>& values) {
  return values[pick(random, N)];
}

bool chance(Random& random, double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(random) < p; }

const std::array<const char*, 8> kWords = {"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"};

// Strings a careless client or a real customer may send; each is a valid JSON string.
using namespace std::string_view_literals;
const std::array<std::string_view, 10> kUnusualUnicode = {
    "\xF0\x9F\x98\x80 Emoji Ltd"sv,                  // U+1F600, outside the BMP
    "Cafe\xCC\x81"sv,                                // e + combining acute accent
    "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7"sv,    // Arabic, right to left
    "Zero\xE2\x80\x8Bwidth"sv,                       // U+200B zero-width space
    "Nul\0Inside"sv,                                  // U+0000 (sent escaped as \u0000)
    "\xE6\xA0\xAA\xE5\xBC\x8F\xE4\xBC\x9A\xE7\xA4\xBE"sv,  // Japanese
    "\xEF\xBB\xBF" "BOM first"sv,                     // U+FEFF
    "Line\nBreak\tTab"sv,
    "\xE2\x80\xAE" "reversed"sv,                      // U+202E right-to-left override
    "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x92\xBB Family"sv};  // a ZWJ sequence

std::string unusual_unicode(Random& random) { return std::string(pick_from(random, kUnusualUnicode)); }

std::string valid_string(const Model& model, Random& random, const std::string& unique) {
  if (model.format == "iso-4217") return detail::currency_codes[pick(random, detail::currency_code_count)];
  if (model.format == "iso-3166-alpha-2") return detail::country_alpha2_codes[pick(random, detail::country_alpha2_count)];
  if (model.format == "iso-3166") {
    return chance(random, 0.5) ? std::string(detail::country_alpha2_codes[pick(random, detail::country_alpha2_count)])
                               : std::string(detail::country_alpha3_codes[pick(random, detail::country_alpha3_count)]);
  }
  if (model.format == "email") return "billing+" + unique + "@example.com";
  if (model.format == "date-time") return "2026-04-01T12:00:00Z";
  if (model.format == "decimal-fraction") return "0." + std::to_string(pick(random, 100));
  std::string text = std::string(pick_from(random, kWords)) + " " + unique;
  return text;
}

// A valid value for `model`. `unique` makes strings that must not collide (aliases) distinct.
json valid_value(const Model& model, Random& random, const std::string& unique, int depth = 0) {
  if (!model.enumeration.empty()) {
    std::vector<json> choices;
    for (const auto& value : model.enumeration) {
      if (!value.is_null()) choices.push_back(value);
    }
    if (!choices.empty()) return choices[pick(random, choices.size())];
  }
  if (model.allows("object") && !model.properties.empty()) {
    json object = json::object();
    for (const auto& [name, property] : model.properties) {
      if (name == "id") continue;  // a contact id the customer lacks is replaced by a fresh one
      if (chance(random, 0.6)) object[name] = valid_value(*property, random, unique + name.substr(0, 1), depth + 1);
    }
    return object;
  }
  if (model.allows("array") && model.items) {
    json array = json::array();
    const std::size_t count = depth == 0 ? pick(random, 4) : pick(random, 3);
    for (std::size_t i = 0; i < count; ++i) {
      array.push_back(valid_value(*model.items, random, unique + "-" + std::to_string(i), depth + 1));
    }
    return array;
  }
  if (model.allows("string")) return valid_string(model, random, unique);
  if (model.allows("boolean")) return chance(random, 0.5);
  if (model.allows("number")) return static_cast<int>(pick(random, 100));
  return nullptr;
}

// A field of the body, by JSON Pointer, with its model.
struct Field {
  json::json_pointer pointer;
  const Model* model;
};

void collect_fields(const json& value, const Model& model, const json::json_pointer& at, std::vector<Field>& out) {
  if (!at.empty()) out.push_back({at, &model});
  if (value.is_object()) {
    for (const auto& [name, child] : value.items()) {
      auto property = model.properties.find(name);
      if (property != model.properties.end()) collect_fields(child, *property->second, at / name, out);
    }
  } else if (value.is_array() && model.items) {
    for (std::size_t i = 0; i < value.size(); ++i) collect_fields(value[i], *model.items, at / i, out);
  }
}

// Closed objects of the body (the body itself included): their property names are an enum.
void collect_objects(const json& value, const Model& model, const json::json_pointer& at, std::vector<Field>& out) {
  if (value.is_object() && model.closed) out.push_back({at, &model});
  if (value.is_object()) {
    for (const auto& [name, child] : value.items()) {
      auto property = model.properties.find(name);
      if (property != model.properties.end()) collect_objects(child, *property->second, at / name, out);
    }
  } else if (value.is_array() && model.items) {
    for (std::size_t i = 0; i < value.size(); ++i) collect_objects(value[i], *model.items, at / i, out);
  }
}

std::string show(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// A near miss of a name: another case, or "_" and "-" swapped.
std::string near_miss_name(const std::string& name, Random& random) {
  std::string miss = name;
  const std::size_t underscore = name.find('_');
  if (underscore != std::string::npos && chance(random, 0.5)) {
    miss[underscore] = '-';
    return miss;
  }
  if (chance(random, 0.5)) {
    for (char& c : miss) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else {
    miss[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(miss[0])));
  }
  return miss == name ? name + "s" : miss;
}

std::string format_near_miss(const std::string& format, Random& random) {
  if (format == "iso-4217") {
    static const std::array<const char*, 6> misses = {"usd", "US", "EURO", "XYZ", "Eur", "$"};
    return pick_from(random, misses);
  }
  if (format == "iso-3166-alpha-2" || format == "iso-3166") {
    static const std::array<const char*, 6> misses = {"UK", "uk", "DEUX", "U.S.", "EU", "gb"};
    return pick_from(random, misses);
  }
  if (format == "email") {
    static const std::array<const char*, 5> misses = {"billing@", "billing@@example.com", "billing example.com",
                                                      "@example.com", "billing@example..com"};
    return pick_from(random, misses);
  }
  static const std::array<const char*, 3> misses = {"2026-02-30T00:00:00Z", "0.2.0", "20%"};
  return pick_from(random, misses);
}

// A value of a JSON type the model does not allow (never null: that is the "null" kind).
std::optional<json> other_type(const Model& model, Random& random) {
  std::vector<json> candidates;
  if (!model.allows("string")) candidates.push_back("text");
  if (!model.allows("number")) candidates.push_back(chance(random, 0.5) ? json(42) : json(0.5));
  if (!model.allows("boolean")) candidates.push_back(true);
  if (!model.allows("array")) candidates.push_back(json::array({"x"}));
  if (!model.allows("object")) candidates.push_back(json::object({{"value", "x"}}));
  if (candidates.empty()) return std::nullopt;
  return candidates[pick(random, candidates.size())];
}

// Drops the top-level members whose value is null (null leaves a field unchanged): what is left
// must come back in the answer.
json expected_body(const json& body) {
  json expected = json::object();
  for (const auto& [name, value] : body.items()) {
    if (!value.is_null()) expected[name] = value;
  }
  return expected;
}

}  // namespace

struct FuzzGenerator::Impl {
  FuzzOptions options;
  std::shared_ptr<Model> body_model;
  Validator validator;

  Impl(FuzzOptions o, std::shared_ptr<Model> b, Validator v)
      : options(std::move(o)), body_model(std::move(b)), validator(std::move(v)) {}

  std::string path() const { return "/customers/" + options.customer_id; }

  static std::map<std::string, std::string> headers() {
    return {{"Alguna-Version", kApiVersion},
            {"Authorization", "Bearer ${ALGUNA_API_KEY}"},
            {"Content-Type", "application/json"},
            {"Idempotency-Key", "${IDEMPOTENCY_KEY}"}};
  }

  json valid_body(Random& random, const std::string& unique) const {
    json body = json::object();
    std::vector<std::string> names;
    for (const auto& entry : body_model->properties) names.push_back(entry.first);
    const std::size_t count = 1 + pick(random, std::min<std::size_t>(3, names.size()));
    std::shuffle(names.begin(), names.end(), random);
    for (std::size_t i = 0; i < count; ++i) {
      const Model& model = *body_model->properties.at(names[i]);
      json value = valid_value(model, random, unique);
      // A nullable field is sometimes sent as null (unchanged).
      if (model.allows("null") && chance(random, 0.1)) value = nullptr;
      body[names[i]] = std::move(value);
    }
    return body;
  }

  // Our validator's verdict on the request as it will be sent (with stand-in key values of the
  // real lengths), plus the endpoint's body size limit.
  bool is_valid(const RecordedRequest& request) const {
    VariableValues values;
    values.api_key = "sk_test_fuzz_oracle_0123456789";
    values.idempotency_key = "ik_00000000000000000000000000000000";
    auto resolved = resolve_request(request, values);
    if (!resolved) return false;
    if (resolved->body.size() > options.max_body_bytes) return false;
    json document = {{"method", resolved->method}, {"path", resolved->target}};
    json headers = json::object();
    for (const auto& [name, value] : resolved->headers) headers[name] = value;
    document["headers"] = std::move(headers);
    ParseResult parsed = parse_json(resolved->body);
    if (!parsed.ok()) return false;
    document["body"] = std::move(*parsed.document);
    return validator.is_valid(Target::request, document);
  }

  FuzzCase generate(std::size_t index) const;
};

FuzzGenerator::FuzzGenerator(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}

Result<FuzzGenerator> FuzzGenerator::create(FuzzOptions options) noexcept {
  try {
    if (options.customer_id.empty() || options.customer_id.find_first_of("/?# ") != std::string::npos) {
      return Error{Errc::invalid_argument, "the customer id must be one non-empty path segment"};
    }
    auto files = detail::load_schema_files("");
    if (!files) return files.error();
    auto it = files->find(kBodySchema);
    if (it == files->end()) return Error{Errc::internal, std::string(kBodySchema) + " is not embedded"};
    ModelBuilder builder(*files);
    auto body = builder.build(it->second, kBodySchema);
    auto validator = Validator::create();
    if (!validator) return validator.error();
    return FuzzGenerator(std::make_shared<Impl>(std::move(options), std::move(body), std::move(validator).value()));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("cannot read the schemas for fuzzing: ") + e.what()};
  }
}

const std::vector<std::string>& FuzzGenerator::kinds() {
  static const std::vector<std::string> kinds = {
      "valid",          "type-swap",          "enum-near-miss",   "format-near-miss",       "boundary-length",
      "unicode",        "null",               "unknown-field",    "deep-body",              "huge-body",
      "malformed-json", "header-authorization", "header-version", "header-idempotency-key", "header-content-type",
      "idempotency-replay", "idempotency-mismatch"};
  return kinds;
}

const FuzzOptions& FuzzGenerator::options() const noexcept { return impl_->options; }

FuzzCase FuzzGenerator::generate(std::size_t index) const { return impl_->generate(index); }

bool FuzzGenerator::is_valid(const RecordedRequest& request) const { return impl_->is_valid(request); }

FuzzCase FuzzGenerator::Impl::generate(std::size_t index) const {
  const auto& all_kinds = kinds();
  Random random(splitmix(options.seed * 0x100000001B3ull ^ splitmix(index)));
  FuzzCase made;
  made.index = index;
  made.kind = all_kinds[index % all_kinds.size()];
  const std::string unique = std::to_string(options.seed) + "-" + std::to_string(index);

  RecordedRequest request;
  request.method = "PATCH";
  request.path = path();
  request.headers = headers();
  json body = valid_body(random, unique);
  std::string description = "a valid body";
  std::optional<std::string> raw_body;

  const auto set_at = [&](const json::json_pointer& pointer, json value, const std::string& why) {
    description = (pointer.empty() ? std::string("(the body)") : pointer.to_string()) + ": " + show(value) + " (" + why + ")";
    body[pointer] = std::move(value);
  };
  std::vector<Field> fields;
  collect_fields(body, *body_model, json::json_pointer(), fields);
  const auto fields_where = [&](auto predicate) {
    std::vector<Field> found;
    for (const Field& field : fields) {
      if (predicate(*field.model)) found.push_back(field);
    }
    return found;
  };

  const std::string& kind = made.kind;
  if (kind == "type-swap") {
    auto candidates = fields_where([](const Model&) { return true; });
    if (candidates.empty()) {
      body["name"] = json::array({"x"});
      description = "/name: [\"x\"] (wrong type)";
    } else {
      const Field& field = candidates[pick(random, candidates.size())];
      if (auto value = other_type(*field.model, random)) set_at(field.pointer, *value, "wrong type");
    }
  } else if (kind == "enum-near-miss") {
    auto enums = fields_where([](const Model& m) { return !m.enumeration.empty(); });
    if (!enums.empty()) {
      const Field& field = enums[pick(random, enums.size())];
      const json& current = body[field.pointer];
      const std::string name = current.is_string() ? current.get<std::string>() : "value";
      set_at(field.pointer, near_miss_name(name, random), "enum near miss");
    } else {
      // The body's enums are the property names of its closed objects ("Postal_Code").
      std::vector<Field> objects;
      collect_objects(body, *body_model, json::json_pointer(), objects);
      const Field& object = objects[pick(random, objects.size())];
      std::vector<std::string> names;
      for (const auto& entry : object.model->properties) names.push_back(entry.first);
      const std::string name = names[pick(random, names.size())];
      const std::string miss = near_miss_name(name, random);
      json& target = body[object.pointer];
      target[miss] = valid_value(*object.model->properties.at(name), random, unique);
      description = (object.pointer.empty() ? std::string("(the body)") : object.pointer.to_string()) + ": key \"" +
                    miss + "\" (near miss of \"" + name + "\")";
    }
  } else if (kind == "format-near-miss") {
    auto formatted = fields_where([](const Model& m) { return !m.format.empty(); });
    if (formatted.empty()) {
      body["currency"] = format_near_miss("iso-4217", random);
      description = "/currency: " + show(body["currency"]) + " (format near miss)";
    } else {
      const Field& field = formatted[pick(random, formatted.size())];
      set_at(field.pointer, format_near_miss(field.model->format, random), "format near miss of " + field.model->format);
    }
  } else if (kind == "boundary-length") {
    auto strings = fields_where([](const Model& m) { return m.allows("string") && m.format.empty(); });
    if (strings.empty()) {
      body["name"] = "";
      description = "/name: \"\" (below minLength)";
    } else {
      const Field& field = strings[pick(random, strings.size())];
      const std::size_t min = field.model->min_length;
      switch (pick(random, 3)) {
        case 0:
          if (min > 0) {
            set_at(field.pointer, std::string(min - 1, 'a'), "one below minLength " + std::to_string(min));
            break;
          }
          [[fallthrough]];
        case 1: set_at(field.pointer, std::string(std::max<std::size_t>(min, 1), 'a'), "the shortest allowed"); break;
        default: set_at(field.pointer, std::string(10000, 'a'), "10,000 characters"); break;
      }
    }
  } else if (kind == "unicode") {
    auto strings = fields_where([](const Model& m) { return m.allows("string") && m.format.empty() && m.enumeration.empty(); });
    const json::json_pointer pointer = strings.empty() ? json::json_pointer("/name") : strings[pick(random, strings.size())].pointer;
    set_at(pointer, unusual_unicode(random), "unusual Unicode");
  } else if (kind == "null") {
    auto non_nullable = fields_where([](const Model& m) { return !m.allows("null"); });
    if (non_nullable.empty()) {
      body["contacts"] = nullptr;
      description = "/contacts: null (not nullable)";
    } else {
      set_at(non_nullable[pick(random, non_nullable.size())].pointer, nullptr, "null where the schema forbids it");
    }
  } else if (kind == "unknown-field") {
    static const std::array<const char*, 6> read_only = {"id", "tax_rate", "created_at", "updated_at", "tax_type", "tax_country"};
    std::string name;
    if (chance(random, 0.5)) {
      name = pick_from(random, read_only);
    } else {
      std::vector<std::string> names;
      for (const auto& entry : body_model->properties) names.push_back(entry.first);
      name = names[pick(random, names.size())];
      std::swap(name[0], name[1]);  // a typo: "aneme"
    }
    body[name] = name == "tax_type" ? json("VAT") : json("x");
    description = "/" + name + ": unknown field";
  } else if (kind == "deep-body") {
    const std::size_t depth = chance(random, 0.5) ? 100 : 5000;
    std::string text(depth, '[');
    text += "1";
    text.append(depth, ']');
    raw_body = "{\"name\": " + text + "}";
    description = "/name: arrays nested " + std::to_string(depth) + " deep";
  } else if (kind == "huge-body") {
    if (chance(random, 0.5)) {
      // Over the limit: must be refused whatever it holds.
      body = {{"name", std::string(options.max_body_bytes + 1000, 'x')}};
      description = "/name: " + std::to_string(options.max_body_bytes + 1000) + " characters (body over the limit)";
    } else {
      // Large and valid, under the limit: must be applied.
      json aliases = json::array();
      const std::size_t count = (options.max_body_bytes / 2) / 40;
      for (std::size_t i = 0; i < count; ++i) aliases.push_back("fz-" + unique + "-alias-" + std::to_string(i));
      body = {{"aliases", std::move(aliases)}};
      description = "/aliases: " + std::to_string(count) + " aliases (large, under the limit)";
    }
  } else if (kind == "malformed-json") {
    std::string text = body.dump();
    switch (pick(random, 7)) {
      case 0: text = text.substr(0, std::max<std::size_t>(1, pick(random, text.size()))); description = "truncated"; break;
      case 1: text.insert(text.size() - 1, ","); description = "a trailing comma"; break;
      case 2: std::replace(text.begin(), text.end(), '"', '\''); description = "single quotes"; break;
      case 3: text = "{\"name\": NaN}"; description = "NaN"; break;
      case 4: text = "{\"name\": \"\\ud800\"}"; description = "a lone surrogate escape"; break;
      case 5: text = "{\"name\": \"a\", \"name\": \"b\"}"; description = "a duplicate key"; break;
      // A raw control character inside a string (RFC 8259 wants it escaped). Not invalid UTF-8:
      // a scenario's raw_body is JSON text, so a saved case could not hold it.
      default: text = "{\"name\": \"tab\there\"}"; description = "a raw control character in a string"; break;
    }
    raw_body = text;
    description = "malformed JSON: " + description;
  } else if (kind == "header-authorization") {
    switch (pick(random, 5)) {
      case 0: request.headers.erase("Authorization"); description = "Authorization missing"; break;
      case 1: request.headers["Authorization"] = "Bearer"; description = "Authorization: \"Bearer\" without a key"; break;
      case 2: request.headers["Authorization"] = "Basic dXNlcjpwYXNz"; description = "Authorization: Basic"; break;
      case 3: request.headers["Authorization"] = "${ALGUNA_API_KEY}"; description = "Authorization: the key without \"Bearer\""; break;
      default: request.headers["Authorization"] = "bearer ${ALGUNA_API_KEY}"; description = "Authorization: \"bearer\" in lower case"; break;
    }
  } else if (kind == "header-version") {
    switch (pick(random, 3)) {
      case 0: request.headers.erase("Alguna-Version"); description = "Alguna-Version missing"; break;
      case 1: request.headers["Alguna-Version"] = "2025-01-01"; description = "Alguna-Version: 2025-01-01"; break;
      default: request.headers["Alguna-Version"] = "2026-4-1"; description = "Alguna-Version: 2026-4-1"; break;
    }
  } else if (kind == "header-idempotency-key") {
    // ${IDEMPOTENCY_KEY} is 35 characters; padded to the length under test.
    switch (pick(random, 3)) {
      case 0: request.headers["Idempotency-Key"] = "${IDEMPOTENCY_KEY}" + std::string(255 - 35, 'k'); description = "Idempotency-Key of 255 characters"; break;
      case 1: request.headers["Idempotency-Key"] = "${IDEMPOTENCY_KEY}" + std::string(256 - 35, 'k'); description = "Idempotency-Key of 256 characters"; break;
      default: request.headers["Idempotency-Key"] = ""; description = "Idempotency-Key empty"; break;
    }
  } else if (kind == "header-content-type") {
    switch (pick(random, 4)) {
      case 0: request.headers.erase("Content-Type"); description = "Content-Type missing"; break;
      case 1: request.headers["Content-Type"] = "text/plain"; description = "Content-Type: text/plain"; break;
      case 2: request.headers["Content-Type"] = "application/xml"; description = "Content-Type: application/xml"; break;
      default: request.headers["Content-Type"] = "application/json; charset=utf-8"; description = "Content-Type with charset"; break;
    }
  }

  if (raw_body) {
    request.raw_body = *raw_body;
  } else {
    request.body = body;
  }
  made.description = description;
  made.expect_valid = is_valid(request);

  Scenario& scenario = made.scenario;
  scenario.id = "fuzz-" + std::to_string(options.seed) + "-" + std::to_string(index);
  scenario.description = kind + ": " + description;
  scenario.tags = {"fuzz", kind};
  scenario.file = "fuzz";
  scenario.line = index + 1;

  const auto expect_answer = [&](const RecordedRequest& sent, bool valid) {
    Step step;
    step.request = sent;
    if (valid) {
      step.response.status.status_class = 2;
      if (sent.body) step.response.body = expected_body(*sent.body);
    } else {
      step.response.status.status_class = 4;
    }
    return step;
  };
  scenario.steps.push_back(expect_answer(request, made.expect_valid));

  if (kind == "idempotency-replay" || kind == "idempotency-mismatch") {
    Step& first = scenario.steps.front();
    if (made.expect_valid) first.response.headers["Idempotent-Replayed"] = "false";
    Step second = first;
    if (kind == "idempotency-replay") {
      second.response.headers["Idempotent-Replayed"] = "true";
      made.description = "the same key and body twice";
    } else {
      json other = valid_body(random, unique + "-b");
      while (other == *first.request.body) other = valid_body(random, unique + "-c");
      second.request.body = other;
      second.response = RecordedResponse{};
      second.response.status.code = 422;
      made.description = "the same key with another body";
    }
    scenario.steps.push_back(std::move(second));
    scenario.description = kind + ": " + made.description;
  }
  return made;
}

std::optional<Scenario> without_body_member(const Scenario& scenario, std::size_t step, std::size_t member) {
  if (step >= scenario.steps.size()) return std::nullopt;
  const Step& original = scenario.steps[step];
  if (!original.request.body || !original.request.body->is_object() || member >= original.request.body->size()) {
    return std::nullopt;
  }
  Scenario smaller = scenario;
  json& body = *smaller.steps[step].request.body;
  const std::string name = std::next(body.begin(), static_cast<std::ptrdiff_t>(member)).key();
  body.erase(name);
  if (auto& expected = smaller.steps[step].response.body; expected && expected->is_object()) expected->erase(name);
  return smaller;
}

}  // namespace alguna::contract
