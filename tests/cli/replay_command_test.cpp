// `alguna-contract replay` as a user runs it: exit codes, stdout/stderr, the JSON and JUnit
// reports, -j ordering, sharding, tags, corpus errors before sending, a server that dies mid-run,
// timeouts, retries, HTTPS with --ca-file, the terminal's progress bar and NO_COLOR, and the API key
// never appearing in any output. Endpoints that misbehave are httplib servers on 127.0.0.1, port 0.
#include <httplib.h>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/mock.hpp>

#include "cli_run.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"
#include "test_server.hpp"

using cli_test::read_file;
using cli_test::run_cli;
using cli_test::run_cli_in_terminal;
using cli_test::write_file;
using alguna::contract::testing::TempDir;
using alguna::contract::testing::TestServer;
using nlohmann::json;

namespace {

const std::string kBundled = std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/corpus/scenarios";
const char* const kKeyEnv = "ALGUNA_CONTRACT_CLI_REPLAY_KEY";
const std::string kKey = "sk_live_CliReplaySecret9876543210";

void set_key() { REQUIRE(::setenv(kKeyEnv, kKey.c_str(), 1) == 0); }

const json kHeaders = {{"Alguna-Version", "2026-04-01"},
                       {"Authorization", "Bearer ${ALGUNA_API_KEY}"},
                       {"Idempotency-Key", "${IDEMPOTENCY_KEY}"},
                       {"Content-Type", "application/json"}};

// One scenario line: PATCH cust_abc123 with a new name, expecting it back.
json rename_scenario(const std::string& id, const std::string& name = "Acme Corp",
                     const std::string& path = "/customers/cust_abc123") {
  return {{"id", id},
          {"tags", {"positive"}},
          {"request", {{"method", "PATCH"}, {"path", path}, {"headers", kHeaders}, {"body", {{"name", name}}}}},
          {"response", {{"status", 200}, {"body", {{"id", "cust_abc123"}, {"name", name}}}}}};
}

std::string jsonl(const std::vector<json>& scenarios) {
  std::string text;
  for (const auto& scenario : scenarios) text += scenario.dump() + '\n';
  return text;
}

std::vector<std::string> ids_in(const json& report) {
  std::vector<std::string> ids;
  for (const auto& scenario : report.at("scenarios")) ids.push_back(scenario.at("id").get<std::string>());
  return ids;
}

std::vector<std::string> corpus_ids(const std::string& path) {
  std::vector<std::string> ids;
  std::istringstream lines(read_file(path));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) ids.push_back(json::parse(line).at("id").get<std::string>());
  }
  return ids;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Answers every PATCH with the doc's customer, renamed as asked; counts requests.
struct CountingEndpoint {
  std::atomic<int> requests{0};
  TestServer server{[this](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      ++requests;
      json body = json::parse(req.body, nullptr, false);
      json customer = alguna::contract::default_customer();
      if (body.is_object() && body.contains("name")) customer["name"] = body["name"];
      res.set_content(customer.dump(), "application/json");
    });
  }};
};

}  // namespace

TEST_CASE("replay: the bundled corpus passes against the embedded mock, serial and parallel", "[cli][replay]") {
  for (const char* jobs : {"1", "8"}) {
    INFO("-j " << jobs);
    const auto result = run_cli({"replay", kBundled, "-j", jobs});
    INFO(result.out << result.err);
    CHECK(result.exit_code == 0);
    // A passing run prints only the summary on stdout.
    REQUIRE(result.out_lines().size() == 1);
    CHECK(result.out.rfind("32 scenarios: 32 passed, 0 failed, 0 errors", 0) == 0);
    CHECK(contains(result.out, "with the embedded mock at http://127.0.0.1:"));
    CHECK(result.err.empty());  // no progress bar when stderr is not a terminal, no warnings
  }
}

TEST_CASE("replay: every scenario starts from the mock's initial state, whatever runs beside it", "[cli][replay]") {
  // Each scenario renames the same customer and expects its own name back, and 'untouched' expects
  // the seed name: on one shared state they would see each other's writes.
  TempDir dir;
  std::vector<json> scenarios;
  for (int i = 0; i < 40; ++i) {
    scenarios.push_back(rename_scenario("rename-" + std::to_string(i), "Name " + std::to_string(i)));
    json untouched = rename_scenario("untouched-" + std::to_string(i));
    untouched["request"]["body"] = {{"currency", "EUR"}};
    untouched["response"]["body"] = {{"name", "Acme Corp"}, {"currency", "EUR"}};
    scenarios.push_back(untouched);
  }
  write_file(dir / "c.jsonl", jsonl(scenarios));
  const auto result = run_cli({"replay", dir / "c.jsonl", "-j", "8"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out.rfind("80 scenarios: 80 passed", 0) == 0);
}

TEST_CASE("replay: the JSON report has the documented shape, in corpus order under -j", "[cli][replay][report]") {
  TempDir dir;
  std::vector<json> scenarios;
  for (int i = 0; i < 30; ++i) {
    json scenario = rename_scenario("s" + std::to_string(i), "N" + std::to_string(i));
    if (i % 7 == 3) scenario["response"]["status"] = 201;  // fails: the mock answers 200
    scenarios.push_back(scenario);
  }
  scenarios[5]["description"] = "with a description";
  write_file(dir / "c.jsonl", jsonl(scenarios));
  const auto result = run_cli({"replay", dir / "c.jsonl", "-j", "8", "--report", dir / "report.json"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "report.json.partial"));
  CHECK_FALSE(std::filesystem::exists(dir / "report.json.tmp"));
  const json report = json::parse(read_file(dir / "report.json"));
  const json& summary = report.at("summary");
  CHECK(summary.at("total") == 30);
  CHECK(summary.at("passed") == 26);
  CHECK(summary.at("failed") == 4);
  CHECK(summary.at("errors") == 0);
  CHECK(summary.at("duration_ms").is_number_integer());
  CHECK(summary.at("exchanges") == 30);
  CHECK(ids_in(report) == corpus_ids(dir / "c.jsonl"));
  const json& failed = report.at("scenarios").at(3);
  CHECK(failed.at("status") == "failed");
  CHECK(failed.at("source") == dir / "c.jsonl" + ":4");
  CHECK(failed.at("duration_ms").is_number_integer());
  REQUIRE(failed.at("steps").size() == 1);
  CHECK(failed.at("steps")[0].at("status_code") == 200);
  const json& failure = failed.at("steps")[0].at("failures").at(0);
  CHECK(failure == json{{"check", "status"}, {"path", ""}, {"expected", "201"}, {"actual", "200"},
                        {"message", "expected status 201, got 200"}});
  CHECK(report.at("scenarios").at(5).at("description") == "with a description");
  CHECK(report.at("scenarios").at(0).at("status") == "passed");
  CHECK(report.at("scenarios").at(0).at("tags") == json{"positive"});

  // stdout: one line per failed scenario with its failures, in corpus order, then the summary.
  const auto lines = result.out_lines();
  std::vector<std::string> failed_ids;
  for (const auto& line : lines) {
    if (line.rfind("FAIL  ", 0) == 0) failed_ids.push_back(line.substr(6, line.find(' ', 6) - 6));
  }
  CHECK(failed_ids == std::vector<std::string>{"s3", "s10", "s17", "s24"});
  REQUIRE(lines.size() == 5);
  const std::string prefix = "FAIL  s3  (" + dir / "c.jsonl" + ":4, ";
  const std::string suffix = " ms): step 1 [status] expected status 201, got 200";
  CHECK(lines[0].rfind(prefix, 0) == 0);
  CHECK(lines[0].size() > prefix.size() + suffix.size());
  CHECK(lines[0].compare(lines[0].size() - suffix.size(), suffix.size(), suffix) == 0);
  CHECK(lines.back().rfind("30 scenarios: 26 passed, 4 failed, 0 errors", 0) == 0);
}

TEST_CASE("replay: the JUnit report is well-formed XML with one testcase per scenario", "[cli][replay][report]") {
  TempDir dir;
  std::vector<json> scenarios{rename_scenario("ok"), rename_scenario("fails <&> \"quoted\""),
                              rename_scenario("control \x01 char")};
  scenarios[1]["response"]["body"]["name"] = "Not <this> & \"that\"";
  scenarios[2]["response"]["status"] = 404;
  write_file(dir / "c.jsonl", jsonl(scenarios));
  const auto result = run_cli({"replay", dir / "c.jsonl", "-j", "2", "--junit", dir / "junit.xml"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  const std::string xml = read_file(dir / "junit.xml");
  INFO(xml);
  // xmllint (libxml2-utils, installed by scripts/setup.sh) is the independent judge of well-formedness.
  const std::string check = "xmllint --noout '" + dir / "junit.xml" + "' 2>'" + dir / "xmllint.err" + "'";
  CHECK(std::system(check.c_str()) == 0);
  INFO(read_file(dir / "xmllint.err"));
  CHECK(contains(xml, "<testsuite name=\"alguna-contract replay\" tests=\"3\" failures=\"2\" errors=\"0\""));
  CHECK(contains(xml, "name=\"ok\""));
  CHECK(contains(xml, "name=\"fails &lt;&amp;&gt; &quot;quoted&quot;\""));
  CHECK(contains(xml, "name=\"control \xEF\xBF\xBD char\""));
  CHECK(contains(xml, "<failure message=\"1 failure, the first: [body] /name: expected"));
  CHECK(contains(xml, "expected status 404, got 200"));
}

TEST_CASE("replay: a malformed corpus is reported with file and line, and nothing is sent", "[cli][replay][corpus]") {
  set_key();
  CountingEndpoint endpoint;
  TempDir dir;
  write_file(dir / "a.jsonl", rename_scenario("one").dump() + "\n" + "{\"id\": \"broken\",\n" +
                                  rename_scenario("one").dump() + "\n" +  // duplicate id
                                  rename_scenario("uses-var", "${UNDEFINED}").dump() + "\n");
  write_file(dir / "b.json", "{\"id\": \"no-request\"}");
  const auto result =
      run_cli({"replay", dir.path(), "--base-url", endpoint.server.url(), "--api-key-env", kKeyEnv});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 2);
  CHECK(endpoint.requests == 0);
  CHECK(result.out.empty());
  CHECK(contains(result.err, dir / "a.jsonl" + ":2: "));
  CHECK(contains(result.err, dir / "a.jsonl" + ":3: duplicate id \"one\""));
  CHECK(contains(result.err, dir / "a.jsonl" + ":4: "));
  CHECK(contains(result.err, "${UNDEFINED}"));
  CHECK(contains(result.err, dir / "b.json" + ":1: "));
  CHECK(contains(result.err, "4 corpus errors; nothing was sent"));
}

TEST_CASE("replay: usage errors exit 2 before anything is sent", "[cli][replay][usage]") {
  set_key();
  CountingEndpoint endpoint;
  TempDir dir;
  write_file(dir / "c.jsonl", jsonl({rename_scenario("one")}));
  const std::string base = endpoint.server.url();
  const std::vector<std::vector<std::string>> cases = {
      {"replay"},
      {"replay", dir / "missing"},
      {"replay", dir / "c.jsonl", "--shard", "0/3"},
      {"replay", dir / "c.jsonl", "--shard", "4/3"},
      {"replay", dir / "c.jsonl", "--shard", "1/0"},
      {"replay", dir / "c.jsonl", "--shard", "a/b"},
      {"replay", dir / "c.jsonl", "-j", "0"},
      {"replay", dir / "c.jsonl", "--timeout", "0"},
      {"replay", dir / "c.jsonl", "--retries", "-1"},
      {"replay", dir / "c.jsonl", "--var", "novalue"},
      {"replay", dir / "c.jsonl", "--var", "ALGUNA_API_KEY=x"},
      {"replay", dir / "c.jsonl", "--api-key-env", "NOT-A-NAME"},
      {"replay", dir / "c.jsonl", "--base-url", "ftp://example.com"},
      {"replay", dir / "c.jsonl", "--check", "bodies"},
      {"replay", dir / "c.jsonl", "--check", "status,transport"},
      {"replay", dir / "c.jsonl", "--base-url", base, "--api-key-env", kKeyEnv, "--report", dir / "no/such/dir/r.json"},
      {"replay", dir / "c.jsonl", "--base-url", base, "--api-key-env", "ALGUNA_CONTRACT_UNSET_VARIABLE"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& arg : args) joined += arg + ' ';
    INFO(joined);
    const auto result = run_cli(args);
    INFO(result.out << result.err);
    CHECK(result.exit_code == 2);
    CHECK_FALSE(result.err.empty());
  }
  CHECK(endpoint.requests == 0);
  // The unset key is named, with where the corpus first uses it.
  const auto unset = run_cli({"replay", dir / "c.jsonl", "--base-url", base, "--api-key-env",
                              "ALGUNA_CONTRACT_UNSET_VARIABLE"});
  CHECK(contains(unset.err, "ALGUNA_CONTRACT_UNSET_VARIABLE is not set"));
  CHECK(contains(unset.err, dir / "c.jsonl" + ":1"));
}

TEST_CASE("replay: --shard I/N partitions the corpus exactly; --tag selects", "[cli][replay][shard]") {
  TempDir dir;
  std::vector<json> scenarios;
  for (int i = 0; i < 60; ++i) {
    json scenario = rename_scenario("scenario-" + std::to_string(i));
    if (i % 4 == 0) scenario["tags"] = {"smoke"};
    scenarios.push_back(scenario);
  }
  write_file(dir / "c.jsonl", jsonl(scenarios));
  std::multiset<std::string> seen;
  for (int shard = 1; shard <= 3; ++shard) {
    const std::string report = dir / ("shard" + std::to_string(shard) + ".json");
    const auto result = run_cli({"replay", dir / "c.jsonl", "--shard", std::to_string(shard) + "/3", "--report", report});
    INFO(result.out << result.err);
    CHECK(result.exit_code == 0);
    const json parsed = json::parse(read_file(report));
    const auto ids = ids_in(parsed);
    CHECK_FALSE(ids.empty());  // 60 ids over 3 shards: none is empty with this hash
    CHECK(parsed.at("summary").at("not_selected") == 60 - ids.size());
    seen.insert(ids.begin(), ids.end());
    // The same shard twice gives the same scenarios (the hash is stable).
    CHECK(run_cli({"replay", dir / "c.jsonl", "--shard", std::to_string(shard) + "/3", "--report", report}).exit_code == 0);
    CHECK(ids_in(json::parse(read_file(report))) == ids);
  }
  const auto all = corpus_ids(dir / "c.jsonl");
  CHECK(seen == std::multiset<std::string>(all.begin(), all.end()));

  const auto tagged = run_cli({"replay", dir / "c.jsonl", "--tag", "smoke", "--report", dir / "tagged.json"});
  INFO(tagged.out << tagged.err);
  CHECK(tagged.exit_code == 0);
  CHECK(contains(tagged.out, "15 scenarios: 15 passed, 0 failed, 0 errors, 45 not selected"));
  for (const auto& id : ids_in(json::parse(read_file(dir / "tagged.json")))) {
    CHECK(std::stoi(id.substr(9)) % 4 == 0);
  }

  const auto excluded = run_cli({"replay", dir / "c.jsonl", "--exclude-tag", "smoke", "--report", dir / "excluded.json"});
  INFO(excluded.out << excluded.err);
  CHECK(excluded.exit_code == 0);
  CHECK(contains(excluded.out, "45 scenarios: 45 passed, 0 failed, 0 errors, 15 not selected"));
  for (const auto& id : ids_in(json::parse(read_file(dir / "excluded.json")))) {
    CHECK(std::stoi(id.substr(9)) % 4 != 0);
  }
  // --tag and --exclude-tag together: tagged, and not excluded.
  const auto both = run_cli({"replay", dir / "c.jsonl", "--tag", "positive", "--exclude-tag", "smoke"});
  CHECK(both.exit_code == 0);
  CHECK(contains(both.out, "45 scenarios: 45 passed, 0 failed, 0 errors, 15 not selected"));
}

TEST_CASE("replay: --check judges only the named checks; a transport failure always counts", "[cli][replay]") {
  TempDir dir;
  // The embedded mock answers 200 with a valid Customer, but not the recorded name, header or status.
  json wrong_data = rename_scenario("wrong-data", "Acme Corp");
  wrong_data["response"]["body"]["name"] = "Someone Else";
  wrong_data["response"]["headers"] = {{"X-Recorded", "yes"}};
  json wrong_status = rename_scenario("wrong-status");
  wrong_status["response"]["status"] = 201;
  write_file(dir / "c.jsonl", jsonl({wrong_data, wrong_status}));

  const auto all_checks = run_cli({"replay", dir / "c.jsonl", "-j", "1"});
  INFO(all_checks.out << all_checks.err);
  CHECK(all_checks.exit_code == 1);
  CHECK(contains(all_checks.out, "wrong-data"));
  CHECK(contains(all_checks.out, "[body]"));
  CHECK(contains(all_checks.out, "[header]"));

  const auto status_schema = run_cli({"replay", dir / "c.jsonl", "-j", "1", "--check", "status,schema"});
  INFO(status_schema.out << status_schema.err);
  CHECK(status_schema.exit_code == 1);
  CHECK_FALSE(contains(status_schema.out, "wrong-data"));
  CHECK(contains(status_schema.out, "wrong-status"));
  CHECK(contains(status_schema.out, "2 scenarios: 1 passed, 1 failed"));

  // Repeated instead of comma-separated: the same.
  const auto repeated = run_cli({"replay", dir / "c.jsonl", "-j", "1", "--check", "schema", "--check", "body"});
  CHECK(repeated.exit_code == 1);
  CHECK(contains(repeated.out, "wrong-data"));
  CHECK_FALSE(contains(repeated.out, "wrong-status"));

  // Nothing listens on the port: a transport error whatever --check says.
  set_key();
  const auto nowhere = run_cli({"replay", dir / "c.jsonl", "--base-url", "http://127.0.0.1:1", "--api-key-env", kKeyEnv,
                                "--retries", "0", "--check", "schema"});
  CHECK(nowhere.exit_code == 1);
  CHECK(contains(nowhere.out, "0 passed"));
}

TEST_CASE("replay: a server that dies mid-run: every scenario is still reported, exit 1", "[cli][replay][transport]") {
  set_key();
  TempDir dir;
  std::vector<json> scenarios;
  for (int i = 0; i < 40; ++i) scenarios.push_back(rename_scenario("s" + std::to_string(i)));
  write_file(dir / "c.jsonl", jsonl(scenarios));

  CountingEndpoint endpoint;
  // The server goes away once it has answered ten requests.
  std::atomic<bool> done{false};
  std::thread killer([&] {
    while (!done && endpoint.requests < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    endpoint.server.stop();
  });
  // A slow answer, so that the run is still going when the server stops.
  const auto result = run_cli({"replay", dir / "c.jsonl", "--base-url", endpoint.server.url(), "--api-key-env",
                               kKeyEnv, "-j", "2", "--retries", "0", "--report", dir / "r.json", "--junit",
                               dir / "j.xml"});
  done = true;
  killer.join();
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  const json report = json::parse(read_file(dir / "r.json"));
  CHECK(report.at("summary").at("total") == 40);
  CHECK(ids_in(report) == corpus_ids(dir / "c.jsonl"));
  CHECK(report.at("summary").at("errors").get<int>() >= 1);
  CHECK(report.at("summary").at("passed").get<int>() + report.at("summary").at("errors").get<int>() == 40);
  std::size_t errors = 0;
  for (const auto& scenario : report.at("scenarios")) {
    if (scenario.at("status") != "error") continue;
    ++errors;
    CHECK(scenario.at("steps").at(0).at("failures").at(0).at("check") == "transport");
    // Refused, or reset on a kept-alive connection as the server went: either way a transport error.
    CHECK(contains(scenario.at("error").get<std::string>(), endpoint.server.url() + "/customers/cust_abc123"));
  }
  CHECK(errors == report.at("summary").at("errors").get<std::size_t>());
  CHECK(contains(result.out, "ERROR "));
  CHECK(contains(read_file(dir / "j.xml"), "<error message="));
}

TEST_CASE("replay: --timeout ends a stalled request; --retries retries a 503 after its Retry-After", "[cli][replay][transport]") {
  set_key();
  TempDir dir;
  write_file(dir / "c.jsonl", jsonl({rename_scenario("one")}));
  std::atomic<int> calls{0};
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request&, httplib::Response& res) {
      if (calls++ % 2 == 0) {
        res.status = 503;
        res.set_header("Retry-After", "1");
        res.set_content(R"({"status":503,"detail":"busy"})", "application/json");
        return;
      }
      res.set_content(alguna::contract::default_customer().dump(), "application/json");
    });
  });
  const auto no_retry = run_cli({"replay", dir / "c.jsonl", "--base-url", server.url(), "--api-key-env", kKeyEnv,
                                 "--retries", "0"});
  INFO(no_retry.out << no_retry.err);
  CHECK(no_retry.exit_code == 1);
  CHECK(contains(no_retry.out, "expected status 200, got 503"));

  calls = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto retried = run_cli({"replay", dir / "c.jsonl", "--base-url", server.url(), "--api-key-env", kKeyEnv,
                                "--retries", "1"});
  INFO(retried.out << retried.err);
  CHECK(retried.exit_code == 0);
  CHECK(calls == 2);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::seconds(1));  // Retry-After: 1

  TestServer stalled([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      res.set_content("{}", "application/json");
    });
  });
  const auto timed_out = run_cli({"replay", dir / "c.jsonl", "--base-url", stalled.url(), "--api-key-env", kKeyEnv,
                                  "--timeout", "0.3", "--retries", "0"});
  INFO(timed_out.out << timed_out.err);
  CHECK(timed_out.exit_code == 1);
  CHECK(contains(timed_out.out, "ERROR one"));
  CHECK(contains(timed_out.out, "no complete answer"));
}

TEST_CASE("replay: the API key appears in no output, even when the endpoint echoes it", "[cli][replay][secrets]") {
  set_key();
  TempDir dir;
  json scenario = rename_scenario("echo");
  scenario["response"]["headers"] = {{"X-Seen", "something else"}};
  json second = rename_scenario("echo-2");
  second["response"]["body"]["name"] = "expected name";
  write_file(dir / "c.jsonl", jsonl({scenario, second}));
  TestServer echo([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
      const std::string authorization = req.get_header_value("Authorization");
      json customer = alguna::contract::default_customer();
      customer["name"] = authorization;  // the key comes back in the body...
      res.set_header("X-Seen", authorization);  // ...and in a header
      res.set_content(customer.dump(), "application/json");
    });
  });
  const auto result = run_cli({"replay", dir / "c.jsonl", "--base-url", echo.url(), "--api-key-env", kKeyEnv,
                               "--report", dir / "r.json", "--junit", dir / "j.xml"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  const std::string report = read_file(dir / "r.json");
  const std::string junit = read_file(dir / "j.xml");
  for (const std::string* text : {&result.out, &result.err, &report, &junit}) {
    CHECK_FALSE(contains(*text, kKey));
    CHECK_FALSE(contains(*text, kKey.substr(0, 12)));  // nor a shortened copy
  }
  CHECK(contains(result.out, "Bearer ***"));
  CHECK(contains(report, "Bearer ***"));
}

TEST_CASE("replay: an API key goes over plain http only to loopback, unless --allow-insecure-http", "[cli][replay][secrets]") {
  set_key();
  TempDir dir;
  write_file(dir / "c.jsonl", jsonl({rename_scenario("remote")}));
  // A name under .invalid never resolves (RFC 6761): with the flag, the attempt fails in transport.
  const std::vector<std::string> base = {"replay", dir / "c.jsonl", "--base-url", "http://alguna-contract.invalid:9",
                                         "--api-key-env", kKeyEnv, "--retries", "0", "--timeout", "2"};
  const auto refused = run_cli(base);
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(contains(refused.out, "ERROR remote"));
  CHECK(contains(refused.out, "refusing to send an API key over plain http to alguna-contract.invalid"));

  auto allowed_args = base;
  allowed_args.push_back("--allow-insecure-http");
  const auto allowed = run_cli(allowed_args);
  INFO(allowed.out << allowed.err);
  CHECK(allowed.exit_code == 1);
  CHECK(contains(allowed.out, "ERROR remote"));
  CHECK_FALSE(contains(allowed.out, "refusing"));
  CHECK(contains(allowed.out, "could not connect"));
}

TEST_CASE("replay: HTTPS against `alguna-contract serve` with a self-signed certificate and --ca-file", "[cli][replay][tls]") {
  set_key();
  TempDir dir;
  const auto certificate = alguna::contract::testing::make_test_certificate(dir);
  auto server = alguna::contract::MockServer::start([&] {
    alguna::contract::MockServerOptions options;
    options.tls_cert_file = certificate.cert_file;
    options.tls_key_file = certificate.key_file;
    return options;
  }());
  REQUIRE(server);
  const std::string url = (*server)->url();
  REQUIRE(url.rfind("https://127.0.0.1:", 0) == 0);
  write_file(dir / "c.jsonl", jsonl({rename_scenario("tls-1"), rename_scenario("tls-2")}));

  const auto trusted = run_cli({"replay", dir / "c.jsonl", "--base-url", url, "--api-key-env", kKeyEnv, "--ca-file",
                                certificate.cert_file});
  INFO(trusted.out << trusted.err);
  CHECK(trusted.exit_code == 0);
  CHECK(contains(trusted.out, "2 scenarios: 2 passed"));

  // Without the CA the certificate cannot be verified: each scenario errors, nothing is trusted.
  const auto untrusted = run_cli({"replay", dir / "c.jsonl", "--base-url", url, "--api-key-env", kKeyEnv, "--retries", "0"});
  INFO(untrusted.out << untrusted.err);
  CHECK(untrusted.exit_code == 1);
  CHECK(contains(untrusted.out, "2 scenarios: 0 passed, 0 failed, 2 errors"));
  (*server)->stop();
}

TEST_CASE("replay: a progress bar and colour on a terminal; NO_COLOR turns colour off", "[cli][replay][terminal]") {
  TempDir dir;
  std::vector<json> scenarios{rename_scenario("ok")};
  json failing = rename_scenario("bad");
  failing["response"]["status"] = 201;
  scenarios.push_back(failing);
  write_file(dir / "c.jsonl", jsonl(scenarios));

  const auto colored = run_cli_in_terminal({"replay", dir / "c.jsonl"}, {}, {"NO_COLOR"});
  INFO(colored.out);
  CHECK(colored.exit_code == 1);
  CHECK(contains(colored.out, "\x1b[31m"));  // FAIL and the summary in red
  CHECK(contains(colored.out, "/2 scenarios"));  // the progress bar
  CHECK(contains(colored.out, "2 scenarios: 1 passed, 1 failed"));

  const auto plain = run_cli_in_terminal({"replay", dir / "c.jsonl"}, {{"NO_COLOR", "1"}});
  INFO(plain.out);
  CHECK(plain.exit_code == 1);
  CHECK_FALSE(contains(plain.out, "\x1b[31m"));
  CHECK_FALSE(contains(plain.out, "\x1b[32m"));
  CHECK(contains(plain.out, "FAIL  bad"));
  CHECK(contains(plain.out, "2 scenarios: 1 passed, 1 failed"));
}

TEST_CASE("replay: memory stays flat as the corpus grows", "[cli][replay][memory]") {
  // Peak resident memory of a 10,000-scenario replay and of a 60,000-scenario one. What may grow
  // with the corpus is only the first pass's ids (well under 10 MB here); a replay that held
  // results, scenarios, or the mock's per-run accounts and idempotency records would grow by
  // tens of megabytes.
  TempDir dir;
  const auto corpus = [&](const std::string& name, int count) {
    std::ofstream out(dir / name, std::ios::binary);
    for (int i = 0; i < count; ++i) out << rename_scenario("s" + std::to_string(i), "N" + std::to_string(i)).dump() << '\n';
    REQUIRE(out.good());
    return dir / name;
  };
  const auto peak_kb = [&](const std::string& file) {
    const auto result = run_cli({"replay", file, "-j", "8", "--report", dir / "report.json"});
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    rusage usage{};
    REQUIRE(::getrusage(RUSAGE_CHILDREN, &usage) == 0);
    return static_cast<long>(usage.ru_maxrss);  // the largest child so far, in KB
  };
  const long small = peak_kb(corpus("small.jsonl", 10000));
  const long large = peak_kb(corpus("large.jsonl", 60000));
  INFO("peak RSS: 10,000 scenarios " << small << " KB, 60,000 scenarios " << large << " KB");
  CHECK(large - small < 30 * 1024);
}
