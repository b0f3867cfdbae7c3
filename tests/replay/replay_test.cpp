// The replay engine over real HTTP(S) on 127.0.0.1 (port 0): the bundled corpus against the
// embedded mock, every check against endpoints built here to break the contract one way each,
// transport failures, timeouts, retries, TLS with a test-made certificate, redaction of the key and
// the refusal to send it over plain http to another host.
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"
#include "test_support.hpp"
#include "test_certificate.hpp"
#include "test_server.hpp"

#include <alguna/contract/replay.hpp>

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

const char* const kKeyEnv = "ALGUNA_CONTRACT_REPLAY_TEST_KEY";
const std::string kKey = "sk_test_ReplaySecret0123456789";

void set_key() { REQUIRE(::setenv(kKeyEnv, kKey.c_str(), 1) == 0); }

ReplayOptions options_for(const std::string& base_url) {
  ReplayOptions options;
  options.base_url = base_url;
  options.api_key_env = kKeyEnv;
  options.timeout = milliseconds(5000);
  return options;
}

Replayer make_replayer(const ReplayOptions& options) {
  auto replayer = Replayer::create(options);
  if (!replayer) FAIL("Replayer::create: " << replayer.error().message);
  return std::move(replayer).value();
}

const json kHeaders = {{"Alguna-Version", "2026-04-01"},
                       {"Authorization", "Bearer ${ALGUNA_API_KEY}"},
                       {"Idempotency-Key", "${IDEMPOTENCY_KEY}"},
                       {"Content-Type", "application/json"}};

// A one-step scenario: PATCH `path` with `body`, answered as `response` records.
Scenario scenario(const std::string& id, const std::string& path, const json& body, const json& response,
                  const json& match = json::object()) {
  json text = {{"id", id},
               {"request", {{"method", "PATCH"}, {"path", path}, {"headers", kHeaders}, {"body", body}}},
               {"response", response}};
  if (!match.empty()) text["match"] = match;
  auto parsed = parse_scenario(text.dump(), "test", 1);
  if (!parsed) FAIL(parsed.error().message);
  return std::move(parsed).value();
}

Scenario rename(const std::string& path = "/customers/cust_abc123") {
  return scenario("rename", path, {{"name", "Acme Corp"}},
                  {{"status", 200}, {"body", {{"id", "cust_abc123"}, {"name", "Acme Corp"}}}});
}

std::string describe(const ScenarioResult& result) {
  json steps = json::array();
  for (const auto& step : result.steps) {
    json failures = json::array();
    for (const auto& failure : step.failures) failures.push_back(to_json(failure));
    json warnings = json::array();
    for (const auto& warning : step.request_warnings) warnings.push_back(to_json(warning));
    steps.push_back({{"status_code", step.status_code}, {"failures", failures}, {"warnings", warnings}});
  }
  return json{{"id", result.id},       {"outcome", to_string(result.outcome)}, {"error", result.error},
              {"steps", steps},        {"duration_ms", result.duration.count()}}
      .dump(2);
}

// The failures of one check in a one-step result.
std::vector<Failure> failures_of(const ScenarioResult& result, const std::string& check) {
  std::vector<Failure> found;
  for (const auto& step : result.steps)
    for (const auto& failure : step.failures)
      if (failure.check == check) found.push_back(failure);
  return found;
}

bool has_failure(const ScenarioResult& result, const std::string& check, const std::string& path) {
  for (const auto& failure : failures_of(result, check))
    if (failure.path == path) return true;
  return false;
}

void write_text(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

void answer_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

TEST_CASE("every bundled scenario passes over HTTP against the embedded mock", "[replay][corpus]") {
  set_key();
  auto reader = CorpusReader::open({std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/corpus/scenarios"});
  REQUIRE(reader);
  std::size_t count = 0;
  while (true) {
    auto next = reader->next();
    INFO(next.error().message);
    REQUIRE(next);
    if (!next.value()) break;
    ++count;
    // The scenarios are written for a fresh mock each: a fresh embedded mock per scenario.
    const Replayer replayer = make_replayer(options_for(""));
    CHECK(replayer.base_url().rfind("http://127.0.0.1:", 0) == 0);
    const ScenarioResult result = replayer.run(*next.value());
    INFO(describe(result));
    CHECK(result.outcome == Outcome::passed);
    CHECK(result.id == next.value()->id);
    CHECK(result.steps.size() == next.value()->steps.size());
  }
  CHECK(count >= 30);
}

TEST_CASE("one replayer runs scenarios from several threads against the embedded mock", "[replay][threads]") {
  set_key();
  const Replayer replayer = make_replayer(options_for(""));
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        if (replayer.run(rename("/customers/acme")).outcome == Outcome::passed) ++passed;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(passed == 40);
}

TEST_CASE("each check fires with the right path against a broken endpoint", "[replay][checks]") {
  set_key();
  std::atomic<int> invalid_request_answers{0};
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
      const std::string which = req.matches[1];
      json customer = default_customer();
      if (which == "wrong-type") {
        customer["tax_rate"] = 0.2;
      } else if (which == "missing") {
        customer.erase("currency");
      } else if (which == "enum") {
        customer["tax_type"] = "VAT";
      } else if (which == "value") {
        customer["name"] = "Someone Else";
      } else if (which == "error") {
        return answer_json(res, 500, {{"status", 500}, {"detail", "boom"}});
      } else if (which == "bad-error") {
        return answer_json(res, 400, {{"status", "400"}});
      } else if (which == "text") {
        res.status = 200;
        return res.set_content(customer.dump(), "text/plain");
      } else if (which == "invalid-request") {
        ++invalid_request_answers;
      }
      customer["name"] = which == "value" ? customer["name"] : json("Acme Corp");
      answer_json(res, 200, customer);
    });
  });
  const Replayer replayer = make_replayer(options_for(server.url()));

  SECTION("a wrong type: schema at /tax_rate") {
    const auto result = replayer.run(rename("/customers/wrong-type"));
    INFO(describe(result));
    CHECK(result.outcome == Outcome::failed);
    CHECK(has_failure(result, "schema", "/tax_rate"));
    CHECK(failures_of(result, "body").empty());
  }
  SECTION("a missing required field: schema at the root") {
    const auto result = replayer.run(rename("/customers/missing"));
    INFO(describe(result));
    CHECK(result.outcome == Outcome::failed);
    const auto schema = failures_of(result, "schema");
    REQUIRE(schema.size() == 1);
    CHECK((schema[0].path.empty() || schema[0].path == "/currency"));
    CHECK(schema[0].message.find("currency") != std::string::npos);
  }
  SECTION("a wrong enum case: schema at /tax_type") {
    const auto result = replayer.run(rename("/customers/enum"));
    INFO(describe(result));
    CHECK(has_failure(result, "schema", "/tax_type"));
  }
  SECTION("a wrong value: body at /name, with expected and actual") {
    const auto result = replayer.run(rename("/customers/value"));
    INFO(describe(result));
    CHECK(result.outcome == Outcome::failed);
    const auto body = failures_of(result, "body");
    REQUIRE(body.size() == 1);
    CHECK(body[0].path == "/name");
    CHECK(body[0].expected.find("Acme Corp") != std::string::npos);
    CHECK(body[0].actual.find("Someone Else") != std::string::npos);
    CHECK(failures_of(result, "schema").empty());
  }
  SECTION("a 500: status, the error body checked against the error schema") {
    const auto result = replayer.run(rename("/customers/error"));
    INFO(describe(result));
    CHECK(result.outcome == Outcome::failed);
    REQUIRE(result.steps.size() == 1);
    CHECK(result.steps[0].status_code == 500);
    CHECK(failures_of(result, "status").size() == 1);
    CHECK(failures_of(result, "schema").empty());
  }
  SECTION("a 4xx body that breaks the error schema: schema at /status") {
    const auto result = replayer.run(
        scenario("bad-error", "/customers/bad-error", {{"name", "x"}}, {{"status", "4xx"}}));
    INFO(describe(result));
    CHECK(has_failure(result, "schema", "/status"));
    CHECK(failures_of(result, "status").empty());
  }
  SECTION("a non-JSON content type: content-type") {
    const auto result = replayer.run(rename("/customers/text"));
    INFO(describe(result));
    CHECK(result.outcome == Outcome::failed);
    CHECK(failures_of(result, "content-type").size() == 1);
  }
  SECTION("a recorded header missing from the answer: header, named") {
    const auto result = replayer.run(scenario(
        "header", "/customers/ok", {{"name", "Acme Corp"}},
        {{"status", 200}, {"headers", {{"Idempotent-Replayed", "false"}}}}));
    INFO(describe(result));
    CHECK(has_failure(result, "header", "Idempotent-Replayed"));
  }
  SECTION("a 200 recorded for an invalid request: a warning, and the request is still sent") {
    const auto result = replayer.run(scenario("invalid-request", "/customers/invalid-request",
                                              {{"nmae", "Acme Corp"}}, {{"status", 200}}));
    INFO(describe(result));
    CHECK(invalid_request_answers == 1);
    CHECK(result.outcome == Outcome::passed);
    REQUIRE(result.steps.size() == 1);
    REQUIRE_FALSE(result.steps[0].request_warnings.empty());
    CHECK(result.steps[0].request_warnings[0].path == "/body/nmae");
  }
  SECTION("a conforming answer passes with no warning") {
    const auto result = replayer.run(rename("/customers/ok"));
    INFO(describe(result));
    CHECK(result.outcome == Outcome::passed);
    REQUIRE(result.steps.size() == 1);
    CHECK(result.steps[0].failures.empty());
    CHECK(result.steps[0].request_warnings.empty());
  }
}

TEST_CASE("an unreachable server is a transport error for that scenario, and the others still run", "[replay][transport]") {
  set_key();
  auto server = std::make_unique<TestServer>([](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [](const httplib::Request&, httplib::Response& res) {
      json customer = default_customer();
      answer_json(res, 200, customer);
    });
  });
  ReplayOptions options = options_for(server->url());
  options.retries = 1;
  const Replayer replayer = make_replayer(options);
  CHECK(replayer.run(rename()).outcome == Outcome::passed);
  server->stop();  // the server dies mid-run

  const auto dead = replayer.run(rename());
  INFO(describe(dead));
  CHECK(dead.outcome == Outcome::error);
  CHECK_FALSE(dead.error.empty());
  REQUIRE(dead.steps.size() == 1);
  CHECK(dead.steps[0].status_code == 0);
  REQUIRE(dead.steps[0].failures.size() == 1);
  CHECK(dead.steps[0].failures[0].check == "transport");

  // The next scenario, elsewhere, is unaffected.
  const Replayer mock = make_replayer(options_for(""));
  CHECK(mock.run(rename()).outcome == Outcome::passed);
}

TEST_CASE("a server slower than the timeout is a transport error within the timeout", "[replay][transport]") {
  set_key();
  TestServer server([](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(milliseconds(1500));
      answer_json(res, 200, default_customer());
    });
  });
  ReplayOptions options = options_for(server.url());
  options.timeout = milliseconds(300);
  options.retries = 0;
  const Replayer replayer = make_replayer(options);
  const auto result = replayer.run(rename());
  INFO(describe(result));
  CHECK(result.outcome == Outcome::error);
  CHECK(failures_of(result, "transport").size() == 1);
  CHECK(result.duration < milliseconds(1200));
}

TEST_CASE("retries: 429/503 and Transient-Error are retried, Retry-After honoured", "[replay][retries]") {
  set_key();
  std::atomic<int> calls{0};
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
      const int n = ++calls;
      if (req.matches[1] == "always") {
        res.set_header("Retry-After", "0");
        return answer_json(res, 503, {{"status", 503}, {"detail", "down"}});
      }
      if (n == 1) {
        res.set_header("Retry-After", "1");
        return answer_json(res, 429, {{"status", 429}, {"detail", "slow down"}});
      }
      if (n == 2) {
        res.set_header("Transient-Error", "true");
        return answer_json(res, 500, {{"status", 500}, {"detail", "hiccup"}});
      }
      answer_json(res, 200, default_customer());
    });
  });

  SECTION("a 429 with Retry-After: 1, then a transient 500, then 200") {
    const Replayer replayer = make_replayer(options_for(server.url()));
    const auto result = replayer.run(rename());
    INFO(describe(result));
    CHECK(result.outcome == Outcome::passed);
    CHECK(calls == 3);
    CHECK(result.duration >= milliseconds(1000));  // Retry-After: 1
    CHECK(result.duration < milliseconds(4000));
  }
  SECTION("no retries: the 429 is checked as it is") {
    ReplayOptions options = options_for(server.url());
    options.retries = 0;
    const auto result = make_replayer(options).run(rename());
    INFO(describe(result));
    CHECK(calls == 1);
    CHECK(result.outcome == Outcome::failed);
    CHECK(result.steps.at(0).status_code == 429);
  }
  SECTION("retries run out: the last answer is checked") {
    ReplayOptions options = options_for(server.url());
    options.retries = 3;
    const auto result = make_replayer(options).run(rename("/customers/always"));
    INFO(describe(result));
    CHECK(calls == 4);
    CHECK(result.outcome == Outcome::failed);
    CHECK(result.steps.at(0).status_code == 503);
  }
}

TEST_CASE("retries: the mock's injected faults are retried until the scenarios pass", "[replay][retries]") {
  set_key();
  MockServerOptions mock_options;
  mock_options.mock.fault_rate = 0.3;
  mock_options.mock.seed = 7;
  auto server = MockServer::start(mock_options);
  REQUIRE(server);
  ReplayOptions options = options_for((*server)->url());
  options.retries = 8;
  const Replayer replayer = make_replayer(options);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    const auto result = replayer.run(rename("/customers/acme"));
    INFO(describe(result));
    CHECK(result.outcome == Outcome::passed);
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(40));
}

TEST_CASE("HTTPS against the mock with a test-made certificate and ca_file", "[replay][tls]") {
  set_key();
  TempDir dir;
  const TestCertificate made = make_test_certificate(dir);
  const std::string& cert = made.cert_file;
  const std::string& key = made.key_file;
  MockServerOptions mock_options;
  mock_options.tls_cert_file = cert;
  mock_options.tls_key_file = key;
  auto server = MockServer::start(mock_options);
  REQUIRE(server);
  REQUIRE((*server)->url().rfind("https://", 0) == 0);

  ReplayOptions options = options_for((*server)->url());
  options.ca_file = cert;
  const Replayer trusting = make_replayer(options);
  const auto result = trusting.run(rename());
  INFO(describe(result));
  CHECK(result.outcome == Outcome::passed);

  // Without the CA the certificate is not trusted: a transport error, nothing answered.
  ReplayOptions untrusting_options = options_for((*server)->url());
  untrusting_options.retries = 0;
  const auto refused = make_replayer(untrusting_options).run(rename());
  INFO(describe(refused));
  CHECK(refused.outcome == Outcome::error);
  CHECK(failures_of(refused, "transport").size() == 1);

  // An unreadable or non-PEM CA file is refused at creation.
  options.ca_file = dir / "missing.pem";
  CHECK(Replayer::create(options).error().code == Errc::io_error);
  write_text(dir / "garbage.pem", "not a certificate\n");
  options.ca_file = dir / "garbage.pem";
  CHECK(Replayer::create(options).error().code == Errc::invalid_argument);
}

TEST_CASE("no result string holds the API key", "[replay][secrets]") {
  set_key();
  // An endpoint that echoes what it was sent, in the body, the headers and the status text.
  TestServer server([](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [](const httplib::Request& req, httplib::Response& res) {
      const std::string auth = req.get_header_value("Authorization");
      json customer = default_customer();
      customer["name"] = auth;
      customer["tax_type"] = auth;
      customer["aliases"] = json::array({auth.substr(7) + std::string(60, 'x')});
      res.set_header("Idempotent-Replayed", auth);
      answer_json(res, 200, customer);
    });
  });
  const Replayer replayer = make_replayer(options_for(server.url()));
  const auto result = replayer.run(scenario(
      "echo", "/customers/cust_abc123", {{"name", "Acme Corp"}},
      {{"status", 200},
       {"headers", {{"Idempotent-Replayed", "false"}}},
       {"body", {{"name", "Acme Corp"}, {"aliases", {"acme"}}}}}));
  const std::string text = describe(result);
  INFO(text);
  CHECK(result.outcome == Outcome::failed);
  CHECK_FALSE(failures_of(result, "body").empty());
  CHECK_FALSE(failures_of(result, "header").empty());
  CHECK(text.find(kKey) == std::string::npos);
  CHECK(text.find(kKey.substr(0, 10)) == std::string::npos);  // not even cut short
  CHECK(text.find("***") != std::string::npos);

  // The refusal and transport messages do not hold it either.
  ReplayOptions options = options_for("http://127.0.0.1:1");
  options.retries = 0;
  const std::string dead = describe(make_replayer(options).run(rename()));
  CHECK(dead.find(kKey) == std::string::npos);
}

TEST_CASE("a key is never sent over plain http to a host other than loopback", "[replay][secrets]") {
  set_key();
  ReplayOptions options = options_for("http://192.0.2.1:80");  // TEST-NET-1: nothing answers there
  options.timeout = milliseconds(20000);
  const Replayer replayer = make_replayer(options);
  const auto result = replayer.run(rename());
  INFO(describe(result));
  CHECK(result.outcome == Outcome::error);
  CHECK(result.steps.empty());  // refused before connecting
  CHECK(result.error.find("http") != std::string::npos);
  CHECK(result.error.find(kKey) == std::string::npos);
}

TEST_CASE("bad options are errors at creation", "[replay][options]") {
  for (const char* url : {"ftp://127.0.0.1", "127.0.0.1:80", "http://", "http://host:0", "http://host:99999",
                          "http://host:8x", "http://host/path", "http://user@host"}) {
    INFO(url);
    CHECK(Replayer::create(options_for(url)).error().code == Errc::invalid_argument);
  }
  ReplayOptions negative = options_for("http://127.0.0.1:8080");
  negative.retries = -1;
  CHECK(Replayer::create(negative).error().code == Errc::invalid_argument);
  ReplayOptions unknown_check = options_for("http://127.0.0.1:8080");
  unknown_check.checks = {"status", "transport"};
  const auto refused = Replayer::create(unknown_check);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::invalid_argument);
  CHECK(refused.error().message.find("\"transport\"") != std::string::npos);
  auto ok = Replayer::create(options_for("https://api.example.com/"));
  REQUIRE(ok);
  CHECK(ok->base_url() == "https://api.example.com");
}

TEST_CASE("ReplayOptions::checks: only the named checks' failures count", "[replay][checks]") {
  // Against the embedded mock: a valid Customer, but not the recorded name.
  const Scenario other_name = scenario("other-name", "/customers/cust_abc123", {{"name", "Acme Corp"}},
                                       {{"status", 200}, {"body", {{"name", "Someone Else"}}}});
  ReplayOptions all;
  auto judge_all = Replayer::create(all);
  REQUIRE(judge_all);
  const auto failed = judge_all->run(other_name);
  REQUIRE(failed.outcome == Outcome::failed);
  REQUIRE(failed.steps.size() == 1);
  CHECK(failed.steps[0].failures.at(0).check == "body");

  ReplayOptions status_schema;
  status_schema.checks = {"status", "schema"};
  auto judge_contract = Replayer::create(status_schema);
  REQUIRE(judge_contract);
  const auto passed = judge_contract->run(other_name);
  INFO(describe(passed));
  CHECK(passed.outcome == Outcome::passed);
  CHECK(passed.steps.at(0).failures.empty());
  CHECK(passed.steps.at(0).status_code == 200);
}

TEST_CASE("requests are sent as recorded, with one idempotency key per scenario run", "[replay][request]") {
  set_key();
  std::mutex mutex;
  std::vector<json> seen;
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
      json headers = json::object();
      for (const auto& header : req.headers) headers[header.first] = header.second;
      {
        std::lock_guard<std::mutex> lock(mutex);
        seen.push_back({{"target", req.target}, {"headers", headers}, {"body", req.body}});
      }
      answer_json(res, 200, default_customer());
    });
  });
  json text = {{"id", "two-steps"},
               {"steps",
                {{{"request", {{"method", "PATCH"}, {"path", "/customers/cust_abc123?x=${SUFFIX}"},
                               {"headers", kHeaders}, {"raw_body", "{\"name\":  \"Acme Corp\"}"}}},
                  {"response", {{"status", 200}}}},
                 {{"request", {{"method", "PATCH"}, {"path", "/customers/acme"},
                               {"headers", {{"Authorization", "Bearer ${ALGUNA_API_KEY}"},
                                            {"Idempotency-Key", "${IDEMPOTENCY_KEY}"}}},
                               {"raw_body", "not json"}}},
                  {"response", {{"status", 200}}}}}}};
  CorpusOptions corpus_options;
  corpus_options.variables = {"SUFFIX"};
  auto parsed = parse_scenario(text.dump(), "test", 1, corpus_options);
  REQUIRE(parsed);
  ReplayOptions options = options_for(server.url());
  options.variables = {{"SUFFIX", "a%20b"}};
  const Replayer replayer = make_replayer(options);
  REQUIRE(replayer.run(*parsed).outcome == Outcome::passed);
  REQUIRE(replayer.run(*parsed).outcome == Outcome::passed);
  // The server's threads wrote `seen` under the mutex: read it under the mutex too.
  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(seen.size() == 4);
  INFO(json(seen).dump(2));
  CHECK(seen[0]["target"] == "/customers/cust_abc123?x=a%20b");
  CHECK(seen[0]["body"] == "{\"name\":  \"Acme Corp\"}");
  CHECK(seen[0]["headers"]["Authorization"] == "Bearer " + kKey);
  CHECK(seen[0]["headers"]["Alguna-Version"] == "2026-04-01");
  CHECK(seen[1]["body"] == "not json");
  CHECK(seen[1]["headers"].count("Alguna-Version") == 0);
  // The same key in both steps of a run, a fresh one for the next run.
  CHECK(seen[0]["headers"]["Idempotency-Key"] == seen[1]["headers"]["Idempotency-Key"]);
  CHECK(seen[2]["headers"]["Idempotency-Key"] == seen[3]["headers"]["Idempotency-Key"]);
  CHECK(seen[0]["headers"]["Idempotency-Key"] != seen[2]["headers"]["Idempotency-Key"]);
  // Nothing is added to what was recorded: no Content-Type for a body recorded without one, no
  // Accept, no Expect.
  CHECK(seen[1]["headers"].value("Content-Type", std::string("(none)")) == "(none)");
  CHECK(seen[1]["headers"].value("Accept", std::string("(none)")) == "(none)");
  CHECK(seen[1]["headers"].value("Expect", std::string("(none)")) == "(none)");
}

TEST_CASE("a Session keeps one connection alive across scenarios; run() alone uses its own", "[replay][session]") {
  set_key();
  std::mutex mutex;
  std::vector<int> client_ports;  // the client's side of each request's connection
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        client_ports.push_back(req.remote_port);
      }
      answer_json(res, 200, default_customer());
    });
  });
  const Replayer replayer = make_replayer(options_for(server.url()));
  Replayer::Session session = replayer.session();
  for (int i = 0; i < 5; ++i) REQUIRE(session.run(rename()).outcome == Outcome::passed);
  REQUIRE(replayer.run(rename()).outcome == Outcome::passed);
  REQUIRE(replayer.run(rename()).outcome == Outcome::passed);
  // The server's threads wrote `client_ports` under the mutex: read it under the mutex too.
  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(client_ports.size() == 7);
  for (int i = 1; i < 5; ++i) CHECK(client_ports[i] == client_ports[0]);
  CHECK(client_ports[5] != client_ports[0]);
  CHECK(client_ports[6] != client_ports[5]);
}

TEST_CASE("a Session opens a new connection after a transport error", "[replay][session]") {
  set_key();
  std::atomic<int> calls{0};
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request&, httplib::Response& res) {
      // The first answer comes after the client's timeout: that connection is unusable afterwards.
      if (calls++ == 0) std::this_thread::sleep_for(milliseconds(600));
      answer_json(res, 200, default_customer());
    });
  });
  ReplayOptions options = options_for(server.url());
  options.timeout = milliseconds(200);
  options.retries = 0;
  const Replayer replayer = make_replayer(options);
  Replayer::Session session = replayer.session();
  CHECK(session.run(rename()).outcome == Outcome::error);
  const ScenarioResult after = session.run(rename());
  INFO(describe(after));
  CHECK(after.outcome == Outcome::passed);
}

TEST_CASE("against the embedded mock every scenario run starts from the initial state", "[replay][isolation]") {
  // The key variable is deliberately unset: the embedded mock gets a fresh key per run instead.
  REQUIRE(::unsetenv(kKeyEnv) == 0);
  const Replayer replayer = make_replayer(options_for(""));
  const Scenario renamed = scenario("renamed", "/customers/cust_abc123", {{"name", "Changed"}},
                                    {{"status", 200}, {"body", {{"name", "Changed"}}}});
  const Scenario seed = scenario("seed", "/customers/cust_abc123", {{"currency", "EUR"}},
                                 {{"status", 200}, {"body", {{"name", "Acme Corp"}, {"currency", "EUR"}}}});
  Replayer::Session session = replayer.session();
  for (int i = 0; i < 3; ++i) {
    const ScenarioResult first = session.run(renamed);
    INFO(describe(first));
    CHECK(first.outcome == Outcome::passed);
    const ScenarioResult second = session.run(seed);  // on one shared state it would see "Changed"
    INFO(describe(second));
    CHECK(second.outcome == Outcome::passed);
  }
}

TEST_CASE("one_account: against the embedded mock each scenario sees the writes before it", "[replay][isolation]") {
  REQUIRE(::unsetenv(kKeyEnv) == 0);
  ReplayOptions options = options_for("");
  options.one_account = true;
  const Replayer replayer = make_replayer(options);
  const Scenario rename_it = scenario("rename-it", "/customers/cust_abc123", {{"name", "Changed"}},
                                      {{"status", 200}, {"body", {{"name", "Changed"}}}});
  // An empty PATCH answers the customer as it stands: renamed by the scenario before.
  const Scenario see_it = scenario("see-it", "/customers/cust_abc123", json::object(),
                                   {{"status", 200}, {"body", {{"name", "Changed"}}}});
  const ScenarioResult first = replayer.run(rename_it);
  INFO(describe(first));
  CHECK(first.outcome == Outcome::passed);
  const ScenarioResult second = replayer.run(see_it);  // another Session, the same account
  INFO(describe(second));
  CHECK(second.outcome == Outcome::passed);

  // Two replayers are two accounts: the second starts from the initial state.
  const Replayer other = make_replayer(options);
  CHECK(other.run(see_it).outcome == Outcome::failed);
}

namespace {

// A raw TCP server on 127.0.0.1: the first `resets` connections are closed as soon as a request
// has arrived (no answer: a reset in the middle of an exchange); later ones get the doc's customer.
class ResettingServer {
 public:
  explicit ResettingServer(int resets) : resets_(resets) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ResettingServer() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve() {
    for (;;) {
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) return;
      std::string received;
      char buffer[4096];
      // Read up to the end of the head and the body it announces.
      while (received.find("\r\n\r\n") == std::string::npos) {
        const ssize_t got = ::recv(connection, buffer, sizeof buffer, 0);
        if (got <= 0) break;
        received.append(buffer, static_cast<std::size_t>(got));
      }
      ++requests_;
      if (requests_ <= resets_) {
        ::close(connection);
        continue;
      }
      const std::string body = default_customer().dump();
      const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      ::send(connection, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(connection);
    }
  }

  int resets_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("a reset mid-exchange is retried only when the request is safe to send again", "[replay][retries]") {
  set_key();
  SECTION("with an Idempotency-Key: sent again, and the answer checked") {
    ResettingServer server(1);
    ReplayOptions options = options_for(server.url());
    options.retries = 1;
    const ScenarioResult result = make_replayer(options).run(rename());
    INFO(describe(result));
    CHECK(result.outcome == Outcome::passed);
    CHECK(server.requests() == 2);
  }
  SECTION("a PATCH without one may have been applied: not sent again, the scenario errors") {
    json headers = kHeaders;
    headers.erase("Idempotency-Key");
    json text = {{"id", "no-key"},
                 {"request", {{"method", "PATCH"}, {"path", "/customers/cust_abc123"}, {"headers", headers},
                              {"body", {{"name", "Acme Corp"}}}}},
                 {"response", {{"status", 200}}}};
    auto parsed = parse_scenario(text.dump(), "test", 1);
    REQUIRE(parsed);
    ResettingServer server(1);
    ReplayOptions options = options_for(server.url());
    options.retries = 2;
    const ScenarioResult result = make_replayer(options).run(*parsed);
    INFO(describe(result));
    CHECK(result.outcome == Outcome::error);
    CHECK(server.requests() == 1);
    CHECK(failures_of(result, "transport").size() == 1);
  }
}
