// RecordingProxy in-process, with MockServer (or a test server) as the upstream and httplib's
// client in front: what is forwarded and passed back, what is recorded and how, the upstream's
// failures, TLS, id prefixes across appends, the idle flush, concurrency, and that a recording
// replays green against a fresh mock.
#include <httplib.h>

#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"
#include "test_certificate.hpp"
#include "test_server.hpp"
#include "test_support.hpp"

#include <alguna/contract/recording_proxy.hpp>
#include <alguna/contract/replay.hpp>

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

const std::string kProxyKey = "sk_test_ProxySecret0123456789abcdef";
const char* const kProxyKeyEnv = "ALGUNA_CONTRACT_PROXY_TEST_KEY";

std::unique_ptr<MockServer> start_mock(const MockServerOptions& options = {}) {
  auto server = MockServer::start(options);
  if (!server) FAIL("MockServer::start: " << server.error().message);
  return std::move(server).value();
}

std::unique_ptr<RecordingProxy> start_proxy(RecordingProxyOptions options) {
  auto proxy = RecordingProxy::start(std::move(options));
  if (!proxy) FAIL("RecordingProxy::start: " << proxy.error().message);
  return std::move(proxy).value();
}

httplib::Headers api_headers(const std::string& idempotency_key = "") {
  httplib::Headers headers = {{"Authorization", "Bearer " + kProxyKey}, {"Alguna-Version", "2026-04-01"}};
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  return headers;
}

httplib::Result patch(httplib::Client& client, const std::string& path, const std::string& body,
                      const std::string& idempotency_key = "") {
  return client.Patch(path.c_str(), api_headers(idempotency_key), body, "application/json");
}

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::vector<Scenario> scenarios_in(const std::string& path) {
  std::vector<Scenario> scenarios;
  std::size_t number = 0;
  for (const std::string& line : lines_of(path)) {
    auto scenario = parse_scenario(line, path, ++number);
    if (!scenario) FAIL(scenario.error().message);
    scenarios.push_back(std::move(scenario).value());
  }
  return scenarios;
}

// Replays `scenarios` in order on one connection against a fresh mock: a recording is one
// account's history, so it runs in order with one key.
void replay_green(const std::vector<Scenario>& scenarios) {
  auto mock = start_mock();
  REQUIRE(::setenv(kProxyKeyEnv, kProxyKey.c_str(), 1) == 0);
  ReplayOptions options;
  options.base_url = mock->url();
  options.api_key_env = kProxyKeyEnv;
  options.timeout = milliseconds(5000);
  auto replayer = Replayer::create(options);
  REQUIRE(replayer);
  auto session = replayer->session();
  for (const Scenario& scenario : scenarios) {
    const ScenarioResult result = session.run(scenario);
    INFO(scenario.id << ": " << scenario.description << " " << result.error);
    for (const StepResult& step : result.steps) {
      for (const Failure& failure : step.failures) INFO(failure.check << " " << failure.path << ": " << failure.message);
    }
    CHECK(result.outcome == Outcome::passed);
  }
}

// Polls until `done` or `limit` passes.
template <class Predicate>
bool eventually(Predicate done, milliseconds limit = milliseconds(5000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

}  // namespace

TEST_CASE("recording proxy: forwards a session, records it without the key, and the file replays green",
          "[proxy]") {
  TempDir dir;
  auto upstream = start_mock();
  RecordingProxyOptions options;
  options.upstream = upstream->url();
  options.out_file = dir / "recorded.jsonl";
  options.id_prefix = "session";
  auto proxy = start_proxy(options);
  httplib::Client client("127.0.0.1", proxy->port());

  const std::string rename = R"({"name": "Acme Renamed"})";
  auto first = patch(client, "/customers/cust_abc123", rename, "ik_proxy_test_1");
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(json::parse(first->body)["name"] == "Acme Renamed");
  CHECK(first->get_header_value("Idempotent-Replayed") == "false");
  auto again = patch(client, "/customers/cust_abc123", rename, "ik_proxy_test_1");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->get_header_value("Idempotent-Replayed") == "true");
  auto mismatch = patch(client, "/customers/cust_abc123", R"({"name": "Other"})", "ik_proxy_test_1");
  REQUIRE(mismatch);
  CHECK(mismatch->status == 422);
  auto got = client.Get("/customers/acme", api_headers());
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(json::parse(got->body)["name"] == "Acme Renamed");
  auto bad_currency = patch(client, "/customers/cust_abc123", R"({"currency": "XYZ"})");
  REQUIRE(bad_currency);
  CHECK(bad_currency->status == 422);
  auto anonymous = client.Patch("/customers/cust_abc123", httplib::Headers{{"Alguna-Version", "2026-04-01"}}, rename,
                                "application/json");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  auto other_path = client.Get("/health", api_headers());
  REQUIRE(other_path);
  CHECK(other_path->status == 404);  // the mock's answer, passed back

  const RecordingProxyStats stats = proxy->stop();
  CHECK(stats.requests == 7);
  CHECK(stats.forwarded == 7);
  CHECK(stats.failed == 0);
  CHECK(stats.recorder.kept == 6);
  CHECK(stats.recorder.skipped_other_path == 1);
  CHECK(stats.written == 4);  // the three with one key are one scenario
  CHECK(stats.write_errors == 0);

  const std::string text = read_file_text(options.out_file);
  CHECK(text.find(kProxyKey) == std::string::npos);
  CHECK(text.find("ik_proxy_test_1") == std::string::npos);
  CHECK(text.find("${ALGUNA_API_KEY}") != std::string::npos);
  CHECK(text.find("${IDEMPOTENCY_KEY}") != std::string::npos);
  const std::vector<Scenario> scenarios = scenarios_in(options.out_file);
  REQUIRE(scenarios.size() == 4);
  CHECK(scenarios[0].id == "session-1");
  CHECK(scenarios[0].steps.size() == 3);
  CHECK(scenarios[0].steps[1].response.headers.at("Idempotent-Replayed") == "true");
  CHECK(scenarios[0].steps[2].response.status.code == 422);
  CHECK(scenarios[1].steps[0].request.method == "GET");
  CHECK(scenarios[2].steps[0].response.status.code == 422);
  CHECK(scenarios[3].steps[0].response.status.code == 401);
  CHECK(scenarios[3].steps[0].request.headers.count("Authorization") == 0);

  replay_green(scenarios);
}

TEST_CASE("recording proxy: hop-by-hop fields stay behind, Host is the upstream's, the body goes whole",
          "[proxy]") {
  std::mutex mutex;
  httplib::Headers seen;
  std::string seen_body;
  TestServer upstream([&](httplib::Server& server) {
    server.Patch("/customers/x", [&](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        seen = req.headers;
        seen_body = req.body;
      }
      res.set_header("X-Upstream", "yes");
      res.set_content(R"({"status": 404, "detail": "no such customer"})", "application/json");
      res.status = 404;
    });
  });
  RecordingProxyOptions options;
  options.upstream = upstream.url() + "/";
  auto proxy = start_proxy(options);
  CHECK(proxy->upstream() == upstream.url());

  httplib::Client client("127.0.0.1", proxy->port());
  httplib::Headers headers = api_headers("ik_hop");
  headers.emplace("Connection", "X-Private, keep-alive");
  headers.emplace("X-Private", "connection-only");
  headers.emplace("TE", "trailers");
  headers.emplace("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");
  headers.emplace("X-End-To-End", "kept");
  auto answer = client.Patch("/customers/x", headers, R"({"name": "A"})", "application/json");
  REQUIRE(answer);
  CHECK(answer->status == 404);
  CHECK(answer->get_header_value("X-Upstream") == "yes");
  CHECK(json::parse(answer->body)["detail"] == "no such customer");

  std::lock_guard<std::mutex> lock(mutex);
  CHECK(seen.count("X-Private") == 0);
  CHECK(seen.count("TE") == 0);
  CHECK(seen.count("Proxy-Authorization") == 0);
  for (auto it = seen.lower_bound("Connection"); it != seen.upper_bound("Connection"); ++it) {
    CHECK(it->second.find("X-Private") == std::string::npos);
  }
  CHECK(seen.find("X-End-To-End")->second == "kept");
  CHECK(seen.find("Authorization")->second == "Bearer " + kProxyKey);
  CHECK(seen.find("Idempotency-Key")->second == "ik_hop");
  CHECK(seen.find("Host")->second == "127.0.0.1:" + std::to_string(upstream.port()));
  CHECK(seen.find("Content-Length")->second == "13");
  CHECK(seen_body == R"({"name": "A"})");
  // libcurl offers the codings it can undo: the recording then holds the decoded body.
  CHECK(seen.find("Accept-Encoding")->second.find("gzip") != std::string::npos);
}

TEST_CASE("recording proxy: a compressed answer is passed back and recorded decoded", "[proxy]") {
  TempDir dir;
  auto upstream = start_mock();  // gzips its JSON for a client that accepts it
  RecordingProxyOptions options;
  options.upstream = upstream->url();
  options.out_file = dir / "out.jsonl";
  auto proxy = start_proxy(options);
  httplib::Client client("127.0.0.1", proxy->port());
  auto got = client.Get("/customers/acme", api_headers());
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(json::parse(got->body)["id"] == "cust_abc123");
  proxy->stop();
  const std::vector<Scenario> scenarios = scenarios_in(options.out_file);
  REQUIRE(scenarios.size() == 1);
  REQUIRE(scenarios[0].steps[0].response.body);
  CHECK((*scenarios[0].steps[0].response.body)["id"] == "cust_abc123");
}

TEST_CASE("recording proxy: HEAD is forwarded as HEAD and answered at once, without waiting for a body",
          "[proxy]") {
  TempDir dir;
  std::mutex mutex;
  std::vector<std::string> methods;
  TestServer upstream([&](httplib::Server& server) {
    // httplib answers HEAD with this handler's headers and no body; a proxy that forwarded it as
    // a GET, or waited for the Content-Length it announces, would hang or send the body.
    server.Get("/customers/x", [&](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        methods.push_back(req.method);
      }
      res.set_header("X-Upstream", "yes");
      res.set_content(R"({"id": "x"})", "application/json");
    });
  });
  RecordingProxyOptions options;
  options.upstream = upstream.url();
  options.out_file = dir / "out.jsonl";
  options.timeout = milliseconds(3000);
  auto proxy = start_proxy(options);
  httplib::Client client("127.0.0.1", proxy->port());
  client.set_read_timeout(std::chrono::seconds(2));  // below the proxy's upstream timeout

  auto head = client.Head("/customers/x", api_headers());
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->get_header_value("X-Upstream") == "yes");
  CHECK(head->body.empty());
  auto get = client.Get("/customers/x", api_headers());  // the same connection still works
  REQUIRE(get);
  CHECK(json::parse(get->body)["id"] == "x");
  {
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(methods == std::vector<std::string>{"HEAD", "GET"});
  }

  const RecordingProxyStats stats = proxy->stop();
  CHECK(stats.failed == 0);
  const std::vector<Scenario> scenarios = scenarios_in(options.out_file);
  REQUIRE(scenarios.size() == 2);
  CHECK(scenarios[0].steps[0].request.method == "HEAD");
  CHECK(scenarios[0].steps[0].response.status.code == 200);
  CHECK_FALSE(scenarios[0].steps[0].response.body.has_value());
  CHECK(scenarios[1].steps[0].request.method == "GET");
}

TEST_CASE("recording proxy: an upstream that is down gets 502, one that is slow 504, neither recorded",
          "[proxy]") {
  TempDir dir;
  int closed_port = 0;
  {
    auto gone = start_mock();
    closed_port = gone->port();
  }
  RecordingProxyOptions options;
  options.upstream = "http://127.0.0.1:" + std::to_string(closed_port);
  options.out_file = dir / "out.jsonl";
  auto proxy = start_proxy(options);
  httplib::Client client("127.0.0.1", proxy->port());
  auto answer = patch(client, "/customers/cust_abc123", R"({"name": "A"})");
  REQUIRE(answer);
  CHECK(answer->status == 502);
  CHECK(answer->get_header_value("Content-Type") == "application/json");
  CHECK(answer->get_header_value("Proxy-Status") == "alguna-contract; error=connection_refused");
  const json body = json::parse(answer->body);
  CHECK(body["status"] == 502);
  CHECK(body["detail"].get<std::string>().find("could not connect") != std::string::npos);
  CHECK(answer->body.find(kProxyKey) == std::string::npos);
  RecordingProxyStats stats = proxy->stop();
  CHECK(stats.failed == 1);
  CHECK(stats.forwarded == 0);
  CHECK(stats.recorder.exchanges == 0);
  CHECK(lines_of(options.out_file).empty());

  MockServerOptions slow;
  slow.mock.latency = milliseconds(1500);
  auto slow_upstream = start_mock(slow);
  options.upstream = slow_upstream->url();
  options.timeout = milliseconds(200);
  options.id_prefix = "slow";
  auto slow_proxy = start_proxy(options);
  httplib::Client slow_client("127.0.0.1", slow_proxy->port());
  auto late = slow_client.Get("/customers/acme", api_headers());
  REQUIRE(late);
  CHECK(late->status == 504);
  CHECK(late->get_header_value("Proxy-Status") == "alguna-contract; error=http_response_timeout");
  stats = slow_proxy->stop();
  CHECK(stats.failed == 1);
  CHECK(lines_of(options.out_file).empty());
}

TEST_CASE("recording proxy: an https upstream is verified, with ca_file trusting a test certificate", "[proxy]") {
  TempDir dir;
  const TestCertificate certificate = make_test_certificate(dir);
  MockServerOptions tls;
  tls.tls_cert_file = certificate.cert_file;
  tls.tls_key_file = certificate.key_file;
  auto upstream = start_mock(tls);
  REQUIRE(upstream->url().rfind("https://", 0) == 0);

  RecordingProxyOptions options;
  options.upstream = upstream->url();
  options.out_file = dir / "out.jsonl";
  options.id_prefix = "untrusted";
  {
    auto proxy = start_proxy(options);  // the system's CAs only
    httplib::Client client("127.0.0.1", proxy->port());
    auto answer = client.Get("/customers/acme", api_headers());
    REQUIRE(answer);
    CHECK(answer->status == 502);
    CHECK(answer->get_header_value("Proxy-Status").find("error=tls_") != std::string::npos);
  }
  options.ca_file = certificate.cert_file;
  options.id_prefix = "trusted";
  auto proxy = start_proxy(options);
  httplib::Client client("127.0.0.1", proxy->port());
  auto answer = patch(client, "/customers/cust_abc123", R"({"name": "Over TLS"})", "ik_tls");
  REQUIRE(answer);
  CHECK(answer->status == 200);
  proxy->stop();
  const std::vector<Scenario> scenarios = scenarios_in(options.out_file);
  REQUIRE(scenarios.size() == 1);
  CHECK(scenarios[0].id == "trusted-1");
  replay_green(scenarios);
}

TEST_CASE("recording proxy: ids stay unique when runs append to one file", "[proxy]") {
  TempDir dir;
  auto upstream = start_mock();
  RecordingProxyOptions options;
  options.upstream = upstream->url();
  options.out_file = dir / "out.jsonl";
  std::set<std::string> prefixes;
  for (int run = 0; run < 3; ++run) {
    auto proxy = start_proxy(options);
    prefixes.insert(proxy->id_prefix());
    CHECK(proxy->id_prefix().rfind("recorded-", 0) == 0);
    httplib::Client client("127.0.0.1", proxy->port());
    auto answer = patch(client, "/customers/cust_abc123", R"({"name": "Run )" + std::to_string(run) + R"("})");
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(proxy->stop().written == 1);
  }
  CHECK(prefixes.size() == 3);  // within one second: "-2", "-3" added
  const std::vector<Scenario> scenarios = scenarios_in(options.out_file);
  REQUIRE(scenarios.size() == 3);
  std::set<std::string> ids;
  for (const Scenario& scenario : scenarios) ids.insert(scenario.id);
  CHECK(ids.size() == 3);
  replay_green(scenarios);

  // A prefix the file already uses, given explicitly, is refused.
  options.id_prefix = *prefixes.begin();
  auto refused = RecordingProxy::start(options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::invalid_argument);
  CHECK(refused.error().message.find("already holds") != std::string::npos);
}

TEST_CASE("recording proxy: a pending scenario is written after the idle period, or by flush()", "[proxy]") {
  TempDir dir;
  auto upstream = start_mock();
  RecordingProxyOptions options;
  options.upstream = upstream->url();
  options.out_file = dir / "out.jsonl";
  options.idle_flush = milliseconds(200);
  auto proxy = start_proxy(options);
  httplib::Client client("127.0.0.1", proxy->port());
  REQUIRE(patch(client, "/customers/cust_abc123", R"({"name": "A"})", "ik_idle"));
  CHECK(lines_of(options.out_file).empty());  // pending: the next request may share its key
  CHECK(eventually([&] { return lines_of(options.out_file).size() == 1; }));

  options.idle_flush = milliseconds(0);
  options.id_prefix = "manual";
  auto manual = start_proxy(options);
  httplib::Client manual_client("127.0.0.1", manual->port());
  REQUIRE(patch(manual_client, "/customers/cust_abc123", R"({"name": "B"})", "ik_manual"));
  std::this_thread::sleep_for(milliseconds(300));
  CHECK(lines_of(options.out_file).size() == 1);
  manual->flush();
  CHECK(lines_of(options.out_file).size() == 2);
}

TEST_CASE("recording proxy: refuses to carry keys in clear off loopback, and bad options", "[proxy]") {
  TempDir dir;
  RecordingProxyOptions options;
  options.upstream = "http://api.example.com";
  auto refused = RecordingProxy::start(options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::invalid_argument);
  CHECK(refused.error().message.find("plain http") != std::string::npos);

  options.upstream = "http://127.0.0.1:1";
  options.host = "0.0.0.0";
  refused = RecordingProxy::start(options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("not loopback") != std::string::npos);

  options.host = "127.0.0.1";
  options.upstream = "ftp://127.0.0.1";
  CHECK(RecordingProxy::start(options).error().code == Errc::invalid_argument);
  options.upstream = "http://127.0.0.1:1/v1";
  CHECK(RecordingProxy::start(options).error().code == Errc::invalid_argument);

  options.upstream = "http://127.0.0.1:1";
  options.out_file = dir / "missing-dir/out.jsonl";
  refused = RecordingProxy::start(options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::io_error);

  options.allow_insecure_http = true;
  options.out_file.clear();
  options.upstream = "http://api.example.com";
  CHECK(RecordingProxy::start(options));
}

TEST_CASE("recording proxy: concurrent clients, every exchange recorded once, in completion order",
          "[proxy][threads]") {
  TempDir dir;
  auto upstream = start_mock();
  RecordingProxyOptions options;
  options.upstream = upstream->url();
  options.out_file = dir / "out.jsonl";
  std::mutex seen_mutex;
  std::vector<std::string> seen;
  options.on_scenario = [&](const Scenario& scenario) {
    std::lock_guard<std::mutex> lock(seen_mutex);
    seen.push_back(scenario.id);
  };
  auto proxy = start_proxy(options);
  constexpr int kThreads = 6;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", proxy->port());
      for (int i = 0; i < kEach; ++i) {
        auto answer = client.Get("/customers/acme", api_headers());
        if (answer && answer->status == 200) ++ok[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const RecordingProxyStats stats = proxy->stop();
  for (int t = 0; t < kThreads; ++t) CHECK(ok[t] == kEach);
  CHECK(stats.written == kThreads * kEach);
  const std::vector<std::string> lines = lines_of(options.out_file);
  REQUIRE(lines.size() == kThreads * kEach);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json scenario = json::parse(lines[i]);
    ids.insert(scenario["id"].get<std::string>());
    std::lock_guard<std::mutex> lock(seen_mutex);
    CHECK(seen[i] == scenario["id"]);  // written in the order completed, numbered in it
    CHECK(scenario["id"] == proxy->id_prefix() + "-" + std::to_string(i + 1));
  }
  CHECK(ids.size() == lines.size());
}
