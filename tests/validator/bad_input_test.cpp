// Bad input: a clear verdict, never a crash or a hang.
#include <string>

#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;

namespace {

Violation only_text_error(const std::string& text, Target target = Target::update_request) {
  const Report report = shared_validator().validate_text(target, text);
  INFO(describe(report));
  REQUIRE_FALSE(report.valid);
  REQUIRE(report.errors.size() == 1);
  return report.errors[0];
}

}  // namespace

TEST_CASE("text that is not JSON: keyword syntax with line and column", "[validator][bad-input]") {
  const Violation v = only_text_error("{\n  \"name\": tru\n}");
  CHECK(v.keyword == "syntax");
  CHECK(v.path == "");
  CHECK(v.line == 2);
  CHECK(v.column == 14);
  CHECK_THAT(v.message, Catch::StartsWith("line 2, column 14: "));
}

TEST_CASE("invalid UTF-8 is a syntax error, and the message stays valid UTF-8", "[validator][bad-input]") {
  const Violation v = only_text_error("{\"name\": \"Acme \xff\xfe\"}");
  CHECK(v.keyword == "syntax");
  CHECK_THAT(v.message, Catch::Contains("UTF-8"));
  CHECK_NOTHROW(to_json(v).dump());  // dump() throws on invalid UTF-8
}

TEST_CASE("a duplicate key is reported, not silently resolved", "[validator][bad-input]") {
  const Report report = shared_validator().validate_text(Target::update_request, R"({"name": "A", "name": "B"})");
  const Violation v = only_error(report, "/name", "duplicate-key");
  CHECK_THAT(v.message, Catch::Contains("more than once"));
  const Report nested = shared_validator().validate_text(
      Target::customer, R"({"contacts": [{"email": "a@example.com", "email": "b@example.com"}]})");
  CHECK(error_at(nested, "/contacts/0/email").keyword == "duplicate-key");
}

TEST_CASE("nesting 100,000 deep is refused at the depth limit", "[validator][bad-input]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const Violation v = only_text_error(deep);
  CHECK(v.keyword == "depth");
  CHECK(v.column == 65);  // the first bracket past the default limit of 64
  const std::string deep_objects = [] {
    std::string text;
    for (int i = 0; i < 100000; ++i) text += "{\"a\":";
    text += "1";
    text += std::string(100000, '}');
    return text;
  }();
  CHECK(only_text_error(deep_objects).keyword == "depth");
}

TEST_CASE("nesting within the limit parses", "[validator][bad-input]") {
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  const Report report = shared_validator().validate_text(Target::update_request, ok);
  CHECK(only_error(report, "", "type").message == "expected an object, got an array");
}

TEST_CASE("a 10 MB string field is checked in linear time", "[validator][bad-input]") {
  const std::string huge(10u * 1024u * 1024u, 'a');
  require_valid(shared_validator().validate_text(Target::update_request, "{\"name\": \"" + huge + "\"}"));
  // Through every format check, each of which must answer without backtracking.
  for (const char* field : {"currency", "contacts", "billing_address"}) {
    INFO(field);
    std::string text;
    if (std::string(field) == "contacts") {
      text = "{\"contacts\": [{\"email\": \"" + huge + "@" + huge + "\"}]}";
    } else if (std::string(field) == "billing_address") {
      text = "{\"billing_address\": {\"country\": \"" + huge + "\"}}";
    } else {
      text = "{\"currency\": \"" + huge + "\"}";
    }
    const Report report = shared_validator().validate_text(Target::update_request, text);
    REQUIRE_FALSE(report.valid);
    REQUIRE(report.errors.size() == 1);
    CHECK(report.errors[0].keyword == "format");
    CHECK(report.errors[0].message.size() < 400);  // the value is shortened, not echoed whole
  }
  const Report date = shared_validator().validate_text(
      Target::customer, "{\"id\": \"c\", \"name\": \"n\", \"currency\": \"USD\", \"created_at\": \"" + huge +
                            "\", \"updated_at\": \"2026-04-01T10:00:00Z\"}");
  CHECK(error_at(date, "/created_at").keyword == "format");
}

TEST_CASE("an empty document is a syntax error", "[validator][bad-input]") {
  for (const char* empty : {"", "   ", "\n\n"}) {
    const Violation v = only_text_error(empty);
    CHECK(v.keyword == "syntax");
    CHECK_THAT(v.message, Catch::Contains("empty"));
    CHECK(v.line == 1);
  }
}

TEST_CASE("a NUL byte in the text is a syntax error", "[validator][bad-input]") {
  std::string text = "{\"name\": \"A";
  text += '\0';
  text += "\"}";
  CHECK(only_text_error(text).keyword == "syntax");
  CHECK(only_text_error(std::string("\0", 1)).keyword == "syntax");
}

TEST_CASE("a number too large for a double is a syntax error", "[validator][bad-input]") {
  const Violation v = only_text_error(R"({"status": 1e400, "detail": "x"})", Target::error);
  CHECK(v.keyword == "syntax");
  CHECK_THAT(v.message, Catch::Contains("1e400"));
}

TEST_CASE("trailing garbage after the document is a syntax error", "[validator][bad-input]") {
  CHECK(only_text_error("{} {}").keyword == "syntax");
}

TEST_CASE("the size limit refuses big documents before parsing", "[validator][bad-input]") {
  ValidatorOptions options = test_validator_options();
  options.limits.max_bytes = 100;
  auto small = Validator::create(options);
  REQUIRE(small);
  const Report report = small->validate_text(Target::update_request, "{\"name\": \"" + std::string(200, 'a') + "\"}");
  const Violation v = only_error(report, "", "size");
  CHECK(v.message == "the document is 212 bytes, more than the limit of 100");
}

TEST_CASE("validate_text counts syntax lines from first_line (JSONL)", "[validator][bad-input]") {
  const Report report = shared_validator().validate_text(Target::update_request, "{\"name\": }", {}, 41);
  const Violation v = only_error(report, "", "syntax");
  CHECK(v.line == 41);
  CHECK(v.column == 10);
  CHECK_THAT(v.message, Catch::StartsWith("line 41, column 10: "));
}

TEST_CASE("a 100,000-deep document built in code is refused, not recursed into", "[validator][bad-input]") {
  nlohmann::json deep = nlohmann::json::object();
  nlohmann::json* innermost = &deep;
  for (int i = 0; i < 100000; ++i) {
    (*innermost)["name"] = nlohmann::json::object();
    innermost = &(*innermost)["name"];
  }
  const Report report = shared_validator().validate(Target::update_request, deep);
  const Violation v = only_error(report, "", "depth");
  CHECK(v.message == "nesting deeper than 64 levels");
  CHECK_FALSE(shared_validator().is_valid(Target::update_request, deep));
  // Exactly at the limit it is validated as usual.
  nlohmann::json at_limit = nlohmann::json::array();
  nlohmann::json* inner = &at_limit;
  for (int i = 1; i < 64; ++i) {
    inner->push_back(nlohmann::json::array());
    inner = &inner->back();
  }
  CHECK(only_error(shared_validator().validate(Target::update_request, at_limit), "", "type").keyword == "type");
}
