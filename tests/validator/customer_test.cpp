// The Customer response: required fields, tax enums, formats; tolerant of new fields.
#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;

namespace {

json minimal_customer() {
  return {{"id", "cust_abc123"},
          {"name", "Acme Corp"},
          {"currency", "USD"},
          {"created_at", "2026-04-01T10:00:00Z"},
          {"updated_at", "2026-04-01T12:30:00Z"}};
}

json with(json customer, const std::string& key, json value) {
  customer[key] = std::move(value);
  return customer;
}

}  // namespace

TEST_CASE("a minimal Customer has the five required fields", "[validator][customer]") {
  require_valid(check(Target::customer, minimal_customer()));
  for (const char* field : {"id", "name", "currency", "created_at", "updated_at"}) {
    json customer = minimal_customer();
    customer.erase(field);
    const Violation v = only_error(check(Target::customer, customer), "", "required");
    CHECK(v.message == std::string("missing required field \"") + field + "\"");
  }
}

TEST_CASE("name and currency are not nullable in the response", "[validator][customer]") {
  only_error(check(Target::customer, with(minimal_customer(), "name", nullptr)), "/name", "type");
  CHECK(only_error(check(Target::customer, with(minimal_customer(), "currency", nullptr)), "/currency", "type")
            .message == "expected an ISO 4217 currency code like \"USD\", got null");
}

TEST_CASE("every tax_reason value passes, near misses do not", "[validator][customer][enum]") {
  for (const char* reason : {"standard_rated", "reverse_charge", "not_collecting", "customer_exempt", "zero_rated", "other"}) {
    INFO(reason);
    require_valid(check(Target::customer, with(minimal_customer(), "tax_reason", reason)));
  }
  require_valid(check(Target::customer, with(minimal_customer(), "tax_reason", nullptr)));
  for (const char* miss : {"exempt", "Standard_Rated", "STANDARD_RATED", "standard-rated", "", "reverse charge"}) {
    INFO(miss);
    only_error(check(Target::customer, with(minimal_customer(), "tax_reason", miss)), "/tax_reason", "enum");
  }
  CHECK_THAT(only_error(check(Target::customer, with(minimal_customer(), "tax_reason", "Standard_Rated")),
                        "/tax_reason", "enum")
                 .message,
             Catch::EndsWith("got string \"Standard_Rated\" (did you mean \"standard_rated\"?)"));
}

TEST_CASE("every tax_type value passes, near misses do not", "[validator][customer][enum]") {
  for (const char* type : {"gst", "hst", "igst", "jct", "lease_tax", "pst", "qst", "sales_tax", "service_tax", "vat"}) {
    INFO(type);
    require_valid(check(Target::customer, with(minimal_customer(), "tax_type", type)));
  }
  for (const char* miss : {"VAT", "Vat", "vat ", "gst2", "sales-tax", "income_tax"}) {
    INFO(miss);
    only_error(check(Target::customer, with(minimal_customer(), "tax_type", miss)), "/tax_type", "enum");
  }
  const Violation v = only_error(check(Target::customer, with(minimal_customer(), "tax_type", "VAT")), "/tax_type", "enum");
  CHECK(v.message ==
        "expected one of \"gst\", \"hst\", \"igst\", \"jct\", \"lease_tax\", \"pst\", \"qst\", \"sales_tax\", "
        "\"service_tax\", \"vat\" or null, got string \"VAT\" (did you mean \"vat\"?)");
  // A wrong type is reported as such, without the enum failure it implies.
  CHECK(only_error(check(Target::customer, with(minimal_customer(), "tax_type", 1)), "/tax_type", "type").message ==
        "expected a string or null, got number 1");
}

TEST_CASE("tax_rate is a decimal string, not a number", "[validator][customer]") {
  for (const char* rate : {"0.20", "0", "1", "0.075", "1.00"}) {
    INFO(rate);
    require_valid(check(Target::customer, with(minimal_customer(), "tax_rate", rate)));
  }
  require_valid(check(Target::customer, with(minimal_customer(), "tax_rate", nullptr)));
  CHECK(only_error(check(Target::customer, with(minimal_customer(), "tax_rate", 0.2)), "/tax_rate", "type").message ==
        "expected a decimal string like \"0.20\" or null, got number 0.2");
  for (const char* rate : {"20%", "-0.2", "20", "1.5", ".2", "0,2", "abc"}) {
    INFO(rate);
    only_error(check(Target::customer, with(minimal_customer(), "tax_rate", rate)), "/tax_rate", "format");
  }
}

TEST_CASE("tax_country is ISO 3166-1 alpha-2", "[validator][customer]") {
  require_valid(check(Target::customer, with(minimal_customer(), "tax_country", "DE")));
  require_valid(check(Target::customer, with(minimal_customer(), "tax_country", "GB")));
  require_valid(check(Target::customer, with(minimal_customer(), "tax_country", nullptr)));
  for (const char* miss : {"UK", "DEU", "de", "XX", ""}) {
    INFO(miss);
    only_error(check(Target::customer, with(minimal_customer(), "tax_country", miss)), "/tax_country", "format");
  }
}

TEST_CASE("date-times: RFC 3339 with a real calendar", "[validator][customer]") {
  for (const char* ok : {"2024-02-29T00:00:00Z", "2026-04-01T12:30:00.123+02:00", "2026-04-01t12:30:00z"}) {
    INFO(ok);
    require_valid(check(Target::customer, with(minimal_customer(), "created_at", ok)));
  }
  for (const char* bad : {"2026-02-30T10:00:00Z", "2023-02-29T10:00:00Z", "2026-04-01T25:00:00Z",
                          "2026-04-01 10:00:00Z", "2026-04-01T10:00:00", "2026-04-01", "2026-04-01T10:00:00|01:00"}) {
    INFO(bad);
    only_error(check(Target::customer, with(minimal_customer(), "created_at", bad)), "/created_at", "format");
  }
  CHECK(only_error(check(Target::customer, with(minimal_customer(), "updated_at", "2026-02-30T10:00:00Z")),
                   "/updated_at", "format")
            .message ==
        "expected an RFC 3339 date-time like \"2026-04-01T10:00:00Z\", got \"2026-02-30T10:00:00Z\" "
        "(February 2026 has 28 days)");
}

TEST_CASE("unknown response fields are allowed and listed as warnings", "[validator][customer]") {
  json customer = minimal_customer();
  customer["metadata"] = {{"k", "v"}};
  customer["contacts"] = {{{"id", "cont_1"}, {"email", "a@example.com"}, {"phone", "+1"}}};
  customer["billing_address"] = {{"country", "DE"}, {"county", "x"}};
  const Report report = check(Target::customer, customer);
  require_valid(report);
  INFO(describe(report));
  REQUIRE(report.warnings.size() == 3);
  CHECK(report.warnings[0].path == "/billing_address/county");
  CHECK(report.warnings[1].path == "/contacts/0/phone");
  CHECK(report.warnings[2].path == "/metadata");
  CHECK(report.warnings[2].keyword == "additionalProperties");
  CHECK(report.warnings[2].message == "unknown field \"metadata\"");
}

TEST_CASE("several problems in one Customer are all reported, sorted by path", "[validator][customer]") {
  json customer = minimal_customer();
  customer.erase("name");
  customer["tax_type"] = "VAT";
  customer["contacts"] = {{{"email", "x@"}}};
  const Report report = check(Target::customer, customer);
  INFO(describe(report));
  REQUIRE(report.errors.size() == 3);
  CHECK(report.errors[0].path == "");
  CHECK(report.errors[1].path == "/contacts/0/email");
  CHECK(report.errors[2].path == "/tax_type");
}
