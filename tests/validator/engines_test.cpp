// The two engines side by side: the fast one (code generated from the schemas, over simdjson or
// over the document given) must give the reference one's verdict and report on every input.
// fuzz/fuzz_differential.cpp asserts the same on any bytes.
#include <dirent.h>

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;

namespace {

Validator make_validator(Engine engine) {
  ValidatorOptions options;
  options.engine = engine;
  auto created = Validator::create(options);
  if (!created) throw std::runtime_error(created.error().message);
  return std::move(created).value();
}

const Validator& validator_of(Engine engine) {
  static const Validator fast = make_validator(Engine::fast);
  static const Validator reference = make_validator(Engine::reference);
  return engine == Engine::fast ? fast : reference;
}

constexpr Target kCovered[] = {Target::update_request, Target::customer, Target::error};

// Every entry point of both engines on `text` as `target`: the same report, the same yes/no.
// Returns the reference report.
Report same_on(Target target, std::string_view text, bool lenient = false) {
  const Validator& fast = validator_of(Engine::fast);
  const Validator& reference = validator_of(Engine::reference);
  ValidateOptions options;
  options.lenient = lenient;
  const Report expected = reference.validate_text(target, text, options);
  const Report got = fast.validate_text(target, text, options);
  INFO(target_name(target) << (lenient ? " (lenient)" : "") << ": " << std::string(text.substr(0, 300)));
  INFO("reference: " << describe(expected) << "\nfast: " << describe(got));
  CHECK(got.valid == expected.valid);
  CHECK(got.errors == expected.errors);
  CHECK(got.warnings == expected.warnings);
  CHECK(fast.is_valid_text(target, text, options) == expected.valid);
  CHECK(reference.is_valid_text(target, text, options) == expected.valid);
  const ParseResult parsed = parse_json(text, reference.limits());
  if (parsed.document) {
    const Report expected_document = reference.validate(target, *parsed.document, options);
    const Report got_document = fast.validate(target, *parsed.document, options);
    CHECK(got_document.valid == expected_document.valid);
    CHECK(got_document.errors == expected_document.errors);
    CHECK(got_document.warnings == expected_document.warnings);
    CHECK(fast.is_valid(target, *parsed.document, options) == expected_document.valid);
  }
  return expected;
}

std::vector<std::string> files_under(const std::string& directory) {
  std::vector<std::string> out;
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return out;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = directory + "/" + name;
    if (DIR* sub = opendir(path.c_str())) {
      closedir(sub);
      for (auto& file : files_under(path)) out.push_back(std::move(file));
    } else {
      out.push_back(path);
    }
  }
  closedir(dir);
  return out;
}

std::string nested_arrays(std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); }

const char* const kCustomer =
    R"({"id":"cust_1","name":"Acme","currency":"USD","created_at":"2026-04-01T10:00:00Z",)"
    R"("updated_at":"2026-04-01T10:00:00Z")";

std::string customer_with(const std::string& more) { return std::string(kCustomer) + more + "}"; }

}  // namespace

TEST_CASE("the fast engine is the default; a schema directory, or the option, selects the reference one",
          "[validator][engines]") {
  CHECK(shared_validator().engine() == test_validator_options().engine);
  CHECK(validator_of(Engine::fast).engine() == Engine::fast);
  CHECK(validator_of(Engine::reference).engine() == Engine::reference);
  auto defaults = Validator::create();
  REQUIRE(defaults);
  CHECK(defaults->engine() == Engine::fast);
  ValidatorOptions from_directory;
  from_directory.schema_dir = std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/schemas";
  auto with_directory = Validator::create(from_directory);
  REQUIRE(with_directory);
  CHECK(with_directory->engine() == Engine::reference);
  CHECK(std::string(engine_name(Engine::fast)) == "fast");
  CHECK(engine_from_name("reference") == Engine::reference);
  CHECK_FALSE(engine_from_name("valijson").has_value());
}

TEST_CASE("the engines agree on every bundled payload, fixture and fuzz seed", "[validator][engines]") {
  const std::string root = ALGUNA_CONTRACT_SOURCE_DIR;
  std::vector<std::string> files = files_under(root + "/corpus/payloads");
  for (auto& file : files_under(root + "/tests/fixtures")) files.push_back(std::move(file));
  for (auto& file : files_under(root + "/corpus/fuzz/fuzz_validate")) files.push_back(std::move(file));
  REQUIRE(files.size() > 60);
  std::size_t valid = 0;
  std::size_t invalid = 0;
  for (const std::string& file : files) {
    INFO(file);
    const std::string text = read_file(file);
    for (Target target : kCovered) {
      for (bool lenient : {false, true}) {
        (same_on(target, text, lenient).valid ? valid : invalid) += 1;
      }
    }
  }
  // Both verdicts are well represented: the comparison is not between two ways of saying no.
  CHECK(valid > 50);
  CHECK(invalid > 50);
}

TEST_CASE("the engines agree on unknown members: warnings in a Customer, errors in a strict body",
          "[validator][engines]") {
  const Report customer = same_on(
      Target::customer,
      customer_with(R"(,"object":"customer","metadata":{"a":[1,{"b":null}]},)"
                    R"("contacts":[{"email":"a@example.com","role":"billing"}],)"
                    R"("billing_address":{"line1":"1 Main St","county":"Kent"},"namee":"x")"));
  CHECK(customer.valid);
  CHECK(customer.warnings.size() == 5);
  const Report body = same_on(Target::update_request, R"({"name":"A","nmae":"B","tax_type":"vat"})");
  CHECK_FALSE(body.valid);
  const Report lenient = same_on(Target::update_request, R"({"name":"A","nmae":"B","tax_type":"vat"})", true);
  CHECK(lenient.valid);
  CHECK(lenient.warnings.size() == 2);
  same_on(Target::update_request, R"({"contacts":[{"email":"a@example.com","phone":"1"}]})", true);
  same_on(Target::update_request, R"({"billing_address":{"line9":"x"}})", true);
  same_on(Target::error, R"({"status":422,"detail":"no","errors":[{"path":"/a","message":"m","hint":1}],"x":1})");
}

TEST_CASE("the engines agree at the depth limit, wherever the nesting is", "[validator][engines]") {
  // The Customer is level 1: 63 more levels are allowed, 64 are not.
  const Report at_limit = same_on(Target::customer, customer_with(",\"extra\":" + nested_arrays(63)));
  CHECK(at_limit.valid);
  const Report over = same_on(Target::customer, customer_with(",\"extra\":" + nested_arrays(64)));
  REQUIRE_FALSE(over.valid);
  CHECK(over.errors.front().keyword == "depth");
  same_on(Target::customer, customer_with(",\"extra\":" + nested_arrays(2000)));
  same_on(Target::update_request, R"({"aliases":)" + nested_arrays(70) + "}");
  same_on(Target::error, nested_arrays(64));
  same_on(Target::error, nested_arrays(65));
}

TEST_CASE("the engines agree on repeated keys, known or not, at any depth", "[validator][engines]") {
  for (const std::string& text :
       {customer_with(R"(,"name":"Again")"), customer_with(R"(,"extra":{"a":1,"a":2})"),
        customer_with(R"(,"contacts":[{"email":"a@example.com","email":"b@example.com"}])"),
        std::string(R"({"name":"A","name":"A"})"), std::string(R"({"status":400,"detail":"x","z":1,"z":1})")}) {
    for (Target target : kCovered) {
      const Report report = same_on(target, text);
      CHECK_FALSE(report.valid);
    }
  }
  // Many unknown keys (past the fast engine's small set), one repeated at the end.
  std::string many = customer_with(",\"extra\":{");
  many.pop_back();
  for (int i = 0; i < 100; ++i) many += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  many += "\"k7\":0}}";
  CHECK_FALSE(same_on(Target::customer, many).valid);
}

TEST_CASE("the engines agree on numbers, strings and text at the edges of JSON", "[validator][engines]") {
  for (const char* status : {"400", "400.0", "4e2", "-0", "599", "600", "399", "18446744073709551615",
                                   "18446744073709551616", "-9223372036854775809", "1e400", "0.5", "true"}) {
    same_on(Target::error, std::string(R"({"status":)") + status + R"(,"detail":"x"})");
  }
  for (const char* name :
       {R"("")", R"("\u0000")", R"("\ud800")", R"("\udc00\ud800")", R"("\ud83d\ude00")", "\"\xff\"",
        "\"\xc3\xa9\"", "\"a\\/b\"", R"("\u00e9")", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"tab\there\""}) {
    same_on(Target::update_request, std::string(R"({"name":)") + name + "}");
  }
  for (const std::string& text :
       {std::string(""), std::string(" "), std::string("\xef\xbb\xbf{}"), std::string("{} x"),
        std::string("{}\n"), std::string("\t{ }\r\n"), std::string("{\"name\":\"a\"}\x00", 13), std::string("nul"),
        std::string("[]"), std::string("null"), std::string("{\"name\":1e999999}")}) {
    for (Target target : kCovered) same_on(target, text);
  }
}

TEST_CASE("the engines agree on documents over 1 MiB and over the size limit", "[validator][engines]") {
  std::string aliases = R"({"aliases":[)";
  for (int i = 0; i < 80000; ++i) aliases += (i ? ",\"alias-" : "\"alias-") + std::to_string(i) + "\"";
  aliases += "]}";
  REQUIRE(aliases.size() > 1024 * 1024);
  CHECK(same_on(Target::update_request, aliases).valid);
  CHECK(same_on(Target::customer, customer_with(aliases.substr(1, aliases.size() - 2).insert(0, ","))).valid);

  ParseLimits small;
  small.max_bytes = 64;
  ValidatorOptions options;
  options.limits = small;
  auto fast = Validator::create(options);
  options.engine = Engine::reference;
  auto reference = Validator::create(options);
  REQUIRE(fast);
  REQUIRE(reference);
  const std::string text = R"({"name":")" + std::string(100, 'a') + "\"}";
  const Report a = fast->validate_text(Target::update_request, text);
  const Report b = reference->validate_text(Target::update_request, text);
  CHECK_FALSE(a.valid);
  CHECK(a.errors == b.errors);
  CHECK_FALSE(fast->is_valid_text(Target::update_request, text));
}

TEST_CASE("the engines agree on the targets the fast engine leaves to the reference one", "[validator][engines]") {
  const json request = {{"method", "PATCH"},
                        {"path", "/customers/cust_1"},
                        {"headers",
                         {{"authorization", "Bearer sk_test_1"},
                          {"Alguna-Version", "2026-04-01"},
                          {"Content-Type", "application/json"}}},
                        {"body", {{"name", "A"}}}};
  for (Target target : {Target::request, Target::headers}) {
    const std::string text = target == Target::request ? request.dump() : request["headers"].dump();
    const Report report = validator_of(Engine::fast).validate_text(target, text);
    INFO(describe(report));
    CHECK(validator_of(Engine::fast).is_valid_text(target, text) == report.valid);
    CHECK(report.errors == validator_of(Engine::reference).validate_text(target, text).errors);
    CHECK(report.warnings == validator_of(Engine::reference).validate_text(target, text).warnings);
  }
}
