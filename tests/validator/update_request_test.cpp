// The PATCH body: strict, partial, nullable where published.
#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;

TEST_CASE("an empty body is a valid update (no field is required)", "[validator][update]") {
  require_valid(check(Target::update_request, json::object()));
}

TEST_CASE("the body must be an object", "[validator][update]") {
  const Violation v = only_error(check(Target::update_request, json::array()), "", "type");
  CHECK(v.message == "expected an object, got an array");
}

TEST_CASE("null is accepted where the doc says string | null", "[validator][update]") {
  require_valid(check(Target::update_request, {{"name", nullptr}, {"currency", nullptr}, {"aliases", nullptr}}));
}

TEST_CASE("null is refused where the doc does not allow it", "[validator][update]") {
  const Report report = check(Target::update_request, {{"contacts", nullptr}, {"billing_address", nullptr}});
  CHECK(error_at(report, "/contacts").message == "expected an array, got null");
  CHECK(error_at(report, "/billing_address").message == "expected an object, got null");
  CHECK(report.errors.size() == 2);
}

TEST_CASE("an unknown field is an error with a suggestion", "[validator][update]") {
  const Violation v = only_error(check(Target::update_request, {{"nmae", "Acme"}}), "/nmae", "additionalProperties");
  CHECK(v.message == "unknown field \"nmae\" (did you mean \"name\"?)");
}

TEST_CASE("a read-only Customer field is an error that says so", "[validator][update]") {
  const Violation v = only_error(check(Target::update_request, {{"tax_rate", "0.20"}}), "/tax_rate", "additionalProperties");
  CHECK(v.message == "unknown field \"tax_rate\": it is read-only in the Customer and cannot be updated");
}

TEST_CASE("every unknown field is reported, each once, nested ones included", "[validator][update]") {
  const json body = {{"nmae", 1},
                     {"zzz", 2},
                     {"contacts", {{{"email", "a@example.com"}, {"emial", "x"}}}},
                     {"billing_address", {{"zip", "94105"}}}};
  const Report report = check(Target::update_request, body);
  REQUIRE(report.errors.size() == 4);
  CHECK(error_at(report, "/nmae").keyword == "additionalProperties");
  CHECK(error_at(report, "/zzz").message == "unknown field \"zzz\"");
  CHECK(error_at(report, "/contacts/0/emial").message == "unknown field \"emial\" (did you mean \"email\"?)");
  CHECK(error_at(report, "/billing_address/zip").keyword == "additionalProperties");
}

TEST_CASE("lenient mode turns unknown fields into warnings and nothing else", "[validator][update]") {
  const json body = {{"nmae", "Acme"}, {"contacts", {{{"emial", "x"}}}}, {"currency", "usd"}};
  const Report strict = check(Target::update_request, body);
  CHECK(strict.errors.size() == 3);
  const Report lenient = check(Target::update_request, body, /*lenient=*/true);
  INFO(describe(lenient));
  REQUIRE(lenient.errors.size() == 1);
  CHECK(lenient.errors[0].path == "/currency");
  REQUIRE(lenient.warnings.size() == 2);
  CHECK(lenient.warnings[0].path == "/contacts/0/emial");
  CHECK(lenient.warnings[1].path == "/nmae");

  const Report only_unknown = check(Target::update_request, {{"nmae", "Acme"}}, true);
  CHECK(only_unknown.valid);
  CHECK(only_unknown.warnings.size() == 1);
}

TEST_CASE("name: a non-empty string or null", "[validator][update]") {
  require_valid(check(Target::update_request, {{"name", "Acme Corp"}}));
  CHECK(only_error(check(Target::update_request, {{"name", ""}}), "/name", "minLength").message == "must not be empty");
  CHECK(only_error(check(Target::update_request, {{"name", 42}}), "/name", "type").message ==
        "expected a string or null, got number 42");
}

TEST_CASE("currency: an ISO 4217 code from the real list", "[validator][update]") {
  for (const char* code : {"USD", "EUR", "GBP", "JPY", "CHF"}) {
    INFO(code);
    require_valid(check(Target::update_request, {{"currency", code}}));
  }
  CHECK(only_error(check(Target::update_request, {{"currency", "XYZ"}}), "/currency", "format").message ==
        "expected an ISO 4217 currency code like \"USD\", got \"XYZ\" (not an active ISO 4217 currency code)");
  CHECK_THAT(only_error(check(Target::update_request, {{"currency", "usd"}}), "/currency", "format").message,
             Catch::Contains("did you mean \"USD\"?"));
  CHECK(only_error(check(Target::update_request, {{"currency", 840}}), "/currency", "type").message ==
        "expected an ISO 4217 currency code like \"USD\" or null, got number 840");
}

TEST_CASE("aliases: strings, replacing the whole list", "[validator][update]") {
  require_valid(check(Target::update_request, {{"aliases", json::array()}}));
  require_valid(check(Target::update_request, {{"aliases", {"acme", "acme-corp"}}}));
  CHECK(only_error(check(Target::update_request, {{"aliases", {"ok", 7}}}), "/aliases/1", "type").message ==
        "expected a string, got number 7");
  CHECK(only_error(check(Target::update_request, {{"aliases", {"ok", ""}}}), "/aliases/1", "minLength").message ==
        "must not be empty");
  CHECK(only_error(check(Target::update_request, {{"aliases", "acme"}}), "/aliases", "type").message ==
        "expected an array or null, got string \"acme\"");
}

TEST_CASE("contacts: exact pointers into the array", "[validator][update]") {
  const json body = {{"contacts",
                      {{{"email", "john@example.com"}, {"is_primary", true}},
                       {{"email", "not-an-email"}, {"is_primary", "yes"}, {"email_preferences", {"billing", 1}}}}}};
  const Report report = check(Target::update_request, body);
  REQUIRE(report.errors.size() == 3);
  CHECK(error_at(report, "/contacts/1/email").keyword == "format");
  CHECK(error_at(report, "/contacts/1/is_primary").message == "expected a boolean, got string \"yes\"");
  CHECK(error_at(report, "/contacts/1/email_preferences/1").keyword == "type");
}

TEST_CASE("email_preferences are not an enum in v2", "[validator][update]") {
  require_valid(check(Target::update_request, {{"contacts", {{{"email_preferences", {"billing", "anything-new"}}}}}}));
}

TEST_CASE("billing_address: country as alpha-2 or alpha-3", "[validator][update]") {
  require_valid(check(Target::update_request, {{"billing_address", {{"country", "US"}}}}));
  require_valid(check(Target::update_request, {{"billing_address", {{"country", "USA"}}}}));
  require_valid(check(Target::update_request, {{"billing_address", {{"country", "GB"}}}}));
  CHECK(only_error(check(Target::update_request, {{"billing_address", {{"country", "UK"}}}}),
                   "/billing_address/country", "format")
            .keyword == "format");
  only_error(check(Target::update_request, {{"billing_address", {{"country", "XX"}}}}), "/billing_address/country",
             "format");
  only_error(check(Target::update_request, {{"billing_address", {{"line1", 123}}}}), "/billing_address/line1", "type");
}

TEST_CASE("pointers escape ~ and / (RFC 6901)", "[validator][update]") {
  const Report report = check(Target::update_request, {{"a/b", 1}, {"c~d", 2}});
  CHECK(error_at(report, "/a~1b").keyword == "additionalProperties");
  CHECK(error_at(report, "/c~0d").keyword == "additionalProperties");
}

TEST_CASE("one entry per problem: no parent noise from valijson", "[validator][update]") {
  const Report report = check(Target::update_request, {{"contacts", {{{"email", "bad"}}}}});
  INFO(describe(report));
  REQUIRE(report.errors.size() == 1);
  for (const auto& v : report.errors) CHECK(v.message.find("Failed to validate") == std::string::npos);
}
