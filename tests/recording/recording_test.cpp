// ScenarioRecorder (recorded exchanges into scenarios, secrets out) and read_har.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/mock.hpp>
#include <alguna/contract/recording.hpp>

using namespace alguna::contract;
using nlohmann::json;

namespace {

const std::string kSecret = "sk_live_RecorderSecret0123456789";

HttpExchange patch(const std::string& body, int status = 200, const std::string& key = "",
                   const std::string& response_body = R"({"id": "cust_abc123", "name": "Acme Corp", "updated_at": "2026-04-01T12:30:00Z"})") {
  HttpExchange exchange;
  exchange.method = "PATCH";
  exchange.target = "https://api.alguna.io/customers/cust_abc123";
  exchange.request_headers = {{"Authorization", "Bearer " + kSecret},
                              {"Alguna-Version", "2026-04-01"},
                              {"Content-Type", "application/json"}};
  if (!key.empty()) exchange.request_headers.emplace_back("Idempotency-Key", key);
  exchange.request_body = body;
  exchange.status = status;
  exchange.response_headers = {{"Content-Type", "application/json"}};
  exchange.response_body = response_body;
  return exchange;
}

HttpExchange get(const std::string& target = "/customers/cust_abc123") {
  HttpExchange exchange = patch("", 200);
  exchange.method = "GET";
  exchange.target = target;
  exchange.request_headers = {{"Authorization", "Bearer " + kSecret}, {"Alguna-Version", "2026-04-01"}};
  return exchange;
}

// What add() completed; the test fails if it returned an error.
std::vector<Scenario> added(ScenarioRecorder& recorder, const HttpExchange& exchange) {
  auto result = recorder.add(exchange);
  INFO(result.error().message);
  REQUIRE(result);
  return std::move(result).value();
}

std::vector<Scenario> finished(ScenarioRecorder& recorder) {
  auto result = recorder.finish();
  INFO(result.error().message);
  REQUIRE(result);
  return std::move(result).value();
}

std::vector<Scenario> record_all(const std::vector<HttpExchange>& exchanges, RecorderOptions options = {},
                                 RecorderStats* stats = nullptr) {
  ScenarioRecorder recorder(std::move(options));
  std::vector<Scenario> out;
  for (const auto& exchange : exchanges) {
    for (auto& scenario : added(recorder, exchange)) out.push_back(std::move(scenario));
  }
  for (auto& scenario : finished(recorder)) out.push_back(std::move(scenario));
  if (stats != nullptr) *stats = recorder.stats();
  return out;
}

std::string dump_all(const std::vector<Scenario>& scenarios) {
  std::string text;
  for (const auto& scenario : scenarios) text += to_json(scenario).dump() + "\n";
  return text;
}

// Every scenario reads back with parse_scenario: the output is a valid corpus.
void require_valid_corpus(const std::vector<Scenario>& scenarios) {
  for (const auto& scenario : scenarios) {
    auto parsed = parse_scenario(to_json(scenario).dump(), "out.jsonl", 1);
    INFO(to_json(scenario).dump());
    INFO(parsed.error().message);
    REQUIRE(parsed);
  }
}

const MatchRule* rule_at(const Step& step, const std::string& pointer) {
  for (const auto& rule : step.match) {
    if (rule.pointer == pointer) return &rule;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("recording: is_customer_path takes /customers/{one segment} with any scheme, host and query", "[recording]") {
  CHECK(is_customer_path("/customers/cust_abc123"));
  CHECK(is_customer_path("/customers/acme?expand=contacts"));
  CHECK(is_customer_path("https://api.alguna.io/customers/cust_abc123"));
  CHECK(is_customer_path("http://127.0.0.1:8080/customers/x#frag"));
  CHECK_FALSE(is_customer_path("/customers"));
  CHECK_FALSE(is_customer_path("/customers/"));
  CHECK_FALSE(is_customer_path("/customers/a/b"));
  CHECK_FALSE(is_customer_path("/customers/a/"));
  CHECK_FALSE(is_customer_path("/customers/.."));
  CHECK_FALSE(is_customer_path("/v1/customers/a"));
  CHECK_FALSE(is_customer_path("https://host/favicon.ico"));
  CHECK_FALSE(is_customer_path("https://customers/x"));  // "customers" is the host here
}

TEST_CASE("recording: origin_form keeps path and query, drops scheme, host and fragment", "[recording]") {
  CHECK(origin_form("https://api.alguna.io:443/customers/x?a=1#top") == "/customers/x?a=1");
  CHECK(origin_form("/customers/x?a=1") == "/customers/x?a=1");
  CHECK(origin_form("http://host") == "/");
  CHECK(origin_form("http://host?q") == "/?q");
}

TEST_CASE("recording: the recorded secret appears nowhere in the output", "[recording][secrets]") {
  HttpExchange exchange = patch(R"({"name": "key )" + kSecret + R"( here", ")" + kSecret + R"(": 1})", 200, "ik_1",
                                R"({"id": "cust_abc123", "name": "echo )" + kSecret + R"(", "updated_at": "2026-04-01T12:30:00Z"})");
  exchange.target = "https://api.alguna.io/customers/cust_abc123?token=" + kSecret;
  exchange.request_headers.emplace_back("Cookie", "session=" + kSecret);
  exchange.request_headers.emplace_back("Alguna-Version-Note", kSecret);
  exchange.response_headers.emplace_back("Idempotent-Replayed", "false " + kSecret);
  exchange.response_headers.emplace_back("Idempotency-Key", "ik_1");

  HttpExchange raw = patch("not json " + kSecret, 400);
  RecorderStats stats;
  const auto scenarios = record_all({exchange, raw}, {}, &stats);
  REQUIRE(scenarios.size() == 2);
  const std::string text = dump_all(scenarios);
  CHECK(text.find(kSecret) == std::string::npos);
  for (const auto& scenario : scenarios) CHECK(scenario.description.find(kSecret) == std::string::npos);
  require_valid_corpus(scenarios);

  const Step& step = scenarios[0].steps.at(0);
  CHECK(step.request.headers.at("Authorization") == "Bearer ${ALGUNA_API_KEY}");
  CHECK(step.request.path == "/customers/cust_abc123?token=${ALGUNA_API_KEY}");
  CHECK(step.request.body->at("name") == "key ${ALGUNA_API_KEY} here");
  CHECK(step.request.body->contains("[redacted]"));  // keys are never substituted
  CHECK(step.response.body->at("name") == "[redacted]");
  const MatchRule* redacted = rule_at(step, "/name");
  REQUIRE(redacted != nullptr);
  CHECK(redacted->kind == MatchKind::type);
  CHECK(step.response.headers.count("Idempotent-Replayed") == 0);  // it held the secret
  CHECK(scenarios[1].steps.at(0).request.raw_body == "not json ${ALGUNA_API_KEY}");
}

TEST_CASE("recording: a credential that is also part of \"[redacted]\" is still scrubbed, and scrubbing ends", "[recording][secrets]") {
  HttpExchange exchange = get();
  exchange.request_headers[0].second = "Bearer c";
  exchange.response_body = R"({"name": "scene", "c": 1})";
  const auto scenarios = record_all({exchange});
  REQUIRE(scenarios.size() == 1);
  const json& body = *scenarios[0].steps[0].response.body;
  CHECK(body.at("name") == "[redacted]");
  CHECK(body.contains("[redacted]"));  // the key "c": keys are never substituted
  CHECK(body.size() == 2);
}

TEST_CASE("recording: other Authorization schemes keep their name, the credential is replaced", "[recording][secrets]") {
  HttpExchange basic = get();
  basic.request_headers[0].second = "Basic dXNlcjpzZWNyZXRwYXNz";
  HttpExchange bare = get();
  bare.request_headers[0].second = "sk_bare_key_without_scheme";
  HttpExchange empty = get();
  empty.request_headers[0].second = "Bearer";
  const auto scenarios = record_all({basic, bare, empty});
  REQUIRE(scenarios.size() == 3);
  CHECK(scenarios[0].steps[0].request.headers.at("Authorization") == "Basic ${ALGUNA_API_KEY}");
  CHECK(scenarios[1].steps[0].request.headers.at("Authorization") == "${ALGUNA_API_KEY}");
  CHECK(scenarios[2].steps[0].request.headers.at("Authorization") == "Bearer");
  const std::string text = dump_all(scenarios);
  CHECK(text.find("dXNlcjpzZWNyZXRwYXNz") == std::string::npos);
  CHECK(text.find("sk_bare_key_without_scheme") == std::string::npos);
}

TEST_CASE("recording: secrets given up front and Proxy-Authorization are scrubbed from every exchange", "[recording][secrets]") {
  // The first exchange carries the key only in its body: a file importer knows it from the
  // second one (credentials_in) before recording anything.
  HttpExchange first = patch(R"({"name": "sk_later_secret_42"})");
  first.request_headers.erase(first.request_headers.begin());
  HttpExchange second = get();
  second.request_headers[0].second = "Bearer sk_later_secret_42";
  second.request_headers.emplace_back("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");
  second.response_body = R"({"id": "cust_abc123", "note": "cHJveHk6c2VjcmV0"})";
  REQUIRE(credentials_in(second) == std::vector<std::string>{"sk_later_secret_42", "cHJveHk6c2VjcmV0"});

  RecorderOptions options;
  options.secrets = credentials_in(second);
  const std::string text = dump_all(record_all({first, second}, options));
  CHECK(text.find("sk_later_secret_42") == std::string::npos);
  CHECK(text.find("cHJveHk6c2VjcmV0") == std::string::npos);
  CHECK(text.find("Proxy-Authorization") == std::string::npos);
}

TEST_CASE("recording: consecutive exchanges with one Idempotency-Key become one scenario's steps", "[recording][idempotency]") {
  ScenarioRecorder recorder;
  CHECK(added(recorder, patch(R"({"name": "A"})", 200, "ik_same")).empty());  // pending until another key
  CHECK(added(recorder, patch(R"({"name": "A"})", 200, "ik_same")).empty());
  HttpExchange preflight = patch("", 204, "ik_same");
  preflight.method = "OPTIONS";
  preflight.request_headers.emplace_back("Access-Control-Request-Method", "PATCH");
  CHECK(added(recorder, preflight).empty());  // skipped: does not split the group
  CHECK(added(recorder, patch(R"({"name": "B"})", 422, "ik_same", R"({"status": 422, "detail": "used"})")).empty());
  const auto other = added(recorder, patch(R"({"name": "C"})", 200, "ik_other"));
  REQUIRE(other.size() == 1);
  const Scenario& group = other.front();
  CHECK(group.id == "recorded-1");
  REQUIRE(group.steps.size() == 3);
  for (const auto& step : group.steps) CHECK(step.request.headers.at("Idempotency-Key") == "${IDEMPOTENCY_KEY}");
  CHECK(group.tags == std::vector<std::string>{"recorded", "negative", "422"});
  CHECK(group.description ==
        "PATCH /customers/cust_abc123 -> 200, then PATCH /customers/cust_abc123 -> 200, then "
        "PATCH /customers/cust_abc123 -> 422 (one Idempotency-Key)");

  const auto plain = added(recorder, get());  // no key: completes ik_other, then is a scenario itself
  REQUIRE(plain.size() == 2);
  CHECK(plain.at(0).id == "recorded-2");
  CHECK(plain.at(0).steps.size() == 1);
  CHECK(plain.at(1).id == "recorded-3");
  CHECK(plain.at(1).tags == std::vector<std::string>{"recorded", "positive"});

  CHECK(added(recorder, patch(R"({"name": "A"})", 200, "ik_same")).empty());  // reused after others
  const auto rest = finished(recorder);
  REQUIRE(rest.size() == 1);
  CHECK(rest.front().id == "recorded-4");
  CHECK(recorder.stats().reused_keys == 1);
  CHECK(recorder.stats().scenarios == 4);
  CHECK(recorder.stats().kept == 6);
  CHECK(recorder.stats().skipped_preflight == 1);
  CHECK(finished(recorder).empty());
}

TEST_CASE("recording: a key the endpoint would refuse is kept as recorded", "[recording][idempotency]") {
  const std::string too_long(256, 'k');
  const auto scenarios = record_all({patch("{}", 400, too_long), patch("{}", 400, too_long)});
  REQUIRE(scenarios.size() == 2);  // not grouped: such a key is never stored
  CHECK(scenarios[0].steps[0].request.headers.at("Idempotency-Key") == too_long);
}

TEST_CASE("recording: skipped exchanges are counted by reason", "[recording]") {
  HttpExchange aborted = patch("{}", 0);
  HttpExchange failed = patch("{}", -1);
  HttpExchange preflight = patch("", 204);
  preflight.method = "OPTIONS";
  preflight.request_headers.emplace_back("access-control-request-method", "PATCH");
  HttpExchange options = patch("", 405);  // a plain OPTIONS is an exchange like any other
  options.method = "OPTIONS";
  HttpExchange favicon = get("https://host/favicon.ico");
  HttpExchange list = get("/customers");
  RecorderStats stats;
  const auto scenarios = record_all({aborted, failed, preflight, options, favicon, list, get()}, {}, &stats);
  CHECK(scenarios.size() == 2);
  CHECK(stats.exchanges == 7);
  CHECK(stats.kept == 2);
  CHECK(stats.skipped_no_response == 2);
  CHECK(stats.skipped_preflight == 1);
  CHECK(stats.skipped_other_path == 2);
  CHECK(stats.skipped() == 5);
}

TEST_CASE("recording: only the contract's headers are kept, under their own spellings", "[recording][headers]") {
  HttpExchange exchange = patch(R"({"name": "A"})", 200, "ik_h2");
  exchange.request_headers = {{":method", "PATCH"},
                              {":authority", "api.alguna.io"},
                              {"authorization", "Bearer " + kSecret},
                              {"alguna-version", "2026-04-01"},
                              {"content-type", "application/json"},
                              {"idempotency-key", "ik_h2"},
                              {"cookie", "a=b"},
                              {"host", "api.alguna.io"},
                              {"content-length", "12"},
                              {"user-agent", "Mozilla/5.0"},
                              {"sec-ch-ua", "\"Chromium\""},
                              {"origin", "https://app"}};
  exchange.response_headers = {{"content-type", "application/json"},
                               {"date", "Mon, 01 Jan 2026 00:00:00 GMT"},
                               {"server", "nginx"},
                               {"content-length", "80"},
                               {"x-request-id", "req_123"},
                               {"x-ratelimit-remaining", "99"},
                               {"set-cookie", "a=b"},
                               {"idempotency-key", "ik_h2"},
                               {"idempotent-replayed", "false"},
                               {"transient-error", "true"}};
  const auto scenarios = record_all({exchange});
  REQUIRE(scenarios.size() == 1);
  const Step& step = scenarios[0].steps[0];
  CHECK(step.request.headers == std::map<std::string, std::string>{{"Alguna-Version", "2026-04-01"},
                                                                   {"Authorization", "Bearer ${ALGUNA_API_KEY}"},
                                                                   {"Content-Type", "application/json"},
                                                                   {"Idempotency-Key", "${IDEMPOTENCY_KEY}"}});
  CHECK(step.response.headers ==
        std::map<std::string, std::string>{{"Idempotent-Replayed", "false"}, {"Transient-Error", "true"}});
}

TEST_CASE("recording: a literal ${ in a recorded request is escaped and sent back unchanged", "[recording][variables]") {
  HttpExchange exchange = patch(R"({"name": "${HOME} and $${x} and $5"})");
  exchange.target = "/customers/a${b}";
  HttpExchange raw = patch("raw ${PATH}", 400);
  const auto scenarios = record_all({exchange, raw});
  require_valid_corpus(scenarios);
  CHECK(scenarios[0].steps[0].request.body->at("name") == "$${HOME} and $$${x} and $5");

  VariableValues values;
  values.api_key = "k";
  values.idempotency_key = "ik";
  auto sent = resolve_request(scenarios[0].steps[0].request, values);
  REQUIRE(sent);
  CHECK(json::parse(sent->body).at("name") == "${HOME} and $${x} and $5");
  CHECK(sent->target == "/customers/a${b}");
  auto sent_raw = resolve_request(scenarios[1].steps[0].request, values);
  REQUIRE(sent_raw);
  CHECK(sent_raw->body == "raw ${PATH}");
}

TEST_CASE("recording: JSON request bodies become body, anything else raw_body", "[recording][bodies]") {
  const auto scenarios = record_all({patch(R"({"name": "A"})"), patch("{\"name\": ", 400),
                                     patch(R"({"name": "A", "name": "B"})", 400), patch("", 400)});
  REQUIRE(scenarios.size() == 4);
  CHECK(scenarios[0].steps[0].request.body == json{{"name", "A"}});
  CHECK_FALSE(scenarios[0].steps[0].request.raw_body);
  CHECK(scenarios[1].steps[0].request.raw_body == "{\"name\": ");
  CHECK(scenarios[2].steps[0].request.raw_body == R"({"name": "A", "name": "B"})");  // bytes kept
  CHECK_FALSE(scenarios[3].steps[0].request.body);
  CHECK_FALSE(scenarios[3].steps[0].request.raw_body);
}

TEST_CASE("recording: what the endpoint generates on each run is relaxed, the rest compared", "[recording][bodies]") {
  const std::string sent = R"({"contacts": [{"id": "cont_abc123", "email": "a@example.com"}, {"email": "b@example.com"}]})";
  const std::string answer = R"({"id": "cust_abc123", "created_at": "2026-04-01T10:00:00Z", "updated_at": "2026-05-01T00:00:00.123Z",
      "contacts": [{"id": "cont_abc123", "email": "a@example.com"}, {"id": "cont_00ab12cd34ef", "email": "b@example.com"}]})";
  HttpExchange html = patch("{}", 502, "", "<html>bad gateway</html>");
  html.response_headers = {{"Content-Type", "text/html"}};
  HttpExchange error = patch("{}", 404, "", R"({"status": 404, "detail": "no customer"})");
  const auto scenarios = record_all({patch(sent, 200, "", answer), html, error});
  REQUIRE(scenarios.size() == 3);
  const Step& step = scenarios[0].steps[0];
  REQUIRE(rule_at(step, "/updated_at") != nullptr);
  CHECK(rule_at(step, "/updated_at")->kind == MatchKind::date_time);
  CHECK(rule_at(step, "/contacts/0/id") == nullptr);  // sent with an id it keeps
  REQUIRE(rule_at(step, "/contacts/1/id") != nullptr);
  CHECK(rule_at(step, "/contacts/1/id")->kind == MatchKind::type);
  CHECK(rule_at(step, "/created_at") == nullptr);
  CHECK(step.match.size() == 2);
  CHECK_FALSE(scenarios[1].steps[0].response.body);  // not JSON: only the status is checked
  CHECK(scenarios[2].steps[0].response.body == json{{"status", 404}, {"detail", "no customer"}});
  CHECK(scenarios[2].steps[0].match.empty());
}

TEST_CASE("recording: a session recorded from the mock replays green against a fresh mock", "[recording][roundtrip]") {
  const std::string key = "sk_test_RoundTripSecret42";
  MockOptions mock_options;
  mock_options.api_keys = {key};
  auto recorded_on = MockService::create(mock_options);
  REQUIRE(recorded_on);
  const Headers headers = {{"authorization", "Bearer " + key},
                           {"alguna-version", "2026-04-01"},
                           {"content-type", "application/json"}};
  const auto with_key = [&](const std::string& idempotency_key) {
    Headers out = headers;
    out.emplace_back("idempotency-key", idempotency_key);
    return out;
  };
  const std::vector<HttpRequest> session = {
      {"PATCH", "/customers/cust_abc123", with_key("ik_rec_1"), R"({"name": "Renamed"})"},
      {"PATCH", "/customers/cust_abc123", with_key("ik_rec_1"), R"({"name": "Renamed"})"},
      {"PATCH", "/customers/cust_abc123", with_key("ik_rec_1"), R"({"name": "Other"})"},
      {"GET", "/customers/acme", {headers[0], headers[1]}, ""},
      {"PATCH", "/customers/cust_abc123", headers, R"({"contacts": [{"email": "new@example.com"}]})"},
      {"PATCH", "/customers/cust_abc123", headers, R"({"currency": "usd"})"},
      {"PATCH", "/customers/cust_abc123", {headers[1], headers[2]}, R"({"name": "x"})"},
  };
  ScenarioRecorder recorder;
  std::vector<Scenario> scenarios;
  for (const HttpRequest& request : session) {
    const HttpResponse response = recorded_on->handle(request);
    HttpExchange exchange{request.method, "http://127.0.0.1:1" + request.target, request.headers, request.body,
                          response.status, response.headers, response.body, std::nullopt};
    for (auto& scenario : added(recorder, exchange)) scenarios.push_back(std::move(scenario));
  }
  for (auto& scenario : finished(recorder)) scenarios.push_back(std::move(scenario));
  REQUIRE(scenarios.size() == 5);
  CHECK(dump_all(scenarios).find(key) == std::string::npos);
  require_valid_corpus(scenarios);

  // One fresh mock, the scenarios in order with one key: the recorded session again.
  auto replayed_on = MockService::create(mock_options);
  REQUIRE(replayed_on);
  for (const Scenario& scenario : scenarios) {
    VariableValues values;
    values.api_key = key;
    values.idempotency_key = make_idempotency_key();
    for (const Step& step : scenario.steps) {
      auto request = resolve_request(step.request, values);
      REQUIRE(request);
      const HttpResponse response = replayed_on->handle(*request);
      std::string failures;
      for (const auto& failure : match_response(step, response.status, response.headers, response.body)) {
        failures += failure.message + "\n";
      }
      INFO(scenario.id << ": " << scenario.description);
      CHECK(failures.empty());
    }
  }
}

// --- read_har ------------------------------------------------------------------------------------

namespace {

std::string har_with(const std::string& entries) {
  return R"({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": [)" + entries + "]}}";
}

std::string error_of(const std::string& text) {
  auto har = read_har(text);
  REQUIRE_FALSE(har);
  CHECK(har.error().code == Errc::invalid_argument);
  return har.error().message;
}

}  // namespace

TEST_CASE("har: what is not a HAR file is refused, saying what is missing and where", "[har]") {
  CHECK(error_of("{\"log\": ") .find("not JSON: line 1") != std::string::npos);
  CHECK(error_of("[1, 2]").find("the top level is an array") != std::string::npos);
  CHECK(error_of(R"({"name": "x"})").find("no \"log\"") != std::string::npos);
  CHECK(error_of(R"({"log": {"version": "1.2"}})").find("log: missing \"entries\"") != std::string::npos);
  CHECK(error_of(R"({"log": {"entries": {}}})").find("log.entries is an object, expected an array") != std::string::npos);
  CHECK(error_of(har_with(R"({"request": {"method": "GET"}})")).find("log.entries[0].request: missing \"url\"") !=
        std::string::npos);
  CHECK(error_of(har_with(R"({"startedDateTime": "x"})")).find("log.entries[0]: missing \"request\"") != std::string::npos);
  CHECK(error_of(har_with(R"({"request": {"method": "GET", "url": "/", "headers": {"a": "b"}}})"))
            .find("log.entries[0].request.headers: expected an array") != std::string::npos);
  CHECK(error_of(har_with(R"({"request": {"method": "GET", "url": "/"}, "response": {"status": 200,
        "content": {"text": "!!!", "encoding": "base64"}}})"))
            .find("log.entries[0].response.content.text: not valid base64") != std::string::npos);
  CHECK(error_of(har_with(R"({"request": {"method": "GET", "url": "/"}, "response": {"status": 200,
        "content": {"text": "x", "encoding": "gzip"}}})"))
            .find("\"gzip\" is not supported") != std::string::npos);
}

TEST_CASE("har: missing optional parts are tolerated", "[har]") {
  auto har = read_har(har_with(R"(
    {"request": {"method": "GET", "url": "http://h/customers/a"}},
    {"request": {"method": "PATCH", "url": "http://h/customers/a", "postData": {"mimeType": "application/json"}},
     "response": {"status": 200, "content": {"size": 10, "mimeType": "application/json"}}},
    {"request": {"method": "PATCH", "url": "http://h/customers/a", "headers": null, "postData": {"text": "{}"}},
     "response": {"status": -1, "headers": [], "content": {}}},
    {"request": {"method": "GET", "url": "http://h/customers/a", "headers": [{"name": "Authorization", "value": "Bearer k"}]},
     "response": {"status": 200, "headers": [{"name": "Content-Type", "value": "application/json"}],
                  "content": {"text": "eyJpZCI6ICJhIn0=", "encoding": "base64"}},
     "startedDateTime": "2026-04-01T10:00:00.000Z"}
  )"));
  INFO(har.error().message);
  REQUIRE(har);
  CHECK(har->creator == "test 1");
  REQUIRE(har->exchanges.size() == 4);
  CHECK(har->exchanges[0].status == 0);  // no response
  CHECK(har->exchanges[1].request_body.empty());
  CHECK(har->exchanges[1].response_body.empty());
  CHECK(har->exchanges[2].request_body == "{}");
  CHECK(har->exchanges[2].status == -1);
  CHECK(har->exchanges[3].response_body == R"({"id": "a"})");
  CHECK(har->exchanges[3].request_headers == Headers{{"Authorization", "Bearer k"}});
  CHECK(har->exchanges[3].started_at == "2026-04-01T10:00:00.000Z");
}

namespace {

std::string timed_entry(const std::string& name, const std::string& started) {
  return R"({"request": {"method": "GET", "url": "http://h/customers/)" + name +
         R"("}, "response": {"status": 200}, "startedDateTime": ")" + started + "\"}";
}

std::vector<std::string> names_in_order(const HarLog& har) {
  std::vector<std::string> names;
  for (const HttpExchange& exchange : har.exchanges) names.push_back(exchange.target.substr(std::string("http://h/customers/").size()));
  return names;
}

}  // namespace

TEST_CASE("har: entries are read in the order they started, as HAR 1.2 asks of a reader", "[har]") {
  SECTION("out of order, across offsets, a leap day and a year; ties keep the file's order") {
    auto har = read_har(har_with(timed_entry("e", "2026-01-01T00:00:00Z") + "," +                 //
                                 timed_entry("d", "2025-12-31T23:59:59.999999999Z") + "," +       //
                                 timed_entry("b", "2024-02-29T12:00:00+01:00") + "," +            // 11:00Z
                                 timed_entry("c1", "2024-03-01T00:30:00+02:00") + "," +           // Feb 29, 22:30Z
                                 timed_entry("a", "2024-02-29T06:00:00-04:00") + "," +            // 10:00Z
                                 timed_entry("c2", "2024-02-29T22:30:00.0000000001Z") + "," +     // a tenth of a ns: a tie
                                 timed_entry("f", "2026-01-01T00:00:00.5Z")));
    REQUIRE(har);
    CHECK(names_in_order(*har) == std::vector<std::string>{"a", "b", "c1", "c2", "d", "e", "f"});
    CHECK(har->reordered);
  }
  SECTION("already in order: nothing moves") {
    auto har = read_har(har_with(timed_entry("a", "2026-04-01T10:00:00.000Z") + "," +
                                 timed_entry("b", "2026-04-01T12:00:00.000+02:00") + "," +  // the same instant
                                 timed_entry("c", "2026-04-01T10:00:00.001Z")));
    REQUIRE(har);
    CHECK(names_in_order(*har) == std::vector<std::string>{"a", "b", "c"});
    CHECK_FALSE(har->reordered);
  }
  SECTION("an entry without a usable startedDateTime: the file's order, as it is") {
    for (const std::string& odd : {std::string(R"({"request": {"method": "GET", "url": "http://h/customers/x"}})"),
                                   timed_entry("x", "2026-04-01 10:00"), timed_entry("x", "yesterday")}) {
      auto har = read_har(har_with(timed_entry("b", "2026-04-01T11:00:00Z") + "," + odd + "," +
                                   timed_entry("a", "2026-04-01T10:00:00Z")));
      REQUIRE(har);
      CHECK(names_in_order(*har) == std::vector<std::string>{"b", "x", "a"});
      CHECK_FALSE(har->reordered);
    }
  }
}
