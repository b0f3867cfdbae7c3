// FuzzGenerator: deterministic cases from the schemas, the validator's verdict as the expectation,
// and every case a scenario the corpus format round-trips.
#include <set>
#include <string>

#include "test_support.hpp"

#include <alguna/contract/fuzz.hpp>

using namespace alguna::contract;
using nlohmann::json;

namespace {

FuzzGenerator make(std::uint64_t seed) {
  FuzzOptions options;
  options.seed = seed;
  auto generator = FuzzGenerator::create(options);
  if (!generator) FAIL(generator.error().message);
  return std::move(generator).value();
}

}  // namespace

TEST_CASE("fuzz generator: a case depends only on the seed and its index", "[fuzz]") {
  const FuzzGenerator a = make(42);
  const FuzzGenerator b = make(42);
  const FuzzGenerator other = make(43);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < 200; ++i) {
    const std::size_t index = 199 - i;  // another order than a's
    const json from_a = to_json(a.generate(index).scenario);
    CHECK(from_a == to_json(b.generate(index).scenario));
    if (from_a != to_json(other.generate(index).scenario)) ++differ;
  }
  CHECK(differ > 150);  // another seed, other cases (the header kinds may coincide)
}

TEST_CASE("fuzz generator: every kind in turn, with the verdict its mutation implies", "[fuzz]") {
  const FuzzGenerator generator = make(7);
  const auto& kinds = FuzzGenerator::kinds();
  REQUIRE(kinds.size() == 17);
  std::set<std::string> always_invalid = {"type-swap", "enum-near-miss", "format-near-miss", "null",
                                          "unknown-field", "deep-body", "malformed-json", "header-version"};
  for (std::size_t index = 0; index < kinds.size() * 12; ++index) {
    const FuzzCase made = generator.generate(index);
    INFO(index << " " << made.kind << ": " << made.description << "\n" << to_json(made.scenario).dump());
    CHECK(made.kind == kinds[index % kinds.size()]);
    CHECK(made.scenario.tags == std::vector<std::string>{"fuzz", made.kind});
    CHECK(made.scenario.id == "fuzz-7-" + std::to_string(index));
    CHECK_FALSE(made.description.empty());
    if (made.kind == "valid" || made.kind == "unicode" || made.kind == "idempotency-replay" ||
        made.kind == "idempotency-mismatch") {
      CHECK(made.expect_valid);
    }
    if (always_invalid.count(made.kind) != 0) CHECK_FALSE(made.expect_valid);
    const auto& first = made.scenario.steps.front().response;
    CHECK(first.status.status_class == (made.expect_valid ? 2 : 4));
    if (made.kind.rfind("idempotency-", 0) == 0) {
      REQUIRE(made.scenario.steps.size() == 2);
      CHECK(made.scenario.steps[1].request.headers.at("Idempotency-Key") == "${IDEMPOTENCY_KEY}");
      if (made.kind == "idempotency-mismatch") {
        CHECK(made.scenario.steps[1].response.status.code == 422);
        CHECK(*made.scenario.steps[0].request.body != *made.scenario.steps[1].request.body);
      } else {
        CHECK(made.scenario.steps[1].response.headers.at("Idempotent-Replayed") == "true");
      }
    }
    // The corpus format round-trips it, so that a saved case replays as it was generated.
    auto parsed = parse_scenario(to_json(made.scenario).dump(), "fuzz", 1);
    INFO(parsed.error().message);
    REQUIRE(parsed);
    CHECK(to_json(*parsed) == to_json(made.scenario));
  }
}

TEST_CASE("fuzz generator: a valid case records the fields it sets, nulls left out", "[fuzz]") {
  const FuzzGenerator generator = make(3);
  std::size_t checked = 0;
  for (std::size_t index = 0; index < 17 * 30; index += 17) {  // the "valid" kind
    const FuzzCase made = generator.generate(index);
    REQUIRE(made.kind == "valid");
    const Step& step = made.scenario.steps.front();
    REQUIRE(step.request.body);
    REQUIRE(step.response.body);
    for (const auto& [name, value] : step.request.body->items()) {
      INFO(name);
      if (value.is_null()) CHECK_FALSE(step.response.body->contains(name));
      else CHECK(step.response.body->at(name) == value);
      ++checked;
    }
  }
  CHECK(checked > 30);
}

TEST_CASE("fuzz generator: without_body_member drops one member from the request and the record", "[fuzz]") {
  auto parsed = parse_scenario(R"({"id": "s", "request": {"method": "PATCH", "path": "/customers/c",
      "body": {"a": 1, "b": 2}}, "response": {"status": 200, "body": {"a": 1, "b": 2}}})", "t", 1);
  REQUIRE(parsed);
  auto smaller = without_body_member(*parsed, 0, 1);
  REQUIRE(smaller);
  CHECK(*smaller->steps[0].request.body == json{{"a", 1}});
  CHECK(*smaller->steps[0].response.body == json{{"a", 1}});
  CHECK_FALSE(without_body_member(*parsed, 0, 2));
  CHECK_FALSE(without_body_member(*parsed, 1, 0));
}

TEST_CASE("fuzz generator: a bad customer id is refused", "[fuzz]") {
  FuzzOptions options;
  options.customer_id = "a/b";
  CHECK(FuzzGenerator::create(options).error().code == Errc::invalid_argument);
}
