// MockService without sockets: routes, statuses, PATCH semantics, idempotency, faults.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "test_support.hpp"

#include <alguna/contract/mock.hpp>

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "sk_test_51Hxyz";

Headers good_headers() {
  return {{"Authorization", "Bearer " + kKey}, {"Alguna-Version", "2026-04-01"}, {"Content-Type", "application/json"}};
}

HttpRequest patch(const std::string& target, const json& body, Headers headers = good_headers()) {
  return {"PATCH", target, std::move(headers), body.dump()};
}

HttpRequest get(const std::string& target, Headers headers = good_headers()) {
  return {"GET", target, std::move(headers), ""};
}

Headers with(Headers headers, const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
  return headers;
}

Headers without(Headers headers, const std::string& name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(), [&](const auto& h) { return h.first == name; }),
                headers.end());
  return headers;
}

// good_headers() with another API key, that is, another account.
Headers for_key(const std::string& key) {
  return with(without(good_headers(), "Authorization"), "Authorization", "Bearer " + key);
}

// A clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::atomic<std::int64_t>> seconds = std::make_shared<std::atomic<std::int64_t>>(1775044800);  // 2026-04-01T12:00:00Z
  Clock clock() const {
    auto s = seconds;
    return [s] { return std::chrono::system_clock::time_point(std::chrono::seconds(s->load())); };
  }
  void advance(std::chrono::seconds by) const { *seconds += by.count(); }
};

MockService make(MockOptions options = {}) {
  auto service = MockService::create(std::move(options));
  if (!service) FAIL(service.error().message);
  return std::move(service).value();
}

// Every answer's body is a Customer (2xx) or an error body (otherwise), as JSON.
json body_of(const HttpResponse& response) {
  INFO(response.status << " " << response.body);
  REQUIRE(response.header("Content-Type") != nullptr);
  CHECK(*response.header("Content-Type") == "application/json");
  const Report report = shared_validator().validate_text(
      response.status / 100 == 2 ? Target::customer : Target::error, response.body);
  INFO(describe(report));
  CHECK(report.valid);
  CHECK(report.warnings.empty());
  json body = json::parse(response.body);
  if (response.status / 100 != 2) CHECK(body["status"] == response.status);
  return body;
}

HttpResponse expect_status(const HttpResponse& response, int status) {
  INFO(response.body);
  REQUIRE(response.status == status);
  body_of(response);
  return response;
}

}  // namespace

TEST_CASE("GET returns the default customer by id and by alias", "[mock][routes]") {
  const MockService service = make();
  const json by_id = body_of(expect_status(service.handle(get("/customers/cust_abc123")), 200));
  CHECK(by_id["name"] == "Acme Corp");
  CHECK(by_id["aliases"] == json{"acme"});
  CHECK(by_id["contacts"][0]["id"] == "cont_abc123");
  CHECK(by_id["tax_rate"] == "0.20");
  CHECK(body_of(service.handle(get("/customers/acme"))) == by_id);
  CHECK(body_of(service.handle(get("/customers/cust_abc123?expand=contacts"))) == by_id);
}

TEST_CASE("routes: 404 elsewhere, 405 with Allow for other methods", "[mock][routes]") {
  const MockService service = make();
  for (const char* target : {"/", "/customers", "/customers/", "/customers/a/b", "/invoices/x", "customers/x"}) {
    INFO(target);
    expect_status(service.handle(get(target)), 404);
  }
  expect_status(service.handle(get("/customers/cust_nope")), 404);
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS", "patch"}) {
    INFO(method);
    const HttpResponse response = service.handle({method, "/customers/cust_abc123", good_headers(), "{}"});
    expect_status(response, 405);
    REQUIRE(response.header("Allow") != nullptr);
    CHECK(*response.header("Allow") == "GET, PATCH");
  }
}

TEST_CASE("the doc's curl example, as published, returns 200 and applies", "[mock][doc]") {
  const MockService service = make();
  const HttpResponse response =
      service.handle({"PATCH", "/customers/cust_abc123",
                      {{"Alguna-Version", "2026-04-01"}, {"Authorization", "Bearer sk_live_x"},
                       {"Content-Type", "application/json"}},
                      fixture_text("doc-example-request.json")});
  const json customer = body_of(expect_status(response, 200));
  CHECK(customer["aliases"] == json{"<string>"});
  CHECK(customer["contacts"].size() == 1);
  // The doc's contact id "<string>" is not one of the customer's: it gets a fresh id.
  CHECK(customer["contacts"][0]["id"] != "<string>");
  CHECK(customer["contacts"][0]["id"].get<std::string>().rfind("cont_", 0) == 0);
  CHECK(customer["contacts"][0]["email"] == "john@example.com");
}

TEST_CASE("401: Authorization missing, not Bearer, empty, or an unknown key", "[mock][auth]") {
  const MockService open = make();
  for (const Headers& headers :
       {without(good_headers(), "Authorization"),
        with(without(good_headers(), "Authorization"), "Authorization", "Basic " + kKey),
        with(without(good_headers(), "Authorization"), "Authorization", "Bearer "),
        with(without(good_headers(), "Authorization"), "Authorization", "")}) {
    const HttpResponse response = open.handle(patch("/customers/cust_abc123", {{"name", "x"}}, headers));
    expect_status(response, 401);
    CHECK(response.body.find(kKey) == std::string::npos);
  }
  MockOptions options;
  options.api_keys = {"sk_test_right", kKey};
  const MockService closed = make(options);
  const HttpResponse wrong = closed.handle(patch(
      "/customers/cust_abc123", {{"name", "x"}},
      with(without(good_headers(), "Authorization"), "Authorization", "Bearer sk_test_wrong")));
  expect_status(wrong, 401);
  CHECK(wrong.body.find("sk_test_wrong") == std::string::npos);
  expect_status(closed.handle(patch("/customers/cust_abc123", {{"name", "x"}})), 200);
  expect_status(closed.handle(get("/customers/cust_abc123", with(without(good_headers(), "Authorization"),
                                                                "Authorization", "Bearer sk_test_wrongs"))),
                401);
  // Authentication comes before the other header checks.
  expect_status(closed.handle(patch("/customers/cust_abc123", {}, {{"Content-Type", "text/plain"}})), 401);
}

TEST_CASE("400: Alguna-Version missing or wrong, Idempotency-Key too long, a header twice", "[mock][headers]") {
  const MockService service = make();
  const json body = {{"name", "x"}};
  expect_status(service.handle(patch("/customers/cust_abc123", body, without(good_headers(), "Alguna-Version"))), 400);
  const HttpResponse wrong = service.handle(patch(
      "/customers/cust_abc123", body, with(without(good_headers(), "Alguna-Version"), "Alguna-Version", "2025-01-01")));
  CHECK_THAT(body_of(expect_status(wrong, 400))["detail"].get<std::string>(), Catch::Contains("2026-04-01"));
  expect_status(service.handle(get("/customers/cust_abc123", without(good_headers(), "Alguna-Version"))), 400);

  const HttpResponse long_key = service.handle(
      patch("/customers/cust_abc123", body, with(good_headers(), "Idempotency-Key", std::string(256, 'k'))));
  expect_status(long_key, 400);
  CHECK(long_key.header("Idempotency-Key") == nullptr);  // an invalid key is not echoed
  const HttpResponse max_key = service.handle(
      patch("/customers/cust_abc123", body, with(good_headers(), "Idempotency-Key", std::string(255, 'k'))));
  expect_status(max_key, 200);
  CHECK(*max_key.header("Idempotency-Key") == std::string(255, 'k'));

  expect_status(service.handle(patch("/customers/cust_abc123", body, with(good_headers(), "alguna-version", "2026-04-01"))),
                400);
}

TEST_CASE("415: a PATCH without a JSON Content-Type", "[mock][headers]") {
  const MockService service = make();
  const json body = {{"name", "x"}};
  expect_status(service.handle(patch("/customers/cust_abc123", body, without(good_headers(), "Content-Type"))), 415);
  expect_status(service.handle(patch("/customers/cust_abc123", body,
                                     with(without(good_headers(), "Content-Type"), "Content-Type", "text/plain"))),
                415);
  expect_status(service.handle(patch("/customers/cust_abc123", body,
                                     with(without(good_headers(), "Content-Type"), "Content-Type",
                                          "application/json; charset=utf-8"))),
                200);
  // A GET has no body: its Content-Type does not matter.
  expect_status(service.handle(get("/customers/cust_abc123", without(good_headers(), "Content-Type"))), 200);
}

TEST_CASE("413: a body over the limit", "[mock][body]") {
  MockOptions options;
  options.max_body_bytes = 64;
  const MockService service = make(options);
  expect_status(service.handle(patch("/customers/cust_abc123", {{"name", std::string(100, 'a')}})), 413);
  expect_status(service.handle(patch("/customers/cust_abc123", {{"name", "short"}})), 200);
}

TEST_CASE("400: malformed JSON, invalid UTF-8, duplicate keys, deep nesting", "[mock][body]") {
  const MockService service = make();
  for (const std::string& body : {std::string("{"), std::string("{\"name\": \"A\xff\"}"), std::string(""),
                                 std::string("{\"name\": \"a\", \"name\": \"b\"}"), std::string(100000, '['),
                                 std::string("{\"a\":1}\0x", 9), std::string("nul")}) {
    HttpRequest request = patch("/customers/cust_abc123", {});
    request.body = body;
    const HttpResponse response = service.handle(request);
    INFO(response.body);
    expect_status(response, 400);
    CHECK_THAT(body_of(response)["detail"].get<std::string>(), Catch::StartsWith("malformed JSON body"));
  }
  CHECK(service.customer(kKey, "cust_abc123")->at("name") == "Acme Corp");
}

TEST_CASE("422: every violation listed as {path, message}, detail naming the first", "[mock][body]") {
  const MockService service = make();
  const HttpResponse response =
      service.handle(patch("/customers/cust_abc123", {{"currency", "usd"}, {"nmae", "x"}, {"tax_rate", "0.2"}}));
  const json body = body_of(expect_status(response, 422));
  REQUIRE(body["errors"].size() == 3);
  CHECK(body["errors"][0] == json{{"path", "/currency"},
                                  {"message", "expected an ISO 4217 currency code like \"USD\", got \"usd\" "
                                              "(did you mean \"USD\"?)"}});
  CHECK(body["errors"][1]["path"] == "/nmae");
  CHECK(body["errors"][2]["path"] == "/tax_rate");
  CHECK_THAT(body["detail"].get<std::string>(), Catch::StartsWith("Validation failed: /currency: expected an ISO 4217"));
  CHECK_THAT(body["detail"].get<std::string>(), Catch::EndsWith("(and 2 more)"));
  CHECK(service.customer(kKey, "cust_abc123")->at("currency") == "USD");
  // An unknown id with a valid body is a 404.
  expect_status(service.handle(patch("/customers/cust_nope", {{"name", "x"}})), 404);
}

TEST_CASE("PATCH changes only the fields provided, null leaves a field unchanged", "[mock][patch]") {
  ManualClock clock;
  MockOptions options;
  options.clock = clock.clock();
  const MockService service = make(options);
  const json before = *service.customer(kKey, "cust_abc123");

  clock.advance(60s);
  const json renamed = body_of(expect_status(service.handle(patch("/customers/acme", {{"name", "Acme Inc"}})), 200));
  CHECK(renamed["name"] == "Acme Inc");
  CHECK(renamed["updated_at"] == "2026-04-01T12:01:00.000Z");
  CHECK(renamed["created_at"] == before["created_at"]);
  json expected = before;
  expected["name"] = "Acme Inc";
  expected["updated_at"] = renamed["updated_at"];
  CHECK(renamed == expected);

  clock.advance(60s);
  const json nulls = body_of(expect_status(
      service.handle(patch("/customers/acme", {{"name", nullptr}, {"currency", nullptr}, {"aliases", nullptr}})), 200));
  CHECK(nulls == renamed);  // nothing changed, so neither did updated_at

  const json empty = body_of(expect_status(service.handle(patch("/customers/acme", json::object())), 200));
  CHECK(empty == renamed);

  clock.advance(60s);
  const json currency = body_of(expect_status(service.handle(patch("/customers/acme", {{"currency", "EUR"}})), 200));
  CHECK(currency["currency"] == "EUR");
  CHECK(currency["updated_at"] == "2026-04-01T12:03:00.000Z");
  CHECK(currency["tax_rate"] == "0.20");
}

TEST_CASE("aliases and billing_address replace the whole value", "[mock][patch]") {
  const MockService service = make();
  const json updated = body_of(expect_status(
      service.handle(patch("/customers/cust_abc123",
                           {{"aliases", {"acme-eu", "acme-de"}}, {"billing_address", {{"country", "DE"}, {"city", "Berlin"}}}})),
      200));
  CHECK(updated["aliases"] == json{"acme-eu", "acme-de"});
  CHECK(updated["billing_address"] == json{{"country", "DE"}, {"city", "Berlin"}});
  expect_status(service.handle(get("/customers/acme-de")), 200);
  expect_status(service.handle(get("/customers/acme")), 404);  // the old alias is gone
  const json cleared = body_of(expect_status(service.handle(patch("/customers/cust_abc123", {{"aliases", json::array()}})), 200));
  CHECK(cleared["aliases"] == json::array());
}

TEST_CASE("contacts replace the list, existing ids are kept, others get fresh ones", "[mock][patch]") {
  const MockService service = make();
  const json body = {{"contacts",
                      {{{"id", "cont_abc123"}, {"email", "john.doe@example.com"}},
                       {{"email", "jane@example.com"}, {"is_primary", false}},
                       {{"id", "cont_someone_elses"}, {"email", "ops@example.com"}}}}};
  const json updated = body_of(expect_status(service.handle(patch("/customers/cust_abc123", body)), 200));
  REQUIRE(updated["contacts"].size() == 3);
  CHECK(updated["contacts"][0] == json{{"id", "cont_abc123"}, {"email", "john.doe@example.com"}});
  const std::string fresh1 = updated["contacts"][1]["id"];
  const std::string fresh2 = updated["contacts"][2]["id"];
  CHECK(fresh1.rfind("cont_", 0) == 0);
  CHECK(fresh2.rfind("cont_", 0) == 0);
  CHECK(fresh2 != "cont_someone_elses");
  CHECK(std::set<std::string>{"cont_abc123", fresh1, fresh2}.size() == 3);

  // Sending the list back keeps every id.
  const json again = body_of(expect_status(service.handle(patch("/customers/cust_abc123", {{"contacts", updated["contacts"]}})), 200));
  CHECK(again["contacts"] == updated["contacts"]);
  // One existing id twice is refused.
  expect_status(service.handle(patch("/customers/cust_abc123",
                                     {{"contacts", {{{"id", "cont_abc123"}}, {{"id", "cont_abc123"}}}}})),
                422);
  const json none = body_of(expect_status(service.handle(patch("/customers/cust_abc123", {{"contacts", json::array()}})), 200));
  CHECK(none["contacts"] == json::array());
}

TEST_CASE("aliases must name one customer", "[mock][patch]") {
  json second = default_customer();
  second["id"] = "cust_second";
  second["aliases"] = {"second"};
  MockOptions options;
  options.customers = {default_customer(), second};
  const MockService service = make(options);
  expect_status(service.handle(patch("/customers/second", {{"aliases", {"acme"}}})), 422);
  expect_status(service.handle(patch("/customers/second", {{"aliases", {"cust_abc123"}}})), 422);
  expect_status(service.handle(patch("/customers/second", {{"aliases", {"x", "x"}}})), 422);
  expect_status(service.handle(patch("/customers/second", {{"aliases", {"second", "second-2"}}})), 200);
}

TEST_CASE("idempotency: same key and parameters replay the stored answer without side effects", "[mock][idempotency]") {
  ManualClock clock;
  MockOptions options;
  options.clock = clock.clock();
  const MockService service = make(options);
  const Headers keyed = with(good_headers(), "Idempotency-Key", "ik_a1b2c3d4e5f6");

  const HttpResponse first = service.handle(patch("/customers/cust_abc123", {{"name", "Acme One"}}, keyed));
  expect_status(first, 200);
  CHECK(*first.header("Idempotency-Key") == "ik_a1b2c3d4e5f6");
  CHECK(*first.header("Idempotent-Replayed") == "false");

  clock.advance(10s);
  expect_status(service.handle(patch("/customers/cust_abc123", {{"name", "Acme Two"}})), 200);
  const json state = *service.customer(kKey, "cust_abc123");

  clock.advance(10s);
  // Same parameters, other spacing: still the same parameters.
  HttpRequest replay_request = patch("/customers/cust_abc123", {}, keyed);
  replay_request.body = "{ \"name\" : \"Acme One\" }";
  const HttpResponse replay = service.handle(replay_request);
  CHECK(replay.status == 200);
  CHECK(replay.body == first.body);
  CHECK(*replay.header("Idempotent-Replayed") == "true");
  CHECK(*replay.header("Idempotency-Key") == "ik_a1b2c3d4e5f6");
  CHECK(*service.customer(kKey, "cust_abc123") == state);  // no side effect

  const HttpResponse mismatch = service.handle(patch("/customers/cust_abc123", {{"name", "Other"}}, keyed));
  expect_status(mismatch, 422);
  CHECK(*mismatch.header("Idempotent-Replayed") == "false");
  CHECK_THAT(body_of(mismatch)["detail"].get<std::string>(), Catch::Contains("different parameters"));
  // Another path is another parameter too.
  expect_status(service.handle(patch("/customers/acme", {{"name", "Acme One"}}, keyed)), 422);

  // Expiry: after 24 hours the key executes as new.
  clock.advance(24h);
  const HttpResponse fresh = service.handle(patch("/customers/cust_abc123", {{"name", "Other"}}, keyed));
  expect_status(fresh, 200);
  CHECK(*fresh.header("Idempotent-Replayed") == "false");
  CHECK(service.customer(kKey, "cust_abc123")->at("name") == "Other");
}

TEST_CASE("idempotency keys are scoped per API key", "[mock][idempotency]") {
  const MockService service = make();
  const Headers a = with(good_headers(), "Idempotency-Key", "shared");
  Headers b = with(without(good_headers(), "Authorization"), "Authorization", "Bearer sk_test_other");
  b.emplace_back("Idempotency-Key", "shared");
  expect_status(service.handle(patch("/customers/cust_abc123", {{"name", "From A"}}, a)), 200);
  const HttpResponse other = service.handle(patch("/customers/cust_abc123", {{"name", "From B"}}, b));
  expect_status(other, 200);
  CHECK(*other.header("Idempotent-Replayed") == "false");
  CHECK(service.customer(kKey, "cust_abc123")->at("name") == "From A");
  CHECK(service.customer("sk_test_other", "cust_abc123")->at("name") == "From B");
}

TEST_CASE("accounts: each API key sees only its own changes", "[mock][accounts]") {
  const MockService service = make();
  const std::string a = kKey;
  const std::string b = "sk_test_other";
  const auto name_seen_by = [&](const std::string& key) {
    return body_of(expect_status(service.handle(get("/customers/cust_abc123", for_key(key))), 200))["name"];
  };
  expect_status(service.handle(patch("/customers/cust_abc123", {{"name", "Renamed by A"}}, for_key(a))), 200);
  CHECK(name_seen_by(a) == "Renamed by A");
  CHECK(name_seen_by(b) == "Acme Corp");
  CHECK(service.customer(a, "cust_abc123")->at("name") == "Renamed by A");
  CHECK(service.customer(b, "cust_abc123")->at("name") == "Acme Corp");

  expect_status(service.handle(patch("/customers/cust_abc123", {{"name", "Renamed by B"}}, for_key(b))), 200);
  CHECK(name_seen_by(a) == "Renamed by A");
  CHECK(name_seen_by(b) == "Renamed by B");
  CHECK(service.customer(b, "cust_abc123")->at("name") == "Renamed by B");
  // A key with no account yet: the seed, as its first request will see it.
  CHECK(service.customer("sk_test_new", "acme")->at("name") == "Acme Corp");
}

TEST_CASE("accounts: aliases are per account", "[mock][accounts]") {
  const MockService service = make();
  const std::string a = kKey;
  const std::string b = "sk_test_other";
  expect_status(service.handle(patch("/customers/cust_abc123", {{"aliases", {"acme-renamed"}}}, for_key(a))), 200);
  expect_status(service.handle(get("/customers/acme", for_key(a))), 404);
  expect_status(service.handle(get("/customers/acme-renamed", for_key(a))), 200);
  CHECK(body_of(expect_status(service.handle(get("/customers/acme", for_key(b))), 200))["id"] == "cust_abc123");
  expect_status(service.handle(get("/customers/acme-renamed", for_key(b))), 404);
  expect_status(service.handle(patch("/customers/acme", {{"name", "B's"}}, for_key(b))), 200);
  CHECK_FALSE(service.customer(a, "acme").has_value());
  CHECK(service.customer(a, "acme-renamed")->at("name") == "Acme Corp");
  CHECK(service.customer(b, "acme")->at("name") == "B's");
  CHECK_FALSE(service.customer(b, "acme-renamed").has_value());
}

TEST_CASE("accounts: past max_accounts the least recently used is forgotten", "[mock][accounts]") {
  MockOptions options;
  options.max_accounts = 2;
  const MockService service = make(options);
  const auto rename = [&](const std::string& key, const std::string& name) {
    expect_status(service.handle(patch("/customers/acme", {{"name", name}}, for_key(key))), 200);
  };
  const auto name_seen_by = [&](const std::string& key) {
    return body_of(expect_status(service.handle(get("/customers/acme", for_key(key))), 200))["name"];
  };
  rename("sk_a", "A");
  rename("sk_b", "B");
  CHECK(name_seen_by("sk_a") == "A");                          // A is now the most recently used
  CHECK(service.customer("sk_b", "acme")->at("name") == "B");  // looking is not a use
  rename("sk_c", "C");                                         // a third account: B is forgotten
  CHECK(service.customer("sk_b", "acme")->at("name") == "Acme Corp");
  CHECK(service.customer("sk_a", "acme")->at("name") == "A");
  CHECK(service.customer("sk_c", "acme")->at("name") == "C");

  CHECK(name_seen_by("sk_a") == "A");          // A again, so C is now the least recently used
  CHECK(name_seen_by("sk_b") == "Acme Corp");  // B starts again from the seed, and C is forgotten
  CHECK(service.customer("sk_a", "acme")->at("name") == "A");
  CHECK(service.customer("sk_c", "acme")->at("name") == "Acme Corp");
}

TEST_CASE("accounts: a request refused before the store creates no account", "[mock][accounts]") {
  MockOptions options;
  options.max_accounts = 1;
  options.api_keys = {kKey, "sk_test_other"};
  const MockService service = make(options);
  expect_status(service.handle(patch("/customers/acme", {{"name", "Kept"}})), 200);
  // Had any of these made an account, the only one allowed (kKey's) would have been forgotten.
  expect_status(service.handle(get("/customers/acme", for_key("sk_test_wrong"))), 401);
  expect_status(service.handle(patch("/customers/acme", {{"name", "x"}}, for_key("sk_test_wrong"))), 401);
  expect_status(service.handle(get("/customers/acme", without(for_key("sk_test_other"), "Alguna-Version"))), 400);
  expect_status(service.handle(get("/customers", for_key("sk_test_other"))), 404);
  CHECK(service.customer(kKey, "acme")->at("name") == "Kept");
}

TEST_CASE("idempotency: a refused request leaves the key free, the store is bounded", "[mock][idempotency]") {
  MockOptions options;
  options.idempotency_capacity = 3;
  const MockService service = make(options);
  const Headers keyed = with(good_headers(), "Idempotency-Key", "k-retry");
  expect_status(service.handle(patch("/customers/cust_abc123", {{"currency", "usd"}}, keyed)), 422);
  const HttpResponse corrected = service.handle(patch("/customers/cust_abc123", {{"currency", "EUR"}}, keyed));
  expect_status(corrected, 200);
  CHECK(*corrected.header("Idempotent-Replayed") == "false");

  // Capacity 3: after three more keys the oldest is forgotten, so reusing it with other
  // parameters executes instead of answering 422.
  for (const char* key : {"k1", "k2", "k3"}) {
    expect_status(service.handle(patch("/customers/cust_abc123", {{"name", key}}, with(good_headers(), "Idempotency-Key", key))),
                  200);
  }
  expect_status(service.handle(patch("/customers/cust_abc123", {{"currency", "GBP"}}, keyed)), 200);
  // The newest ones are still remembered.
  expect_status(service.handle(patch("/customers/cust_abc123", {{"name", "other"}}, with(good_headers(), "Idempotency-Key", "k3"))),
                422);
}

TEST_CASE("idempotency: the same key while the first request is in flight answers 409", "[mock][idempotency]") {
  MockOptions options;
  options.latency = 400ms;
  const MockService service = make(options);
  const Headers keyed = with(good_headers(), "Idempotency-Key", "k-slow");
  HttpResponse first;
  std::thread slow([&] { first = service.handle(patch("/customers/cust_abc123", {{"name", "Slow"}}, keyed)); });
  std::this_thread::sleep_for(100ms);
  const HttpResponse second = service.handle(patch("/customers/cust_abc123", {{"name", "Slow"}}, keyed));
  slow.join();
  expect_status(first, 200);
  expect_status(second, 409);
  CHECK(*second.header("Idempotent-Replayed") == "false");
  // Once the first has finished, the same request replays it.
  CHECK(*service.handle(patch("/customers/cust_abc123", {{"name", "Slow"}}, keyed)).header("Idempotent-Replayed") ==
        "true");
}

TEST_CASE("faults: 500, 503 or 429 marked transient, seeded, releasing the key", "[mock][faults]") {
  MockOptions options;
  options.fault_rate = 1.0;
  const MockService always = make(options);
  std::set<int> seen;
  for (int i = 0; i < 60; ++i) {
    const HttpResponse response =
        always.handle(patch("/customers/cust_abc123", {{"name", "x"}}, with(good_headers(), "Idempotency-Key", "k")));
    seen.insert(response.status);
    body_of(response);
    REQUIRE(response.header("Transient-Error") != nullptr);
    CHECK(*response.header("Transient-Error") == "true");
    CHECK((response.header("Retry-After") != nullptr) == (response.status != 500));
  }
  CHECK(seen == std::set<int>{429, 500, 503});
  CHECK(always.customer(kKey, "cust_abc123")->at("name") == "Acme Corp");

  // Half the requests fail; retrying with the same key until one passes executes exactly once.
  options.fault_rate = 0.5;
  options.seed = 7;
  const MockService sometimes = make(options);
  const Headers keyed = with(good_headers(), "Idempotency-Key", "retry-me");
  int attempts = 0;
  HttpResponse response;
  do {
    response = sometimes.handle(patch("/customers/cust_abc123", {{"name", "Retried"}}, keyed));
    ++attempts;
  } while (response.status != 200 && attempts < 100);
  REQUIRE(response.status == 200);
  CHECK(*response.header("Idempotent-Replayed") == "false");

  // The same seed gives the same sequence.
  std::vector<int> a, b;
  for (int run = 0; run < 2; ++run) {
    const MockService seeded = make(options);
    for (int i = 0; i < 20; ++i) (run == 0 ? a : b).push_back(seeded.handle(get("/customers/acme")).status);
  }
  CHECK(a == b);
  CHECK(std::count(a.begin(), a.end(), 200) > 0);
  CHECK(std::count(a.begin(), a.end(), 200) < 20);
}

TEST_CASE("latency delays every answer", "[mock][faults]") {
  MockOptions options;
  options.latency = 50ms;
  const MockService service = make(options);
  for (const HttpRequest& request : {get("/customers/acme"), get("/nowhere"), get("/customers/acme", {})}) {
    const auto start = std::chrono::steady_clock::now();
    service.handle(request);
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
  }
}

TEST_CASE("concurrent PATCHes are serialized per customer", "[mock][threads]") {
  const MockService service = make();
  constexpr int kThreads = 8;
  constexpr int kRequests = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        const json body = {{"name", "T" + std::to_string(t) + "-" + std::to_string(i)},
                           {"contacts", {{{"email", "c" + std::to_string(t) + "@example.com"}}}},
                           {"aliases", {"alias-" + std::to_string(t)}}};
        const HttpResponse response = service.handle(patch("/customers/cust_abc123", body));
        if (response.status != 200) ++failures;
        const json customer = json::parse(response.body);
        // Each answer is one whole update, never a mix of two.
        const std::string name = customer["name"];
        const std::string thread = name.substr(1, name.find('-') - 1);
        if (customer["aliases"] != json{"alias-" + thread}) ++failures;
        if (!shared_validator().is_valid(Target::customer, customer)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(shared_validator().validate(Target::customer, *service.customer(kKey, "cust_abc123")).valid);
}

TEST_CASE("create and load_customers refuse bad input with a clear error", "[mock][fixtures]") {
  MockOptions bad_rate;
  bad_rate.fault_rate = 1.5;
  CHECK(MockService::create(bad_rate).error().code == Errc::invalid_argument);
  MockOptions no_accounts;
  no_accounts.max_accounts = 0;
  CHECK(MockService::create(no_accounts).error().code == Errc::invalid_argument);

  json invalid = default_customer();
  invalid["tax_type"] = "VAT";
  MockOptions bad_customer;
  bad_customer.customers = {invalid};
  const Error error = MockService::create(bad_customer).error();
  CHECK(error.code == Errc::invalid_argument);
  CHECK_THAT(error.message, Catch::Contains("/tax_type"));

  MockOptions duplicate;
  duplicate.customers = {default_customer(), default_customer()};
  CHECK_THAT(MockService::create(duplicate).error().message, Catch::Contains("already names entry 0"));

  CHECK(load_customers("/nonexistent/fixtures.json").error().code == Errc::io_error);
  const auto loaded = load_customers(std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/tests/fixtures/doc-example-response.json");
  REQUIRE_FALSE(loaded);
  CHECK_THAT(loaded.error().message, Catch::Contains("doc-example-response.json"));
  CHECK_THAT(loaded.error().message, Catch::Contains("array"));
}

TEST_CASE("odd requests never get a 5xx", "[mock][robustness]") {
  const MockService service = make();
  const std::vector<HttpRequest> odd = {
      {"", "", {}, ""},
      {"PATCH", "/customers/%", good_headers(), "{}"},
      {"PATCH", "/customers/%zz", good_headers(), "{}"},
      {"PATCH", "/customers/%00", good_headers(), "{}"},
      {"PATCH", std::string(100000, '/'), good_headers(), "{}"},
      {"PATCH", "/customers/cust_abc123", {{std::string(10000, 'X'), std::string(100000, 'v')}}, "{}"},
      {"PATCH", "/customers/cust_abc123", with(good_headers(), "X-Bin", std::string("\0\r\n\xff", 4)), "{}"},
      {"GET", "/customers/cust_abc123", {{"Authorization", "Bearer a"}, {"Authorization", "Bearer b"}, {"Alguna-Version", "2026-04-01"}}, ""},
  };
  for (const HttpRequest& request : odd) {
    const HttpResponse response = service.handle(request);
    INFO(response.body);
    CHECK(response.status >= 400);
    CHECK(response.status < 500);
    body_of(response);
  }
}
