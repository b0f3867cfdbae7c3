// `alguna-contract record`, run as a process in front of `alguna-contract serve`, driven by the
// curl command (Debian's curl, scripts/setup.sh): the first line, the exchanges, SIGTERM and the
// summary, the file (no key, the variables in), and the file replayed green against a fresh serve.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "cli_run.hpp"
#include "temp_dir.hpp"
#include "test_certificate.hpp"

#include <alguna/contract/corpus.hpp>

using namespace alguna::contract;
using namespace alguna::contract::testing;
using cli_test::run_cli;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

const std::string kKey = "sk_test_RecordCliSecret0123456789";

std::vector<std::string> command(const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> all{ALGUNA_CONTRACT_CLI, name};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

// `alguna-contract serve --port 0 ARGS...`, and its URL.
struct Serve {
  explicit Serve(const std::vector<std::string>& args = {}) : child(command("serve", with_port(args)), true) {
    static const std::regex pattern(R"(listening on (https?://127\.0\.0\.1:[0-9]+))");
    std::smatch match;
    const std::string line = child.first_line();
    INFO(line << "\nstderr: " << child.err());
    REQUIRE(std::regex_match(line, match, pattern));
    url = match[1].str();
  }
  static std::vector<std::string> with_port(std::vector<std::string> args) {
    args.insert(args.begin(), {"--port", "0"});
    return args;
  }
  Child child;
  std::string url;
};

// `alguna-contract record --listen 127.0.0.1:0 ARGS...`; `first` is its first line.
struct Record {
  explicit Record(const std::vector<std::string>& args) : child(command("record", listen(args)), true) {
    first = child.first_line();
    static const std::regex pattern(R"(recording on http://127\.0\.0\.1:([0-9]+) -> .*)");
    std::smatch match;
    if (std::regex_match(first, match, pattern)) port = std::stoi(match[1].str());
  }
  static std::vector<std::string> listen(std::vector<std::string> args) {
    args.insert(args.begin(), {"--listen", "127.0.0.1:0"});
    return args;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  // SIGTERM, then the exit code (-1 if it did not exit by itself in time).
  int stop() {
    child.signal(SIGTERM);
    const Ended ended = child.wait(milliseconds(10000));
    return ended.exited && !ended.timed_out ? ended.code : -1;
  }
  Child child;
  std::string first;
  int port = 0;
};

struct CurlAnswer {
  int status = 0;
  std::string body;
};

// curl ARGS... URL: the status and the body.
CurlAnswer curl(const std::vector<std::string>& args, const std::string& url) {
  TempDir dir;
  std::vector<std::string> argv{"/usr/bin/curl", "-sS", "--max-time", "10", "-o", dir / "body", "-w", "%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  Child child(argv, false);
  const Ended ended = child.wait(milliseconds(15000));
  INFO("curl " << url << ": " << ended.describe() << " " << child.err());
  REQUIRE(ended.exited);
  CurlAnswer answer;
  answer.status = std::atoi(child.out().c_str());
  answer.body = read_file_text(dir / "body");
  return answer;
}

std::vector<std::string> api(const std::string& idempotency_key = "") {
  std::vector<std::string> args{"-H", "Authorization: Bearer " + kKey, "-H", "Alguna-Version: 2026-04-01"};
  if (!idempotency_key.empty()) args.insert(args.end(), {"-H", "Idempotency-Key: " + idempotency_key});
  return args;
}

std::vector<std::string> patch(std::vector<std::string> args, const std::string& body) {
  args.insert(args.end(), {"-X", "PATCH", "-H", "Content-Type: application/json", "--data-binary", body});
  return args;
}

std::vector<Scenario> scenarios_in(const std::string& path) {
  std::vector<Scenario> scenarios;
  std::size_t number = 0;
  std::istringstream lines(read_file_text(path));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto scenario = parse_scenario(line, path, ++number);
    if (!scenario) FAIL(scenario.error().message);
    scenarios.push_back(std::move(scenario).value());
  }
  return scenarios;
}

// `replay FILE --base-url (a fresh serve) -j 1` with the key in ALGUNA_API_KEY.
cli_test::RunResult replay_against_fresh_serve(const std::string& file) {
  Serve fresh;
  REQUIRE(::setenv("ALGUNA_API_KEY", kKey.c_str(), 1) == 0);
  cli_test::RunResult result = run_cli({"replay", file, "--base-url", fresh.url, "-j", "1"});
  ::unsetenv("ALGUNA_API_KEY");
  return result;
}

void require_curl() {
  if (::access("/usr/bin/curl", X_OK) != 0) FAIL("the curl command is missing: install Debian's curl (scripts/setup.sh)");
}

}  // namespace

TEST_CASE("record: curl calls through the proxy to serve are recorded, and the file replays green", "[record]") {
  require_curl();
  TempDir dir;
  const std::string file = dir / "session.jsonl";
  Serve upstream;
  Record record({"--upstream", upstream.url, "--out", file});
  INFO(record.first << "\nstderr: " << record.child.err());
  REQUIRE(record.port > 0);
  CHECK(record.first == "recording on " + record.url() + " -> " + upstream.url + " (to " + file + ")");

  const std::string customer = record.url() + "/customers/cust_abc123";
  const std::string rename = R"({"name": "Acme Renamed"})";
  CurlAnswer answer = curl(patch(api("ik_record_cli_1"), rename), customer);
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["name"] == "Acme Renamed");
  CHECK(curl(patch(api("ik_record_cli_1"), rename), customer).status == 200);  // replayed
  CHECK(curl(patch(api("ik_record_cli_1"), R"({"name": "Other"})"), customer).status == 422);
  answer = curl(api(), record.url() + "/customers/acme");
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["name"] == "Acme Renamed");
  CHECK(curl(patch(api(), R"({"currency": "XYZ"})"), customer).status == 422);
  CHECK(curl(patch({"-H", "Alguna-Version: 2026-04-01"}, rename), customer).status == 401);
  CHECK(curl(api(), record.url() + "/invoices/inv_1").status == 404);  // forwarded, not recorded
  // Compressed both ways: the client asks for gzip, the recording holds JSON.
  answer = curl({"--compressed", "-H", "Authorization: Bearer " + kKey, "-H", "Alguna-Version: 2026-04-01"},
                record.url() + "/customers/cust_abc123");
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["id"] == "cust_abc123");

  CHECK(record.stop() == 0);
  const std::string out = record.child.out();
  CHECK(out == record.first + "\n" +
                   "stopped: 8 requests, 8 forwarded, 0 not forwarded or not answered; 7 exchanges recorded in 5 "
                   "scenarios, 1 skipped (1 not /customers/{id})\n");
  const std::string err = record.child.err();
  CHECK(err.empty());

  const std::string text = read_file_text(file);
  CHECK(text.find(kKey) == std::string::npos);
  CHECK(text.find("ik_record_cli_1") == std::string::npos);
  CHECK(text.find("${ALGUNA_API_KEY}") != std::string::npos);
  CHECK(text.find("${IDEMPOTENCY_KEY}") != std::string::npos);
  const std::vector<Scenario> scenarios = scenarios_in(file);
  REQUIRE(scenarios.size() == 5);
  CHECK(scenarios[0].steps.size() == 3);
  CHECK(scenarios[0].id.rfind("recorded-", 0) == 0);

  const cli_test::RunResult replayed = replay_against_fresh_serve(file);
  INFO(replayed.out << replayed.err);
  CHECK(replayed.exit_code == 0);
  CHECK(replayed.out.find("5 scenarios: 5 passed, 0 failed, 0 errors") != std::string::npos);
  CHECK(replayed.out.find(kKey) == std::string::npos);
}

TEST_CASE("record: an upstream that is down gets 502 and nothing is recorded, and appending keeps ids unique",
          "[record]") {
  require_curl();
  TempDir dir;
  const std::string file = dir / "appended.jsonl";
  std::string down_url;
  {
    Serve gone;
    down_url = gone.url;
    gone.child.signal(SIGTERM);
    REQUIRE(gone.child.wait(milliseconds(5000)).exited);
  }
  {
    Record record({"--upstream", down_url, "--out", file});
    REQUIRE(record.port > 0);
    const CurlAnswer answer = curl(patch(api(), R"({"name": "A"})"), record.url() + "/customers/cust_abc123");
    CHECK(answer.status == 502);
    CHECK(json::parse(answer.body)["status"] == 502);
    CHECK(record.stop() == 0);
    CHECK(record.child.out().find("0 forwarded, 1 not forwarded or not answered; 0 exchanges recorded in 0 scenarios") !=
          std::string::npos);
    CHECK(read_file_text(file).empty());
  }

  Serve upstream;
  for (const std::string name : {"First run", "Second run"}) {
    Record record({"--upstream", upstream.url, "--out", file, "--tag", "appended"});
    REQUIRE(record.port > 0);
    CHECK(curl(patch(api(), R"({"name": ")" + name + R"("})"), record.url() + "/customers/cust_abc123").status == 200);
    CHECK(record.stop() == 0);
  }
  const std::vector<Scenario> scenarios = scenarios_in(file);
  REQUIRE(scenarios.size() == 2);
  CHECK(scenarios[0].id != scenarios[1].id);
  CHECK(scenarios[1].tags == std::vector<std::string>{"recorded", "appended", "positive"});
  const cli_test::RunResult replayed = replay_against_fresh_serve(file);
  INFO(replayed.out << replayed.err);
  CHECK(replayed.exit_code == 0);
  CHECK(replayed.out.find("2 scenarios: 2 passed") != std::string::npos);

  // An explicit prefix the file already uses is a usage error.
  const std::string used = scenarios[0].id.substr(0, scenarios[0].id.rfind('-'));
  const cli_test::RunResult refused =
      run_cli({"record", "--upstream", upstream.url, "--listen", "127.0.0.1:0", "--out", file, "--id-prefix", used});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("already holds") != std::string::npos);
}

TEST_CASE("record: an https upstream, trusted with --ca-file", "[record]") {
  require_curl();
  TempDir dir;
  const TestCertificate certificate = make_test_certificate(dir);
  Serve upstream({"--tls-cert", certificate.cert_file, "--tls-key", certificate.key_file});
  REQUIRE(upstream.url.rfind("https://", 0) == 0);
  const std::string file = dir / "tls.jsonl";
  Record record({"--upstream", upstream.url, "--out", file, "--ca-file", certificate.cert_file});
  REQUIRE(record.port > 0);
  CHECK(curl(patch(api("ik_tls_cli"), R"({"name": "Over TLS"})"), record.url() + "/customers/cust_abc123").status ==
        200);
  CHECK(record.stop() == 0);
  REQUIRE(scenarios_in(file).size() == 1);
  CHECK(read_file_text(file).find(kKey) == std::string::npos);
}

TEST_CASE("record: usage errors, files and addresses it cannot use, exit 2 without printing keys", "[record]") {
  TempDir dir;
  const std::string file = dir / "out.jsonl";
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  Serve holder;  // a port in use
  const std::string used_port = holder.url.substr(holder.url.rfind(':') + 1);
  const std::vector<Case> cases = {
      {{"record", "--out", file}, "--upstream"},
      {{"record", "--upstream", "http://127.0.0.1:9"}, "--out"},
      {{"record", "--upstream", "http://127.0.0.1:9", "--out", file, "--listen", "8080"}, "HOST:PORT"},
      {{"record", "--upstream", "http://127.0.0.1:9", "--out", file, "--listen", "127.0.0.1:70000"}, "HOST:PORT"},
      {{"record", "--upstream", "127.0.0.1:9", "--out", file, "--listen", "127.0.0.1:0"}, "http://"},
      {{"record", "--upstream", "http://api.example.com", "--out", file, "--listen", "127.0.0.1:0"}, "plain http"},
      {{"record", "--upstream", "http://127.0.0.1:9", "--out", file, "--listen", "0.0.0.0:0"}, "not loopback"},
      {{"record", "--upstream", "http://127.0.0.1:9", "--out", dir / "no/out.jsonl", "--listen", "127.0.0.1:0"},
       "cannot open"},
      {{"record", "--upstream", "http://127.0.0.1:9", "--out", file, "--listen", "127.0.0.1:" + used_port},
       "cannot listen"},
      {{"record", "--upstream", "http://127.0.0.1:9", "--out", file, "--timeout", "0"}, "timeout"},
      {{"record", "--upstream", "http://127.0.0.1:9", "--out", file, "--tag", "a", kKey}, "unexpected arguments"},
  };
  for (const Case& c : cases) {
    const cli_test::RunResult result = run_cli(c.args);
    INFO(c.says << "\nout: " << result.out << "\nerr: " << result.err);
    CHECK(result.exit_code == 2);
    CHECK(result.err.find(c.says) != std::string::npos);
    CHECK(result.out.empty());
    CHECK((result.out + result.err).find(kKey) == std::string::npos);
  }
}
