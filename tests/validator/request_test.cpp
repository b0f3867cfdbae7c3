// A whole HTTP request: method, path, headers (case-insensitive names) and body.
#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;

namespace {

const char* const kApiKey = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

json good_request() {
  return {{"method", "PATCH"},
          {"path", "/customers/cust_abc123"},
          {"headers",
           {{"Authorization", std::string("Bearer ") + kApiKey},
            {"Alguna-Version", "2026-04-01"},
            {"Idempotency-Key", "ik_a1b2c3d4e5f6"},
            {"Content-Type", "application/json"}}},
          {"body", {{"name", "Acme Corp"}}}};
}

json with_header(json request, const std::string& name, json value) {
  request["headers"][name] = std::move(value);
  return request;
}

json without_header(json request, const std::string& name) {
  request["headers"].erase(name);
  return request;
}

// No message anywhere in a report may carry the API key.
void require_no_secret(const Report& report) {
  const std::string text = to_json(report).dump();
  CHECK(text.find(kApiKey) == std::string::npos);
  CHECK(text.find("sk_live") == std::string::npos);
}

}  // namespace

TEST_CASE("a complete request is valid", "[validator][request]") {
  require_valid(check(Target::request, good_request()));
  require_valid(check(Target::request, without_header(good_request(), "Idempotency-Key")));
}

TEST_CASE("header names are matched case-insensitively", "[validator][request]") {
  json request = good_request();
  request["headers"] = {{"authorization", std::string("Bearer ") + kApiKey},
                        {"ALGUNA-VERSION", "2026-04-01"},
                        {"content-type", "application/json; charset=utf-8"},
                        {"idempotency-key", "ik_1"}};
  require_valid(check(Target::request, request));
  // A problem is reported at the name the caller used.
  request["headers"]["alguna-VERSION"] = "2025-01-01";
  request["headers"].erase("ALGUNA-VERSION");
  const Violation v = only_error(check(Target::request, request), "/headers/alguna-VERSION", "enum");
  CHECK(v.message == "expected \"2026-04-01\", got string \"2025-01-01\"");
}

TEST_CASE("the same header twice in different case is an error", "[validator][request]") {
  json request = with_header(good_request(), "authorization", "Bearer other");
  const Report report = check(Target::request, request);
  const Violation v = only_error(report, "/headers/authorization", "duplicate-header");
  CHECK(v.message == "\"authorization\" repeats header \"Authorization\" (names are case-insensitive); send it once");
  require_no_secret(report);
}

TEST_CASE("Authorization: required, Bearer, never echoed", "[validator][request][auth]") {
  CHECK(only_error(check(Target::request, without_header(good_request(), "Authorization")), "/headers", "required")
            .message == "missing required header \"Authorization\"");
  for (const std::string& value : {std::string("Basic ") + kApiKey, std::string(kApiKey), std::string("Bearer"),
                                  std::string("Bearer "), std::string("Token ") + kApiKey,
                                  std::string("Bearer ") + kApiKey + " extra"}) {
    INFO(value);
    const Report report = check(Target::request, with_header(good_request(), "Authorization", value));
    const Violation v = only_error(report, "/headers/Authorization", "format");
    CHECK_THAT(v.message, Catch::StartsWith("expected \"Bearer <api key>\""));
    require_no_secret(report);
  }
  require_valid(check(Target::request, with_header(good_request(), "Authorization", std::string("bearer ") + kApiKey)));
  const Report wrong_type = check(Target::request, with_header(good_request(), "Authorization", 12345));
  only_error(wrong_type, "/headers/Authorization", "type");
}

TEST_CASE("Alguna-Version: required, exactly 2026-04-01", "[validator][request][version]") {
  CHECK(only_error(check(Target::request, without_header(good_request(), "Alguna-Version")), "/headers", "required")
            .message == "missing required header \"Alguna-Version\"");
  for (const char* version : {"2025-01-01", "2026-04-02", "2026-04-01 ", "latest", ""}) {
    INFO(version);
    only_error(check(Target::request, with_header(good_request(), "Alguna-Version", version)), "/headers/Alguna-Version",
               "enum");
  }
}

TEST_CASE("Idempotency-Key: at most 255 characters", "[validator][request][idempotency]") {
  require_valid(check(Target::request, with_header(good_request(), "Idempotency-Key", std::string(255, 'k'))));
  CHECK(only_error(check(Target::request, with_header(good_request(), "Idempotency-Key", std::string(256, 'k'))),
                   "/headers/Idempotency-Key", "maxLength")
            .message == "must be at most 255 characters, got 256");
  only_error(check(Target::request, with_header(good_request(), "Idempotency-Key", "")), "/headers/Idempotency-Key",
             "minLength");
  // An embedded NUL must not shorten the count (valijson 1.0 counts with a C-string scan).
  std::string with_nul = "k";
  with_nul += '\0';
  with_nul += std::string(300, 'k');
  const Report report = check(Target::request, with_header(good_request(), "Idempotency-Key", with_nul));
  INFO(describe(report));
  CHECK(std::any_of(report.errors.begin(), report.errors.end(), [](const Violation& v) {
    return v.path == "/headers/Idempotency-Key" && v.keyword == "maxLength" &&
           v.message == "must be at most 255 characters, got 302";
  }));
}

TEST_CASE("Content-Type: required, JSON", "[validator][request]") {
  only_error(check(Target::request, without_header(good_request(), "Content-Type")), "/headers", "required");
  only_error(check(Target::request, with_header(good_request(), "Content-Type", "text/plain")), "/headers/Content-Type",
             "format");
  require_valid(check(Target::request, with_header(good_request(), "Content-Type", "Application/JSON")));
}

TEST_CASE("other headers must be strings of visible characters", "[validator][request]") {
  require_valid(check(Target::request, with_header(good_request(), "User-Agent", "curl/8.0")));
  only_error(check(Target::request, with_header(good_request(), "X-Trace", 5)), "/headers/X-Trace", "type");
  only_error(check(Target::request, with_header(good_request(), "X-Trace", "a\r\nInjected: yes")), "/headers/X-Trace",
             "format");
}

TEST_CASE("method and path", "[validator][request]") {
  json request = good_request();
  request["method"] = "POST";
  CHECK(only_error(check(Target::request, request), "/method", "enum").message ==
        "expected \"PATCH\", got string \"POST\"");
  request["method"] = "patch";  // methods are case-sensitive (RFC 9110 section 9.1)
  only_error(check(Target::request, request), "/method", "enum");
  for (const char* path : {"/customers/", "/customers", "/customer/cust_1", "/customers/a/b", "customers/x"}) {
    INFO(path);
    request = good_request();
    request["path"] = path;
    only_error(check(Target::request, request), "/path", "format");
  }
  for (const char* path : {"/customers/cust_abc123", "/customers/acme", "/customers/cus_NffrFeUfNV2Hib"}) {
    INFO(path);
    request = good_request();
    request["path"] = path;
    require_valid(check(Target::request, request));
  }
}

TEST_CASE("the body is validated as an update, with pointers under /body", "[validator][request]") {
  json request = good_request();
  request["body"] = {{"nmae", "x"}, {"tax_rate", "0.2"}, {"currency", "usd"}};
  const Report report = check(Target::request, request);
  REQUIRE(report.errors.size() == 3);
  CHECK(error_at(report, "/body/currency").keyword == "format");
  CHECK(error_at(report, "/body/nmae").message == "unknown field \"nmae\" (did you mean \"name\"?)");
  CHECK_THAT(error_at(report, "/body/tax_rate").message, Catch::Contains("read-only"));
  request.erase("body");
  only_error(check(Target::request, request), "", "required");
}

TEST_CASE("the request document itself is closed", "[validator][request]") {
  json request = good_request();
  request["bdoy"] = json::object();
  CHECK(only_error(check(Target::request, request), "/bdoy", "additionalProperties").message ==
        "unknown field \"bdoy\" (did you mean \"body\"?)");
}

TEST_CASE("headers alone: Authorization and Alguna-Version required, Content-Type optional", "[validator][headers]") {
  const json headers = {{"authorization", std::string("Bearer ") + kApiKey}, {"Alguna-Version", "2026-04-01"}};
  require_valid(check(Target::headers, headers));
  json without_version = headers;
  without_version.erase("Alguna-Version");
  CHECK(only_error(check(Target::headers, without_version), "", "required").message ==
        "missing required header \"Alguna-Version\"");
  json bad_type = headers;
  bad_type["Content-Type"] = "text/html";
  only_error(check(Target::headers, bad_type), "/Content-Type", "format");
}
