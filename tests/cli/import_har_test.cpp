// `alguna-contract import-har` as a user runs it: a real Playwright recording (made by
// scripts/interop/record-har.cjs against `alguna-contract serve`) imported and replayed green,
// hand-written HARs in the shapes Chrome and Firefox export, the summary, the exit codes, the
// output file written whole or not at all, and the recorded key appearing in no output.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "cli_run.hpp"
#include "temp_dir.hpp"

using alguna::contract::testing::Child;
using alguna::contract::testing::TempDir;
using cli_test::read_file;
using cli_test::run_cli;
using cli_test::write_file;
using nlohmann::json;

namespace {

// The key the fixture was recorded with (a mock key, but it stands for a real one).
const std::string kRecordedKey = "sk_test_PlaywrightHarKey0123456789";
const std::string kPlaywright = cli_test::fixture("har/playwright-mock.har");

std::vector<json> lines_of(const std::string& text) {
  std::vector<json> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("import-har: the Playwright recording becomes the session's scenarios, key nowhere", "[cli][import-har]") {
  const auto result = run_cli({"import-har", kPlaywright});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err ==
        "alguna-contract import-har: imported 6 scenarios (8 exchanges) from 9 entries; skipped 1 "
        "(1 not /customers/{id}, 0 CORS preflights, 0 without a response)\n");
  CHECK_FALSE(contains(result.out, kRecordedKey));
  CHECK_FALSE(contains(result.err, kRecordedKey));

  const auto scenarios = lines_of(result.out);
  REQUIRE(scenarios.size() == 6);
  std::vector<std::string> ids;
  for (const auto& scenario : scenarios) ids.push_back(scenario.at("id").get<std::string>());
  CHECK(ids == std::vector<std::string>{"playwright-mock-1", "playwright-mock-2", "playwright-mock-3",
                                        "playwright-mock-4", "playwright-mock-5", "playwright-mock-6"});
  // The rename, its replay and the same key with another body: one scenario, one key.
  const json& idempotency = scenarios[0];
  REQUIRE(idempotency.at("steps").size() == 3);
  CHECK(idempotency.at("steps")[1].at("response").at("headers") == json{{"Idempotent-Replayed", "true"}});
  CHECK(idempotency.at("steps")[2].at("response").at("status") == 422);
  CHECK(idempotency.at("tags") == json{"har", "negative", "422"});
  for (const auto& step : idempotency.at("steps")) {
    CHECK(step.at("request").at("headers") == json{{"Alguna-Version", "2026-04-01"},
                                                   {"Authorization", "Bearer ${ALGUNA_API_KEY}"},
                                                   {"Content-Type", "application/json"},
                                                   {"Idempotency-Key", "${IDEMPOTENCY_KEY}"}});
  }
  CHECK(scenarios[3].at("request").at("headers").count("Authorization") == 0);  // the 401, as recorded
  CHECK(scenarios[4].at("match") == json{{"/contacts/0/id", "type"}, {"/contacts/1/id", "type"}, {"/updated_at", "date-time"}});
}

TEST_CASE("import-har: entries out of order are imported in the order they started, with a note", "[cli][import-har]") {
  TempDir dir;
  json har = json::parse(read_file(kPlaywright));
  json& entries = har.at("log").at("entries");
  std::reverse(entries.begin(), entries.end());  // a merged or hand-edited file
  write_file(dir / "reversed.har", har.dump());

  const auto original = run_cli({"import-har", kPlaywright, "--id-prefix", "s"});
  const auto reversed = run_cli({"import-har", dir / "reversed.har", "--id-prefix", "s"});
  INFO(reversed.err);
  REQUIRE(reversed.exit_code == 0);
  CHECK(reversed.out == original.out);
  CHECK(contains(reversed.err, "note: the file's entries were not in the order they started; imported in "
                               "startedDateTime order\n"));
  CHECK_FALSE(contains(original.err, "note:"));
}

TEST_CASE("import-har: the imported session replays green, in order, against a fresh serve", "[cli][import-har][replay]") {
  TempDir dir;
  const std::string out = dir / "session.jsonl";
  const auto imported = run_cli({"import-har", kPlaywright, "-o", out});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  CHECK(imported.out.empty());
  CHECK_FALSE(contains(read_file(out), kRecordedKey));

  // The recording is one stateful session (the GETs see the rename and the new contacts): a
  // fresh mock with one key, scenarios in corpus order.
  const std::string key = "sk_test_ImportHarReplayKey42";
  Child serve({ALGUNA_CONTRACT_CLI, "serve", "--port", "0", "--api-key", key}, true);
  const std::string line = serve.first_line();
  REQUIRE(line.rfind("listening on http://127.0.0.1:", 0) == 0);
  const std::string url = line.substr(std::string("listening on ").size());
  REQUIRE(::setenv("ALGUNA_CONTRACT_IMPORT_HAR_KEY", key.c_str(), 1) == 0);
  const auto replayed = run_cli({"replay", out, "--base-url", url, "-j", "1", "--api-key-env", "ALGUNA_CONTRACT_IMPORT_HAR_KEY"});
  INFO(replayed.out);
  INFO(replayed.err);
  CHECK(replayed.exit_code == 0);
  CHECK(contains(replayed.out, "6 scenarios: 6 passed, 0 failed, 0 errors"));

  // The embedded mock gives every scenario a fresh account: the scenarios that depend on earlier
  // writes fail there...
  const auto isolated = run_cli({"replay", out, "-j", "1"});
  CHECK(isolated.exit_code == 1);
  CHECK(contains(isolated.out, "FAIL  playwright-mock-2 "));
  CHECK(contains(isolated.out, "6 scenarios: 3 passed, 3 failed"));

  // ...unless they share one account, in corpus order (--one-account implies -j 1).
  const auto one_account = run_cli({"replay", out, "--one-account"});
  INFO(one_account.out);
  CHECK(one_account.exit_code == 0);
  CHECK(contains(one_account.out, "6 scenarios: 6 passed, 0 failed, 0 errors"));
}

TEST_CASE("import-har: Chrome's HTTP/2 export: preflight and aborted entries skipped, headers filtered, ${ escaped",
          "[cli][import-har]") {
  const auto result = run_cli({"import-har", cli_test::fixture("har/chrome-devtools-h2.har"), "--id-prefix", "chrome"});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(contains(result.err, "imported 2 scenarios (2 exchanges) from 4 entries; skipped 2 (0 not /customers/{id}, "
                             "1 CORS preflight, 1 without a response)"));
  CHECK_FALSE(contains(result.out, "sk_live_ChromeHarSecret987654321"));
  const auto scenarios = lines_of(result.out);
  REQUIRE(scenarios.size() == 2);
  const json& patch = scenarios[0];
  CHECK(patch.at("id") == "chrome-1");
  CHECK(patch.at("request").at("path") == "/customers/cust_abc123?source=%24%7BHOME%7D");  // as sent
  CHECK(patch.at("request").at("body") == json{{"name", "Acme $${INC}"}, {"currency", "EUR"}});
  CHECK(patch.at("request").at("headers") == json{{"Alguna-Version", "2026-04-01"},
                                                  {"Authorization", "Bearer ${ALGUNA_API_KEY}"},
                                                  {"Content-Type", "application/json"},
                                                  {"Idempotency-Key", "${IDEMPOTENCY_KEY}"}});
  CHECK(patch.at("response").at("headers") == json{{"Idempotent-Replayed", "false"}});
  CHECK(patch.at("response").at("body").at("name") == "Acme ${INC}");  // responses are never substituted
  // content.text absent: only the status is recorded.
  CHECK(scenarios[1].at("response") == json{{"status", 200}});

  // The escaped scenario reads back as a valid corpus (an unescaped ${HOME} would be an error).
  TempDir dir;
  write_file(dir / "chrome.jsonl", result.out);
  const auto replayed = run_cli({"replay", dir / "chrome.jsonl", "--tag", "no-such-tag"});
  INFO(replayed.err);
  CHECK(replayed.exit_code == 0);
}

TEST_CASE("import-har: Firefox's export: base64 content, a text body, another auth scheme", "[cli][import-har]") {
  const auto result = run_cli({"import-har", cli_test::fixture("har/firefox-base64.har")});
  INFO(result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(contains(result.err, "imported 1 scenario (1 exchange) from 3 entries; skipped 2 (1 not /customers/{id}, "
                             "0 CORS preflights, 1 without a response)"));
  CHECK_FALSE(contains(result.out, "ZmlyZWZveDpzZWNyZXQtcGFzc3dvcmQ="));
  CHECK_FALSE(contains(result.out, "sk_live_FirefoxBlocked000"));  // a skipped entry's key too
  const auto scenarios = lines_of(result.out);
  REQUIRE(scenarios.size() == 1);
  CHECK(scenarios[0].at("id") == "firefox-base64-1");
  CHECK(scenarios[0].at("request").at("raw_body") == "name=Acme Corp");
  CHECK(scenarios[0].at("request").at("headers") == json{{"Alguna-Version", "2026-04-01"},
                                                         {"Authorization", "Basic ${ALGUNA_API_KEY}"},
                                                         {"Content-Type", "text/plain;charset=UTF-8"}});
  CHECK(scenarios[0].at("response") ==
        json{{"status", 415}, {"body", {{"status", 415}, {"detail", "unsupported media type"}}}});
  CHECK(scenarios[0].at("tags") == json{"har", "negative", "415"});
}

TEST_CASE("import-har: bad input exits 2 and says what is wrong", "[cli][import-har]") {
  TempDir dir;
  SECTION("a missing file") {
    const auto result = run_cli({"import-har", dir / "missing.har"});
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, "cannot read " + dir / "missing.har"));
  }
  SECTION("not JSON") {
    write_file(dir / "page.har", "<html></html>");
    const auto result = run_cli({"import-har", dir / "page.har"});
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, dir / "page.har" + ": not a HAR file: not JSON: line 1, column 1"));
  }
  SECTION("JSON that is not a HAR") {
    write_file(dir / "scenario.json", R"({"id": "x", "request": {}})");
    const auto result = run_cli({"import-har", dir / "scenario.json"});
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, "not a HAR file: the top-level object has no \"log\""));
  }
  SECTION("an entry without its url, named by its place") {
    write_file(dir / "broken.har", R"({"log": {"entries": [{"request": {"method": "GET"}}]}})");
    const auto result = run_cli({"import-har", dir / "broken.har", "-o", dir / "out.jsonl"});
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, "log.entries[0].request: missing \"url\""));
    CHECK_FALSE(std::filesystem::exists(dir / "out.jsonl"));
  }
  SECTION("no file at all") {
    const auto result = run_cli({"import-har"});
    CHECK(result.exit_code == 2);
  }
  SECTION("a bad --id-prefix") {
    const auto result = run_cli({"import-har", kPlaywright, "--id-prefix", "a b"});
    CHECK(result.exit_code == 2);
  }
}

TEST_CASE("import-har: the output is written whole or not at all, never over the input", "[cli][import-har]") {
  TempDir dir;
  const std::string har = dir / "session.har";
  write_file(har, read_file(kPlaywright));

  SECTION("the input as the output is refused and left as it was") {
    const auto result = run_cli({"import-har", har, "-o", har});
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, "is the input file"));
    CHECK(read_file(har) == read_file(kPlaywright));
    const auto through_dot = run_cli({"import-har", har, "-o", dir / "./session.har"});
    CHECK(through_dot.exit_code == 2);
  }
  SECTION("an existing output is replaced whole, and no partial file is left") {
    write_file(dir / "out.jsonl", "old\n");
    const auto result = run_cli({"import-har", har, "-o", dir / "out.jsonl"});
    REQUIRE(result.exit_code == 0);
    CHECK(lines_of(read_file(dir / "out.jsonl")).size() == 6);
    CHECK(lines_of(read_file(dir / "out.jsonl")).front().at("id") == "session-1");  // prefix from the name
    CHECK_FALSE(std::filesystem::exists(dir / "out.jsonl.partial"));
    CHECK_FALSE(std::filesystem::exists(dir / "out.jsonl.tmp"));
  }
  SECTION("an unwritable output exits 2") {
    const auto result = run_cli({"import-har", har, "-o", dir / "no-such-dir/out.jsonl"});
    CHECK(result.exit_code == 2);
    CHECK(contains(result.err, "cannot write"));
  }
}
