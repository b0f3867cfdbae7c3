// The API reference's own examples must pass exactly as published.
#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;

TEST_CASE("the doc's example request body is a valid update request", "[validator][doc]") {
  const Report report = check(Target::update_request, fixture("doc-example-request.json"));
  require_valid(report);
  CHECK(report.warnings.empty());
}

TEST_CASE("the doc's example response is a valid Customer, billing country \"USA\" included", "[validator][doc]") {
  const nlohmann::json response = fixture("doc-example-response.json");
  REQUIRE(response["billing_address"]["country"] == "USA");
  const Report report = check(Target::customer, response);
  require_valid(report);
  CHECK(report.warnings.empty());
}

TEST_CASE("the doc's examples also pass as raw text", "[validator][doc]") {
  require_valid(shared_validator().validate_text(Target::update_request, fixture_text("doc-example-request.json")));
  require_valid(shared_validator().validate_text(Target::customer, fixture_text("doc-example-response.json")));
}

TEST_CASE("the doc's example error body is a valid error", "[validator][doc]") {
  require_valid(check(Target::error, {{"status", 400}, {"detail", "Validation failed: name is required"}}));
}

TEST_CASE("the doc's curl example, as a whole request with its placeholders filled in, is valid", "[validator][doc]") {
  const nlohmann::json request = {
      {"method", "PATCH"},
      {"path", "/customers/cust_abc123"},
      {"headers",
       {{"Alguna-Version", "2026-04-01"},
        {"Authorization", "Bearer sk_live_abc123"},
        {"Content-Type", "application/json"}}},
      {"body", fixture("doc-example-request.json")}};
  require_valid(check(Target::request, request));
}

TEST_CASE("the doc's example response is not a valid update request: read-only fields", "[validator][doc]") {
  const Report report = check(Target::update_request, fixture("doc-example-response.json"));
  REQUIRE_FALSE(report.valid);
  for (const char* field : {"/created_at", "/updated_at", "/id", "/tax_rate", "/tax_type", "/tax_country"}) {
    const Violation violation = error_at(report, field);
    CHECK(violation.keyword == "additionalProperties");
    CHECK_THAT(violation.message, Catch::Contains("read-only"));
  }
  // And the response contact's id is allowed in a request contact.
  CHECK(std::none_of(report.errors.begin(), report.errors.end(),
                     [](const Violation& v) { return v.path.rfind("/contacts", 0) == 0; }));
}
