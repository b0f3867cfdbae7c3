// `alguna-contract fuzz`: against the embedded mock nothing fails; against endpoints that break
// the contract each oracle fires, failures are shrunk and saved as scenarios that `replay`
// reproduces against the broken endpoint and passes against the mock; the same seed gives the
// same cases; exit codes and the summary table.
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/mock.hpp>

#include "cli_run.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

using cli_test::read_file;
using cli_test::run_cli;
using alguna::contract::testing::TempDir;
using alguna::contract::testing::TestServer;
using nlohmann::json;

namespace {

const char* const kKeyEnv = "ALGUNA_CONTRACT_CLI_FUZZ_KEY";
const std::string kKey = "sk_live_FuzzSecret0123456789";

void set_key() { REQUIRE(::setenv(kKeyEnv, kKey.c_str(), 1) == 0); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<json> lines_of(const std::string& path) {
  std::vector<json> lines;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

// Answers every PATCH 200 with the doc's customer, whatever was sent: it accepts invalid requests
// and ignores the update.
void accept_everything(httplib::Server& server) {
  server.Patch(R"(/customers/(.+))", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(alguna::contract::default_customer().dump(), "application/json");
  });
}

}  // namespace

TEST_CASE("fuzz: every kind against the embedded mock, nothing fails", "[cli][fuzz]") {
  const auto result = run_cli({"fuzz", "--seed", "11", "--count", "340", "-j", "4"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 0);
  CHECK(contains(result.err, "seed 11, 340 cases against the embedded mock"));
  CHECK(contains(result.out, "340 cases (seed 11): 340 passed, 0 failed, 0 transient"));
  for (const char* kind : {"valid", "type-swap", "enum-near-miss", "format-near-miss", "boundary-length", "unicode",
                           "null", "unknown-field", "deep-body", "huge-body", "malformed-json", "header-authorization",
                           "header-version", "header-idempotency-key", "header-content-type", "idempotency-replay",
                           "idempotency-mismatch"}) {
    INFO(kind);
    CHECK(contains(result.out, std::string("\n") + kind + " "));
  }
  CHECK(contains(result.out, "413x"));  // a body over the limit was tried
  CHECK(contains(result.out, "415x"));
  CHECK(contains(result.out, "401x"));
}

TEST_CASE("fuzz: an endpoint that accepts everything fails the oracles; saved failures replay", "[cli][fuzz]") {
  set_key();
  TestServer broken(accept_everything);
  TempDir dir;
  const std::vector<std::string> args = {"fuzz", "--base-url", broken.url(), "--api-key-env", kKeyEnv, "--seed", "5",
                                         "--count", "68", "-j", "4", "--save-failures", dir / "found.jsonl"};
  const auto result = run_cli(args);
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  CHECK(contains(result.out, "FAIL  fuzz-5-1  type-swap: "));
  CHECK(contains(result.out, "expected status 4xx, got 200"));
  CHECK_FALSE(contains(result.out + result.err, kKey));
  const auto found = lines_of(dir / "found.jsonl");
  REQUIRE_FALSE(found.empty());
  for (const auto& scenario : found) {
    CHECK(scenario.at("tags").back() == "fuzz-finding");
    CHECK_FALSE(contains(scenario.dump(), kKey));  // the key stays a variable
  }

  // The same seed against the same endpoint finds the same failures, shrunk the same way.
  const auto again = run_cli({"fuzz", "--base-url", broken.url(), "--api-key-env", kKeyEnv, "--seed", "5", "--count",
                              "68", "-j", "1", "--save-failures", dir / "again.jsonl"});
  CHECK(again.exit_code == 1);
  CHECK(lines_of(dir / "again.jsonl") == found);

  // replay reproduces them against the broken endpoint...
  const auto reproduced = run_cli({"replay", dir / "found.jsonl", "--base-url", broken.url(), "--api-key-env", kKeyEnv});
  INFO(reproduced.out << reproduced.err);
  CHECK(reproduced.exit_code == 1);
  CHECK(contains(reproduced.out, std::to_string(found.size()) + " scenarios: 0 passed, " + std::to_string(found.size()) +
                                     " failed"));
  // ...and passes them against a correct one.
  const auto against_mock = run_cli({"replay", dir / "found.jsonl"});
  INFO(against_mock.out << against_mock.err);
  CHECK(against_mock.exit_code == 0);
}

TEST_CASE("fuzz: a 5xx fails, one with Transient-Error: true is counted apart", "[cli][fuzz]") {
  set_key();
  std::atomic<bool> transient{false};
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request&, httplib::Response& res) {
      res.status = transient ? 503 : 500;
      if (transient) res.set_header("Transient-Error", "true");
      res.set_content(R"({"status":)" + std::to_string(res.status) + R"(,"detail":"down"})", "application/json");
    });
  });
  const std::vector<std::string> args = {"fuzz", "--base-url", server.url(), "--api-key-env", kKeyEnv, "--seed", "2",
                                         "--count", "17", "--retries", "0"};
  const auto failing = run_cli(args);
  INFO(failing.out << failing.err);
  CHECK(failing.exit_code == 1);
  CHECK(contains(failing.out, "17 cases (seed 2): 0 passed, 17 failed, 0 transient"));
  CHECK(contains(failing.out, "500x"));

  transient = true;
  const auto inconclusive = run_cli(args);
  INFO(inconclusive.out << inconclusive.err);
  CHECK(inconclusive.exit_code == 0);
  CHECK(contains(inconclusive.out, "17 cases (seed 2): 0 passed, 0 failed, 17 transient"));
}

TEST_CASE("fuzz: a failure is shrunk to the body member that causes it", "[cli][fuzz]") {
  set_key();
  // Correct, except that any body holding "currency" gets a 500.
  auto mock = alguna::contract::MockService::create();
  REQUIRE(mock);
  TestServer server([&](httplib::Server& s) {
    s.Patch(R"(/customers/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
      if (req.body.find("\"currency\"") != std::string::npos) {
        res.status = 500;
        res.set_content(R"({"status":500,"detail":"boom"})", "application/json");
        return;
      }
      alguna::contract::HttpRequest request{"PATCH", req.target, {}, req.body};
      for (const auto& [name, value] : req.headers) request.headers.emplace_back(name, value);
      const auto answer = mock->handle(request);
      res.status = answer.status;
      for (const auto& [name, value] : answer.headers) {
        if (name != "Content-Type") res.set_header(name, value);
      }
      res.set_content(answer.body, "application/json");
    });
  });
  TempDir dir;
  const auto result = run_cli({"fuzz", "--base-url", server.url(), "--api-key-env", kKeyEnv, "--seed", "9", "--count",
                               "170", "-j", "4", "--save-failures", dir / "found.jsonl"});
  INFO(result.out << result.err);
  CHECK(result.exit_code == 1);
  std::size_t shrunk = 0;
  for (const auto& scenario : lines_of(dir / "found.jsonl")) {
    INFO(scenario.dump());
    if (scenario.contains("steps")) continue;  // sequences are saved whole, not shrunk
    const json& request = scenario["request"];
    if (!request.contains("body") || !request["body"].is_object()) continue;
    if (scenario["response"]["status"] == "2xx") {
      // A valid request failed only for its currency: every other member was dropped.
      CHECK(request["body"] == json{{"currency", request["body"]["currency"]}});
      ++shrunk;
    } else {
      // An invalid request keeps the member that makes it invalid (dropping it would change the
      // verdict), and loses the others that do not matter.
      CHECK(request["body"].size() <= 2);
    }
  }
  CHECK(shrunk > 0);
}

TEST_CASE("fuzz: usage errors exit 2", "[cli][fuzz]") {
  TempDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"fuzz", "--count", "0"},
           {"fuzz", "--seed", "-1"},
           {"fuzz", "--customer", "a/b"},
           {"fuzz", "--base-url", "http://127.0.0.1:9", "--api-key-env", "ALGUNA_CONTRACT_UNSET_VARIABLE"},
           {"fuzz", "--save-failures", dir / "no/such/dir/f.jsonl"},
       }) {
    const auto result = run_cli(args);
    INFO(args.back() << "\n" << result.out << result.err);
    CHECK(result.exit_code == 2);
    CHECK_FALSE(result.err.empty());
  }
  // As replay says it, and before anything is written.
  const auto bad_name = run_cli({"fuzz", "--base-url", "http://127.0.0.1:9", "--api-key-env", "NOT-A-NAME",
                                 "--save-failures", dir / "f.jsonl"});
  CHECK(bad_name.exit_code == 2);
  CHECK(bad_name.err ==
        "alguna-contract fuzz: --api-key-env must name an environment variable (letters, digits, _)\n");
  CHECK_FALSE(std::filesystem::exists(dir / "f.jsonl"));
}
