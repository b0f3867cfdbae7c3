// The replayer's checks of an actual response against a recorded step (no transport).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <alguna/contract/corpus.hpp>

using namespace alguna::contract;

namespace {

Step step_of(const std::string& response, const std::string& match = "") {
  std::string text = R"({"id": "m", "request": {"method": "GET", "path": "/customers/cust_abc123"}, "response": )" +
                     response + (match.empty() ? "" : ", \"match\": " + match) + "}";
  auto scenario = parse_scenario(text, "m.json", 1);
  INFO(scenario.error().message);
  REQUIRE(scenario);
  return scenario->steps.at(0);
}

const Headers kJson{{"content-type", "application/json; charset=utf-8"}};

std::string describe(const std::vector<Failure>& failures) {
  std::string out;
  for (const auto& f : failures) out += to_json(f).dump() + "\n";
  return out;
}

// The one failure, which must be the only one.
Failure only(const std::vector<Failure>& failures) {
  INFO(describe(failures));
  REQUIRE(failures.size() == 1);
  return failures[0];
}

const char* const kRecordedCustomer =
    R"({"status": 200, "body": {"id": "cust_abc123", "name": "Acme Corp", "tax_type": "vat",
        "aliases": ["acme", "acme-2"], "billing_address": {"country": "GB"}}})";

}  // namespace

TEST_CASE("match: an equal or larger body passes", "[corpus][match]") {
  const Step step = step_of(kRecordedCustomer);
  CHECK(match_response(step, 200, kJson,
                       R"({"id": "cust_abc123", "name": "Acme Corp", "tax_type": "vat", "aliases": ["acme", "acme-2"],
                           "billing_address": {"country": "GB", "city": "London"}, "currency": "GBP"})")
            .empty());
}

TEST_CASE("match: each body difference names its path, expected and actual", "[corpus][match]") {
  const Step step = step_of(kRecordedCustomer);
  const std::string ok_rest = R"("aliases": ["acme", "acme-2"], "billing_address": {"country": "GB"})";

  SECTION("a wrong type") {
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "cust_abc123", "name": 42, "tax_type": "vat", )" + ok_rest + "}"));
    CHECK(f.check == "body");
    CHECK(f.path == "/name");
    CHECK(f.expected == "\"Acme Corp\"");
    CHECK(f.actual == "42");
    CHECK_THAT(f.message, Catch::Contains("expected string \"Acme Corp\", got number 42"));
  }
  SECTION("a missing required field") {
    const auto f = only(match_response(step, 200, kJson, R"({"id": "cust_abc123", "tax_type": "vat", )" + ok_rest + "}"));
    CHECK(f.path == "/name");
    CHECK(f.expected == "\"Acme Corp\"");
    CHECK(f.actual == "(missing)");
  }
  SECTION("a wrong enum case") {
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "cust_abc123", "name": "Acme Corp", "tax_type": "VAT", )" + ok_rest + "}"));
    CHECK(f.path == "/tax_type");
    CHECK(f.expected == "\"vat\"");
    CHECK(f.actual == "\"VAT\"");
    CHECK_THAT(f.message, Catch::Contains("differs only in letter case"));
  }
  SECTION("a wrong value, nested") {
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "cust_abc123", "name": "Acme Corp", "tax_type": "vat",
                                           "aliases": ["acme", "acme-2"], "billing_address": {"country": "DE"}})"));
    CHECK(f.path == "/billing_address/country");
    CHECK(f.expected == "\"GB\"");
    CHECK(f.actual == "\"DE\"");
  }
  SECTION("an array element and an array length") {
    auto f = only(match_response(step, 200, kJson,
                                 R"({"id": "cust_abc123", "name": "Acme Corp", "tax_type": "vat",
                                     "aliases": ["acme", "x"], "billing_address": {"country": "GB"}})"));
    CHECK(f.path == "/aliases/1");
    f = only(match_response(step, 200, kJson,
                            R"({"id": "cust_abc123", "name": "Acme Corp", "tax_type": "vat",
                                "aliases": ["acme"], "billing_address": {"country": "GB"}})"));
    CHECK(f.path == "/aliases");
    CHECK(f.expected == "2 elements");
    CHECK(f.actual == "1 elements");
  }
  SECTION("long values are shortened") {
    const std::string huge(100000, 'x');
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "cust_abc123", "name": ")" + huge + R"(", "tax_type": "vat", )" + ok_rest + "}"));
    CHECK(f.actual.size() < 100);
    CHECK(f.message.size() < 300);
  }
  SECTION("a body that is not JSON") {
    const auto f = only(match_response(step, 200, kJson, "<html>oops</html>"));
    CHECK(f.check == "body");
    CHECK(f.path == "");
    CHECK_THAT(f.message, Catch::StartsWith("the body is not JSON"));
  }
}

TEST_CASE("match: numbers compare by value", "[corpus][match]") {
  const Step step = step_of(R"({"status": 200, "body": {"a": 1, "b": 2.5}})");
  CHECK(match_response(step, 200, kJson, R"({"a": 1.0, "b": 2.5})").empty());
  CHECK(only(match_response(step, 200, kJson, R"({"a": 2, "b": 2.5})")).path == "/a");
}

TEST_CASE("match: status, exact and by class", "[corpus][match]") {
  auto f = only(match_response(step_of(R"({"status": 200})"), 500, {}, ""));
  CHECK(f.check == "status");
  CHECK(f.expected == "200");
  CHECK(f.actual == "500");
  const Step four = step_of(R"({"status": "4xx"})");
  CHECK(match_response(four, 404, {}, "").empty());
  CHECK(match_response(four, 422, {}, "").empty());
  f = only(match_response(four, 200, {}, ""));
  CHECK(f.expected == "4xx");
  CHECK(f.actual == "200");
}

TEST_CASE("match: the content type must be JSON when a body is recorded", "[corpus][match]") {
  const Step step = step_of(R"({"status": 200, "body": {}})");
  auto f = only(match_response(step, 200, {{"Content-Type", "text/html"}}, "{}"));
  CHECK(f.check == "content-type");
  CHECK(f.expected == "application/json");
  CHECK(f.actual == "\"text/html\"");
  f = only(match_response(step, 200, {}, "{}"));
  CHECK(f.check == "content-type");
  CHECK(f.actual == "(missing)");
  CHECK(match_response(step, 200, {{"CONTENT-TYPE", "application/json"}}, "{}").empty());
  // No body recorded: the content type is not checked.
  CHECK(match_response(step_of(R"({"status": 204})"), 204, {{"Content-Type", "text/plain"}}, "").empty());
}

TEST_CASE("match: recorded headers, names case-insensitive", "[corpus][match]") {
  const Step step = step_of(R"({"status": 200, "headers": {"Idempotent-Replayed": "false"}})");
  CHECK(match_response(step, 200, {{"idempotent-replayed", "false"}, {"X-Other", "1"}}, "").empty());
  auto f = only(match_response(step, 200, {{"X-Other", "1"}}, ""));
  CHECK(f.check == "header");
  CHECK(f.path == "Idempotent-Replayed");
  CHECK(f.expected == "\"false\"");
  CHECK(f.actual == "(missing)");
  f = only(match_response(step, 200, {{"Idempotent-Replayed", "true"}}, ""));
  CHECK(f.check == "header");
  CHECK(f.actual == "\"true\"");
}

TEST_CASE("match: rules relax one pointer each", "[corpus][match]") {
  const std::string recorded = R"({"status": 200, "body": {"id": "cust_1", "updated_at": "2026-01-01T00:00:00Z",
                                                          "count": 3, "contact": {"id": "cont_1"}}})";
  const Step step = step_of(recorded, R"({"/id": "regex:cust_[a-z0-9]+", "/updated_at": "date-time",
                                          "/count": "type", "/contact/id": "any"})");
  CHECK(match_response(step, 200, kJson,
                       R"({"id": "cust_zz9", "updated_at": "2026-11-27T05:00:00.123+01:00", "count": 99,
                           "contact": {"id": null}})")
            .empty());

  SECTION("regex must match the whole string") {
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "xcust_zz9", "updated_at": "2026-01-01T00:00:00Z", "count": 1,
                                           "contact": {"id": 1}})"));
    CHECK(f.path == "/id");
    CHECK(f.expected == "regex:cust_[a-z0-9]+");
    CHECK(f.actual == "\"xcust_zz9\"");
  }
  SECTION("date-time") {
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "cust_a", "updated_at": "2026-02-30T00:00:00Z", "count": 1,
                                           "contact": {"id": 1}})"));
    CHECK(f.path == "/updated_at");
    CHECK(f.actual == "\"2026-02-30T00:00:00Z\"");
  }
  SECTION("type") {
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "cust_a", "updated_at": "2026-01-01T00:00:00Z", "count": "3",
                                           "contact": {"id": 1}})"));
    CHECK(f.path == "/count");
    CHECK(f.expected == "number");
  }
  SECTION("any still needs the field") {
    const auto f = only(match_response(step, 200, kJson,
                                       R"({"id": "cust_a", "updated_at": "2026-01-01T00:00:00Z", "count": 1,
                                           "contact": {}})"));
    CHECK(f.path == "/contact/id");
    CHECK(f.actual == "(missing)");
  }
  SECTION("a rule on a field the recording lacks checks the actual body") {
    const Step only_rule = step_of(R"({"status": 200, "body": {"name": "A"}})", R"({"/updated_at": "date-time"})");
    CHECK(match_response(only_rule, 200, kJson, R"({"name": "A", "updated_at": "2026-01-01T00:00:00Z"})").empty());
    CHECK(only(match_response(only_rule, 200, kJson, R"({"name": "A"})")).path == "/updated_at");
  }
}

// No timing assertion (timings belong in benchmarks): with std::regex this test would crash (stack
// overflow at ~25k characters) or run for ages; RE2 answers in linear time.
TEST_CASE("match: a pathological regex on a long string answers (RE2, linear time)", "[corpus][match]") {
  const Step step = step_of(R"({"status": 200, "body": {}})", R"({"/s": "regex:(a*)*b"})");
  const std::string body = R"({"s": ")" + std::string(100000, 'a') + R"("})";
  const auto f = only(match_response(step, 200, kJson, body));
  CHECK(f.path == "/s");
  CHECK(f.actual.size() < 100);
  CHECK(match_response(step, 200, kJson, R"({"s": ")" + std::string(100000, 'a') + R"(b"})").empty());
}
