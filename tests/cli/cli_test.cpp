// The alguna-contract command, run as a process: exit codes and output are pinned exactly where
// they are the CLI's own; library messages are checked by path, keyword and a substring.
#include <dirent.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/report.hpp>
#include <alguna/contract/validator.hpp>

#include "cli_run.hpp"

using cli_test::fixture;
using cli_test::read_file;
using cli_test::run_cli;
using cli_test::TempDir;
using cli_test::write_file;

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}
bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<nlohmann::json> json_lines(const cli_test::RunResult& result) {
  std::vector<nlohmann::json> documents;
  for (const std::string& line : result.out_lines()) documents.push_back(nlohmann::json::parse(line));
  return documents;
}

}  // namespace

TEST_CASE("version: prints the library and API versions", "[cli]") {
  const auto result = run_cli({"--version"});
  CHECK(result.exit_code == 0);
  CHECK(result.out == "alguna-contract 0.1.0 (Alguna API 2026-04-01)\n");
  CHECK(result.err.empty());
}

TEST_CASE("help: lists the subcommands and the exit codes", "[cli]") {
  const auto result = run_cli({"--help"});
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(result.out.find("validate") != std::string::npos);
  CHECK(result.out.find("import-har") != std::string::npos);
  CHECK(result.out.find("Exit codes:\n"
                        "  0  every document is valid (validate), every scenario passed (replay), imported (import-har)\n"
                        "  1  a document is invalid (validate), a scenario failed or errored (replay)\n"
                        "  2  usage error, unreadable file, malformed corpus (nothing sent), not a HAR file (import-har) or internal error\n") !=
        std::string::npos);
}

TEST_CASE("help: validate --help explains inputs and exit codes", "[cli]") {
  const auto result = run_cli({"validate", "--help"});
  CHECK(result.exit_code == 0);
  for (const char* text : {"--format", "--quiet", "--lenient", "--jsonl", "--schemas",
                           "--max-depth", "--max-bytes", "update-request, customer, error, request, headers",
                           "blank lines", "Exit codes:", "  2  usage error"}) {
    INFO(text);
    CHECK(result.out.find(text) != std::string::npos);
  }
}

TEST_CASE("usage errors exit with 2", "[cli]") {
  SECTION("no subcommand: usage on stderr") {
    const auto result = run_cli({});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find("validate") != std::string::npos);
    CHECK(result.err.find("Exit codes:") != std::string::npos);
  }
  SECTION("unknown target: the list of targets") {
    const auto result = run_cli({"validate", "invoice", fixture("doc-example-request.json")});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err ==
          "alguna-contract: unknown target \"invoice\"; the targets are: update-request, customer, "
          "error, request, headers\n");
  }
  SECTION("missing target") {
    const auto result = run_cli({"validate"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find("TARGET") != std::string::npos);
  }
  SECTION("unknown option") {
    const auto result = run_cli({"validate", "customer", "--bogus"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find("--bogus") != std::string::npos);
  }
  SECTION("unknown subcommand") {
    const auto result = run_cli({"frobnicate"});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find("frobnicate") != std::string::npos);
  }
  SECTION("bad --format") {
    const auto result = run_cli({"validate", "customer", "--format", "xml"}, std::string("{}"));
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find("--format") != std::string::npos);
  }
  SECTION("bad --max-bytes and --max-depth") {
    for (const char* value : {"-1", "0", "abc", "0x10", "12k", ""}) {
      INFO(value);
      for (const char* option : {"--max-bytes", "--max-depth"}) {
        const auto result = run_cli({"validate", "customer", option, value}, std::string("{}"));
        CHECK(result.exit_code == 2);
        CHECK(result.out.empty());
        CHECK(result.err.find(option) != std::string::npos);
      }
    }
  }
  SECTION("--schemas naming a directory that does not exist") {
    TempDir dir;
    const auto result = run_cli({"validate", "customer", "--schemas", dir / "nowhere"},
                                std::string("{}"));
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(starts_with(result.err, "alguna-contract: "));
    CHECK(ends_with(result.err, "\n"));
  }
}

TEST_CASE("the documentation's examples are valid", "[cli]") {
  SECTION("request body as update-request") {
    const std::string path = fixture("doc-example-request.json");
    const auto result = run_cli({"validate", "update-request", path});
    CHECK(result.err.empty());
    CHECK(result.out == path + ":1: valid\n1 document: 1 valid, 0 invalid\n");
    CHECK(result.exit_code == 0);
  }
  SECTION("response body as customer") {
    const std::string path = fixture("doc-example-response.json");
    const auto result = run_cli({"validate", "customer", path});
    CHECK(result.err.empty());
    CHECK(result.out == path + ":1: valid\n1 document: 1 valid, 0 invalid\n");
    CHECK(result.exit_code == 0);
  }
  SECTION("both, --quiet: nothing at all") {
    const auto result = run_cli({"validate", "update-request", "--quiet",
                                 fixture("doc-example-request.json"),
                                 fixture("doc-example-request.json")});
    CHECK(result.exit_code == 0);
    CHECK(result.out.empty());
    CHECK(result.err.empty());
  }
}

TEST_CASE("an invalid document exits with 1 and lists its errors", "[cli]") {
  TempDir dir;
  const std::string bad = dir / "bad.json";
  write_file(bad, "{\"name\": 5}\n");
  const auto result = run_cli({"validate", "update-request", bad});
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  const auto lines = result.out_lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == bad + ":1: invalid (1 error)");
  CHECK(starts_with(lines[1], "  error /name: "));
  CHECK(ends_with(lines[1], " [type]"));
  CHECK(lines[2] == "1 document: 0 valid, 1 invalid");
}

TEST_CASE("several files: one line each and a summary", "[cli]") {
  TempDir dir;
  const std::string good = fixture("doc-example-request.json");
  const std::string bad = dir / "bad.json";
  write_file(bad, "{\"name\": 5}");
  const auto result = run_cli({"validate", "update-request", good, bad, good});
  CHECK(result.exit_code == 1);
  const auto lines = result.out_lines();
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == good + ":1: valid");
  CHECK(lines[1] == bad + ":1: invalid (1 error)");
  CHECK(starts_with(lines[2], "  error /name: "));
  CHECK(lines[3] == good + ":1: valid");
  CHECK(lines[4] == "3 documents: 2 valid, 1 invalid");
}

TEST_CASE("an unreadable file exits with 2 after the other files", "[cli]") {
  TempDir dir;
  const std::string good = fixture("doc-example-request.json");
  const std::string bad = dir / "bad.json";
  write_file(bad, "{\"name\": 5}");

  SECTION("missing") {
    const std::string missing = dir / "missing.json";
    const auto result = run_cli({"validate", "update-request", missing, good, bad});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "alguna-contract: cannot read " + missing + ": No such file or directory\n");
    const auto lines = result.out_lines();
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == good + ":1: valid");
    CHECK(lines[1] == bad + ":1: invalid (1 error)");
    CHECK(lines[3] == "2 documents: 1 valid, 1 invalid");
  }
  SECTION("a directory") {
    const auto result = run_cli({"validate", "update-request", dir.path(), good});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "alguna-contract: cannot read " + dir.path() + ": Is a directory\n");
    CHECK(result.out == good + ":1: valid\n1 document: 1 valid, 0 invalid\n");
  }
  SECTION("a directory, as JSONL") {
    const auto result = run_cli({"validate", "update-request", "--jsonl", dir.path()});
    CHECK(result.exit_code == 2);
    CHECK(result.err == "alguna-contract: cannot read " + dir.path() + ": Is a directory\n"
                        "no documents\n");
    CHECK(result.out.empty());
  }
}

TEST_CASE("format json: prints one object per document", "[cli]") {
  TempDir dir;
  const std::string good = fixture("doc-example-request.json");
  const std::string bad = dir / "bad.json";
  write_file(bad, "{\"name\": 5, \"nmae\": \"x\"}");
  const auto result = run_cli({"validate", "update-request", "--format", "json", good, bad});
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  const auto lines = result.out_lines();
  REQUIRE(lines.size() == 2);  // no summary
  for (const auto& line : lines) CHECK(starts_with(line, "{\"source\":"));

  const auto documents = json_lines(result);
  CHECK(documents[0] == nlohmann::json{{"source", good + ":1"},
                                       {"valid", true},
                                       {"errors", nlohmann::json::array()},
                                       {"warnings", nlohmann::json::array()}});
  const nlohmann::json& invalid = documents[1];
  CHECK(invalid["source"] == bad + ":1");
  CHECK(invalid["valid"] == false);
  CHECK(invalid["warnings"] == nlohmann::json::array());
  REQUIRE(invalid["errors"].size() == 2);
  std::vector<std::string> paths;
  for (const auto& error : invalid["errors"]) {
    CHECK(error["message"].is_string());
    CHECK_FALSE(error.contains("line"));
    paths.push_back(error["path"].get<std::string>() + " " + error["keyword"].get<std::string>());
  }
  std::sort(paths.begin(), paths.end());
  CHECK(paths == std::vector<std::string>{"/name type", "/nmae additionalProperties"});

  SECTION("--quiet: only the invalid ones") {
    const auto quiet = run_cli({"validate", "update-request", "--format", "json", "--quiet", good,
                                bad});
    CHECK(quiet.exit_code == 1);
    REQUIRE(quiet.out_lines().size() == 1);
    CHECK(quiet.out_lines()[0] == lines[1]);
  }
}

TEST_CASE("quiet: prints only invalid documents and no summary", "[cli]") {
  TempDir dir;
  const std::string good = fixture("doc-example-request.json");
  const std::string bad = dir / "bad.json";
  write_file(bad, "{\"name\": 5}");
  const auto result = run_cli({"validate", "update-request", "--quiet", good, bad, good});
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  const auto lines = result.out_lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == bad + ":1: invalid (1 error)");
  CHECK(starts_with(lines[1], "  error /name: "));
}

TEST_CASE("lenient: turns unknown request fields into warnings", "[cli]") {
  TempDir dir;
  const std::string typo = dir / "typo.json";
  write_file(typo, "{\"nmae\": \"x\"}");

  const auto strict = run_cli({"validate", "update-request", typo});
  CHECK(strict.exit_code == 1);
  auto lines = strict.out_lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == typo + ":1: invalid (1 error)");
  CHECK(starts_with(lines[1], "  error /nmae: "));
  CHECK(ends_with(lines[1], " [additionalProperties]"));

  const auto lenient = run_cli({"validate", "update-request", "--lenient", typo});
  CHECK(lenient.exit_code == 0);
  CHECK(lenient.err.empty());
  lines = lenient.out_lines();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == typo + ":1: valid (1 warning)");
  CHECK(starts_with(lines[1], "  warning /nmae: "));
  CHECK(ends_with(lines[1], " [additionalProperties]"));
  CHECK(lines[2] == "1 document: 1 valid, 0 invalid");

  SECTION("--quiet hides a valid document with warnings") {
    const auto quiet = run_cli({"validate", "update-request", "--lenient", "--quiet", typo});
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.out.empty());
  }
  SECTION("errors and warnings together") {
    write_file(typo, "{\"nmae\": \"x\", \"name\": 5}");
    const auto both = run_cli({"validate", "update-request", "--lenient", typo});
    CHECK(both.exit_code == 1);
    lines = both.out_lines();
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == typo + ":1: invalid (1 error, 1 warning)");
    CHECK(starts_with(lines[1], "  error /name: "));
    CHECK(starts_with(lines[2], "  warning /nmae: "));
  }
}

TEST_CASE("stdin is read for \"-\" and when no file is given", "[cli]") {
  const std::string document = "{\"name\": \"Acme Corp\"}";
  SECTION("-") {
    const auto result = run_cli({"validate", "update-request", "-"}, document);
    CHECK(result.exit_code == 0);
    CHECK(result.err.empty());
    CHECK(result.out == "<stdin>:1: valid\n1 document: 1 valid, 0 invalid\n");
  }
  SECTION("no file") {
    const auto result = run_cli({"validate", "update-request"}, document);
    CHECK(result.exit_code == 0);
    CHECK(result.out == "<stdin>:1: valid\n1 document: 1 valid, 0 invalid\n");
  }
  SECTION("invalid") {
    const auto result = run_cli({"validate", "update-request"}, std::string("{\"name\": 5}"));
    CHECK(result.exit_code == 1);
    CHECK(starts_with(result.out, "<stdin>:1: invalid (1 error)\n  error /name: "));
  }
  SECTION("--jsonl") {
    const auto result = run_cli({"validate", "update-request", "--jsonl", "--format", "json"},
                                std::string("{}\n{\"name\": 5}\n"));
    CHECK(result.exit_code == 1);
    const auto documents = json_lines(result);
    REQUIRE(documents.size() == 2);
    CHECK(documents[0]["source"] == "<stdin>:1");
    CHECK(documents[0]["valid"] == true);
    CHECK(documents[1]["source"] == "<stdin>:2");
    CHECK(documents[1]["valid"] == false);
  }
}

TEST_CASE("documents that are not JSON are invalid with keyword syntax", "[cli]") {
  TempDir dir;
  SECTION("an empty file") {
    const std::string empty = dir / "empty.json";
    write_file(empty, "");
    const auto result = run_cli({"validate", "update-request", "--format", "json", empty});
    CHECK(result.exit_code == 1);
    const auto documents = json_lines(result);
    REQUIRE(documents.size() == 1);
    CHECK(documents[0]["source"] == empty + ":1");
    CHECK(documents[0]["valid"] == false);
    REQUIRE(documents[0]["errors"].size() == 1);
    CHECK(documents[0]["errors"][0]["keyword"] == "syntax");
    CHECK(documents[0]["errors"][0]["path"] == "");
  }
  SECTION("broken JSON: line and column of the problem") {
    const std::string broken = dir / "broken.json";
    write_file(broken, "{\n  \"name\": \"x\",\n  \"currency\" \"USD\"\n}\n");
    const auto as_json = run_cli({"validate", "update-request", "--format", "json", broken});
    CHECK(as_json.exit_code == 1);
    const auto documents = json_lines(as_json);
    REQUIRE(documents.size() == 1);
    REQUIRE(documents[0]["errors"].size() == 1);
    const auto& error = documents[0]["errors"][0];
    CHECK(error["keyword"] == "syntax");
    CHECK(error["path"] == "");
    CHECK(error["line"] == 3);
    CHECK(error["column"].get<int>() > 0);

    const auto as_text = run_cli({"validate", "update-request", broken});
    CHECK(as_text.exit_code == 1);
    const auto lines = as_text.out_lines();
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == broken + ":1: invalid (1 error)");
    CHECK(lines[1] == "  error (root): " + error["message"].get<std::string>() + " [syntax]");
    CHECK(lines[1].find("line 3") != std::string::npos);
  }
}

TEST_CASE("a NUL byte after a document makes it invalid (not truncated away)", "[cli]") {
  TempDir dir;
  const std::string nul = dir / "nul.json";
  write_file(nul, "{\"name\": \"x\"}" + std::string(1, '\0'));
  const auto result = run_cli({"validate", "update-request", "--format", "json", nul});
  CHECK(result.exit_code == 1);
  const auto documents = json_lines(result);
  REQUIRE(documents.size() == 1);
  REQUIRE(documents[0]["errors"].size() == 1);
  CHECK(documents[0]["errors"][0]["keyword"] == "syntax");
}

TEST_CASE("max-depth: is passed to the parser", "[cli]") {
  const std::string deep = "{\"aliases\": [[[\"x\"]]]}";
  const auto result = run_cli({"validate", "update-request", "--max-depth", "3", "--format",
                               "json"},
                              deep);
  CHECK(result.exit_code == 1);
  const auto documents = json_lines(result);
  REQUIRE(documents.size() == 1);
  REQUIRE(documents[0]["errors"].size() == 1);
  CHECK(documents[0]["errors"][0]["keyword"] == "depth");
}

TEST_CASE("a whole file larger than --max-bytes is invalid without being read", "[cli]") {
  TempDir dir;
  const std::string big = dir / "big.json";
  write_file(big, "{\"name\": \"" + std::string(100, 'x') + "\"}");
  const std::string small = dir / "small.json";
  write_file(small, "{\"name\": \"x\"}");  // 13 bytes

  const auto result = run_cli({"validate", "update-request", "--max-bytes", "13", big, small});
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  CHECK(result.out == big + ":1: invalid (1 error)\n"
                     "  error (root): the document is larger than 13 bytes [size]\n" +
                     small + ":1: valid\n"
                     "2 documents: 1 valid, 1 invalid\n");

  const auto as_json = run_cli({"validate", "update-request", "--max-bytes", "12", "--format",
                                "json", small});
  CHECK(as_json.exit_code == 1);
  const std::string prefix = "{\"source\":\"" + small + ":1\",\"valid\":false,\"errors\":[";
  const std::string suffix = "],\"warnings\":[]}\n";
  CHECK(starts_with(as_json.out, prefix));
  CHECK(ends_with(as_json.out, suffix));
  const auto documents = json_lines(as_json);
  REQUIRE(documents.size() == 1);
  CHECK(documents[0]["errors"] ==
        nlohmann::json::array({{{"path", ""},
                                {"keyword", "size"},
                                {"message", "the document is larger than 12 bytes"}}}));
}

TEST_CASE("reports match the library's Validator::validate_text", "[cli]") {
  namespace contract = alguna::contract;
  const auto validator = contract::Validator::create();
  REQUIRE(validator);
  TempDir dir;
  const std::string path = dir / "document.json";
  const std::vector<std::pair<contract::Target, std::string>> cases = {
      {contract::Target::update_request, "{\"name\": 5, \"nmae\": 1, \"currency\": \"usd\"}"},
      {contract::Target::update_request, "{\"name\": \"a\", \"name\": \"b\"}"},
      {contract::Target::update_request, "[1, 2"},
      {contract::Target::customer, read_file(fixture("doc-example-response.json"))},
      {contract::Target::customer, "{\"id\": 7}"},
      {contract::Target::error, "{\"status\": \"404\"}"},
      {contract::Target::request, "{\"method\": \"PATCH\"}"},
  };
  for (const auto& [target, text] : cases) {
    INFO(text);
    write_file(path, text);
    const auto result = run_cli({"validate", contract::target_name(target), "--format", "json", path});
    const auto documents = json_lines(result);
    REQUIRE(documents.size() == 1);
    const contract::Report expected = validator->validate_text(target, text);
    nlohmann::json report = contract::to_json(expected);
    report["source"] = path + ":1";
    CHECK(documents[0] == report);
    CHECK(result.exit_code == (expected.valid ? 0 : 1));
  }
}

TEST_CASE("limits: --max-depth is 1 to 1000, --max-bytes a positive decimal", "[cli]") {
  for (const char* depth : {"0", "1001", "5000", "0x10", "-1", "1e3"}) {
    INFO(depth);
    const auto result = run_cli({"validate", "--max-depth", depth, "error", "-"}, std::string("{}"));
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK_THAT(result.err, Catch::Contains("--max-depth: must be"));
  }
  CHECK(run_cli({"validate", "--max-bytes", "0", "error", "-"}, std::string("{}")).exit_code == 2);
  const auto at_limit = run_cli({"validate", "--max-depth", "1000", "error", "-"},
                                std::string(R"({"status": 400, "detail": "x"})"));
  CHECK(at_limit.exit_code == 0);
}

TEST_CASE("engine: fast and reference print the same reports; another name is a usage error", "[cli]") {
  const std::string payloads = std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/corpus/payloads/";
  for (const char* target : {"update-request", "customer", "error"}) {
    for (const char* verdict : {"valid", "invalid"}) {
      const std::string directory = payloads + target + "/" + verdict;
      INFO(directory);
      std::vector<std::string> args = {"validate", target, "--format", "json"};
      std::vector<std::string> files;
      if (DIR* dir = opendir(directory.c_str())) {
        while (const dirent* entry = readdir(dir)) {
          if (entry->d_name[0] != '.') files.push_back(directory + "/" + entry->d_name);
        }
        closedir(dir);
      }
      std::sort(files.begin(), files.end());
      REQUIRE_FALSE(files.empty());
      std::vector<std::string> with_fast = args;
      with_fast.insert(with_fast.end(), {"--engine", "fast"});
      with_fast.insert(with_fast.end(), files.begin(), files.end());
      std::vector<std::string> with_reference = args;
      with_reference.insert(with_reference.end(), {"--engine", "reference"});
      with_reference.insert(with_reference.end(), files.begin(), files.end());
      const auto a = run_cli(with_fast);
      const auto b = run_cli(with_reference);
      CHECK(a.exit_code == (std::string(verdict) == "valid" ? 0 : 1));
      CHECK(a.exit_code == b.exit_code);
      CHECK(a.out == b.out);
      CHECK(a.out.size() > 10);
    }
  }
  const auto wrong = run_cli({"validate", "customer", "--engine", "valijson", fixture("doc-example-response.json")});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.out.empty());
  CHECK(wrong.err.find("--engine") != std::string::npos);
}
