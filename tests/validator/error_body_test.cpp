// The error body {status, detail}.
#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;

TEST_CASE("status is an integer from 400 to 599", "[validator][error]") {
  for (int status : {400, 401, 403, 404, 409, 422, 429, 500, 599}) {
    INFO(status);
    require_valid(check(Target::error, {{"status", status}, {"detail", "x"}}));
  }
  CHECK(only_error(check(Target::error, {{"status", 200}, {"detail", "x"}}), "/status", "minimum").message ==
        "must be at least 400, got number 200");
  CHECK(only_error(check(Target::error, {{"status", 600}, {"detail", "x"}}), "/status", "maximum").message ==
        "must be at most 599, got number 600");
  only_error(check(Target::error, {{"status", "400"}, {"detail", "x"}}), "/status", "type");
  only_error(check(Target::error, {{"status", 400.5}, {"detail", "x"}}), "/status", "type");
}

TEST_CASE("an unsigned 64-bit status is not mistaken for a small one", "[validator][error]") {
  // valijson 1.0 reads 18446744073709551615 as -1; it must still be refused, and the message must
  // show the real number.
  const Report report = shared_validator().validate_text(Target::error, R"({"status": 18446744073709551615, "detail": "x"})");
  const Violation v = only_error(report, "/status", "minimum");
  CHECK_THAT(v.message, Catch::Contains("18446744073709551615"));
}

TEST_CASE("an integer beyond 64 bits gives a verdict, not a crash", "[validator][error][bad-input]") {
  const Report report =
      shared_validator().validate_text(Target::error, R"({"status": 123456789012345678901234567890, "detail": "x"})");
  INFO(describe(report));
  REQUIRE_FALSE(report.valid);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].path == "/status");
  CHECK(report.errors[0].keyword == "type");
}

TEST_CASE("detail is a non-empty string, extra fields are warnings", "[validator][error]") {
  only_error(check(Target::error, {{"status", 400}}), "", "required");
  only_error(check(Target::error, {{"status", 400}, {"detail", ""}}), "/detail", "minLength");
  const Report report = check(Target::error, {{"status", 422},
                                              {"detail", "Validation failed"},
                                              {"errors", {{{"path", "/name"}, {"message", "m"}}}},
                                              {"trace_id", "t"}});
  require_valid(report);
  REQUIRE(report.warnings.size() == 1);
  CHECK(report.warnings[0].path == "/trace_id");
}
