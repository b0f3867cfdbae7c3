// JSONL input: one document per line, read line by line with a bounded buffer.
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"

using cli_test::run_cli;
using cli_test::TempDir;
using cli_test::write_file;

namespace {

std::vector<nlohmann::json> json_lines(const cli_test::RunResult& result) {
  std::vector<nlohmann::json> documents;
  for (const std::string& line : result.out_lines()) documents.push_back(nlohmann::json::parse(line));
  return documents;
}

}  // namespace

TEST_CASE("JSONL: sources name the file line, blank lines are skipped", "[cli][jsonl]") {
  TempDir dir;
  const std::string path = dir / "requests.jsonl";
  write_file(path,
             "{\"name\": \"Acme Corp\"}\n"   // 1
             "\n"                            // 2: blank
             "{\"name\": 5}\n"               // 3
             "   \t\r\n"                     // 4: whitespace only
             "{\"currency\": \"USD\"}\r\n"   // 5: CRLF
             "{\"name\" \"x\"}\n"            // 6: not JSON
             "{\"name\": \"no newline\"}");  // 7

  SECTION("text") {
    const auto result = run_cli({"validate", "update-request", path});
    CHECK(result.exit_code == 1);
    CHECK(result.err.empty());
    const auto lines = result.out_lines();
    REQUIRE(lines.size() == 8);
    CHECK(lines[0] == path + ":1: valid");
    CHECK(lines[1] == path + ":3: invalid (1 error)");
    CHECK(lines[2].rfind("  error /name: ", 0) == 0);
    CHECK(lines[3] == path + ":5: valid");
    CHECK(lines[4] == path + ":6: invalid (1 error)");
    CHECK(lines[5].rfind("  error (root): ", 0) == 0);
    CHECK(lines[5].find("line 6") != std::string::npos);  // the file's line, not the text's
    CHECK(lines[5].size() > 9);
    CHECK(lines[5].compare(lines[5].size() - 9, 9, " [syntax]") == 0);
    CHECK(lines[6] == path + ":7: valid");
    CHECK(lines[7] == "5 documents: 3 valid, 2 invalid");
  }
  SECTION("json") {
    const auto result = run_cli({"validate", "update-request", "--format", "json", path});
    CHECK(result.exit_code == 1);
    const auto documents = json_lines(result);
    REQUIRE(documents.size() == 5);
    std::vector<std::string> sources;
    for (const auto& document : documents) sources.push_back(document["source"]);
    CHECK(sources == std::vector<std::string>{path + ":1", path + ":3", path + ":5", path + ":6",
                                              path + ":7"});
    const auto& syntax = documents[3]["errors"];
    REQUIRE(syntax.size() == 1);
    CHECK(syntax[0]["keyword"] == "syntax");
    CHECK(syntax[0]["line"] == 6);
    CHECK(syntax[0]["column"].get<int>() > 0);
  }
}

TEST_CASE("JSONL: the --jsonl flag reads any file line by line", "[cli][jsonl]") {
  TempDir dir;
  const std::string path = dir / "requests.txt";
  write_file(path, "{}\n{}\n");
  const auto result = run_cli({"validate", "update-request", "--jsonl", path});
  CHECK(result.exit_code == 0);
  CHECK(result.out == path + ":1: valid\n" + path + ":2: valid\n2 documents: 2 valid, 0 invalid\n");

  SECTION("without --jsonl the same file is one document, which is not JSON") {
    const auto whole = run_cli({"validate", "update-request", "--format", "json", path});
    CHECK(whole.exit_code == 1);
    const auto documents = json_lines(whole);
    REQUIRE(documents.size() == 1);
    CHECK(documents[0]["source"] == path + ":1");
    CHECK(documents[0]["errors"][0]["keyword"] == "syntax");
    CHECK(documents[0]["errors"][0]["line"] == 2);
  }
}

TEST_CASE("JSONL: a line with a NUL byte is invalid syntax at its line", "[cli][jsonl]") {
  TempDir dir;
  const std::string path = dir / "nul.jsonl";
  write_file(path, "{}\n{\"name\": \"x\"}" + std::string(1, '\0') + "\n{\"name\": \"y\"}\n");
  const auto result = run_cli({"validate", "update-request", "--format", "json", path});
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  const auto documents = json_lines(result);
  REQUIRE(documents.size() == 3);
  CHECK(documents[0]["valid"] == true);
  CHECK(documents[1]["source"] == path + ":2");
  CHECK(documents[1]["valid"] == false);
  REQUIRE(documents[1]["errors"].size() == 1);
  CHECK(documents[1]["errors"][0]["keyword"] == "syntax");
  CHECK(documents[1]["errors"][0]["line"] == 2);
  CHECK(documents[2]["source"] == path + ":3");
  CHECK(documents[2]["valid"] == true);
}

TEST_CASE("JSONL: an empty input has no documents and is valid", "[cli][jsonl]") {
  TempDir dir;
  const std::string empty = dir / "empty.jsonl";
  write_file(empty, "");
  const std::string blank = dir / "blank.jsonl";
  write_file(blank, "\n\n  \n");

  for (const std::string& path : {empty, blank}) {
    INFO(path);
    const auto text = run_cli({"validate", "update-request", path});
    CHECK(text.exit_code == 0);
    CHECK(text.out.empty());
    CHECK(text.err == "no documents\n");

    const auto json = run_cli({"validate", "update-request", "--format", "json", path});
    CHECK(json.exit_code == 0);
    CHECK(json.out.empty());
    CHECK(json.err.empty());
  }
}

TEST_CASE("JSONL: a line longer than --max-bytes is invalid with keyword size", "[cli][jsonl]") {
  TempDir dir;
  const std::string path = dir / "sizes.jsonl";
  // 70 bytes per line limit; line 2 is far longer, and spans several read buffers.
  const std::string long_line = "{\"name\": \"" + std::string(200000, 'x') + "\"}";
  write_file(path, "{\"name\": \"short\"}\n" + long_line + "\n{\"name\": \"" +
                       std::string(58, 'y') + "\"}\n");  // line 3: exactly 70 bytes
  const auto result = run_cli({"validate", "update-request", "--max-bytes", "70", path});
  CHECK(result.exit_code == 1);
  CHECK(result.err.empty());
  CHECK(result.out == path + ":1: valid\n" +
                     path + ":2: invalid (1 error)\n"
                     "  error (root): the document is larger than 70 bytes [size]\n" +
                     path + ":3: valid\n"
                     "3 documents: 2 valid, 1 invalid\n");
}

TEST_CASE("JSONL: 20000 lines", "[cli][jsonl]") {
  TempDir dir;
  const std::string path = dir / "many.jsonl";
  std::string content;
  for (int i = 1; i <= 20000; ++i) content += "{\"name\": \"customer " + std::to_string(i) + "\"}\n";
  write_file(path, content);

  const auto result = run_cli({"validate", "update-request", path});
  CHECK(result.exit_code == 0);
  CHECK(result.err.empty());
  const auto lines = result.out_lines();
  REQUIRE(lines.size() == 20001);
  CHECK(lines[19999] == path + ":20000: valid");
  CHECK(lines[20000] == "20000 documents: 20000 valid, 0 invalid");

  const auto quiet = run_cli({"validate", "update-request", "--quiet", path});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.out.empty());
  CHECK(quiet.err.empty());
}
