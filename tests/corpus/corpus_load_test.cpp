// Reading replay scenarios: files, directories, every corpus error with its file:line, variables.
#include <stdlib.h>  // setenv, unsetenv

#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <alguna/contract/corpus.hpp>

#include "temp_dir.hpp"

using namespace alguna::contract;
using alguna::contract::testing::TempDir;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string minimal(const std::string& id) {
  return R"({"id": ")" + id +
         R"(", "request": {"method": "GET", "path": "/customers/cust_abc123"}, "response": {"status": 200}})";
}

// Every scenario of the corpus, or fails on the first error.
std::vector<Scenario> read_all(const std::vector<std::string>& paths, CorpusOptions options = {}) {
  auto reader = CorpusReader::open(paths, std::move(options));
  INFO(reader.error().message);
  REQUIRE(reader);
  std::vector<Scenario> out;
  for (;;) {
    auto next = reader->next();
    INFO(next.error().message);
    REQUIRE(next);
    if (!next.value()) break;
    out.push_back(std::move(*next.value()));
  }
  return out;
}

// Every error message of the corpus, reading on after each.
std::vector<std::string> errors_of(const std::vector<std::string>& paths, CorpusOptions options = {}) {
  auto reader = CorpusReader::open(paths, std::move(options));
  REQUIRE(reader);
  std::vector<std::string> out;
  for (;;) {
    auto next = reader->next();
    if (!next) {
      out.push_back(next.error().message);
      continue;
    }
    if (!next.value()) break;
  }
  return out;
}

// The one error of a one-scenario text in a .json file.
std::string error_of(const std::string& text, CorpusOptions options = {}) {
  auto scenario = parse_scenario(text, "case.json", 1, options);
  REQUIRE_FALSE(scenario);
  CHECK(scenario.error().code == Errc::corpus_error);
  return scenario.error().message;
}

// The issue's example exchange, as a fixture.
const char* const kIssueExample = R"({"id": "rename", "description": "...", "tags": ["positive"],
 "request":  {"method": "PATCH", "path": "/customers/cust_abc123",
              "headers": {"Alguna-Version": "2026-04-01", "Authorization": "Bearer ${ALGUNA_API_KEY}",
                          "Idempotency-Key": "${IDEMPOTENCY_KEY}", "Content-Type": "application/json"},
              "body": {"name": "Acme Corp"}},
 "response": {"status": 200, "headers": {"Idempotent-Replayed": "false"},
              "body": {"id": "cust_abc123", "name": "Acme Corp"}},
 "match": {"/updated_at": "date-time"}}
)";

}  // namespace

TEST_CASE("corpus: the issue's example scenario loads", "[corpus]") {
  TempDir dir;
  write(dir / "rename.json", kIssueExample);
  const auto scenarios = read_all({dir / "rename.json"});
  REQUIRE(scenarios.size() == 1);
  const Scenario& s = scenarios[0];
  CHECK(s.id == "rename");
  CHECK(s.description == "...");
  CHECK(s.tags == std::vector<std::string>{"positive"});
  CHECK(s.source() == (dir / "rename.json") + ":1");
  REQUIRE(s.steps.size() == 1);
  const Step& step = s.steps[0];
  CHECK(step.request.method == "PATCH");
  CHECK(step.request.path == "/customers/cust_abc123");
  CHECK(step.request.headers.at("Authorization") == "Bearer ${ALGUNA_API_KEY}");
  CHECK(*step.request.body == nlohmann::json{{"name", "Acme Corp"}});
  CHECK_FALSE(step.request.raw_body);
  CHECK(step.response.status.code == 200);
  CHECK(step.response.headers.at("Idempotent-Replayed") == "false");
  REQUIRE(step.match.size() == 1);
  CHECK(step.match[0].pointer == "/updated_at");
  CHECK(step.match[0].kind == MatchKind::date_time);
}

TEST_CASE("corpus: .jsonl lines, blank lines skipped, and steps", "[corpus]") {
  TempDir dir;
  write(dir / "a.jsonl", minimal("one") + "\n\n   \n" + minimal("two") + "\r\n" +
                             R"({"id": "seq", "tags": ["a", "b"], "steps": [)"
                             R"({"request": {"method": "PATCH", "path": "/customers/x", "raw_body": "{"},)"
                             R"( "response": {"status": "4xx", "body": {"status": 400}}},)"
                             R"({"request": {"method": "GET", "path": "/customers/x"}, "response": {"status": 404},)"
                             R"( "match": {"/detail": "regex:.*not.*"}}]})" "\n");
  const auto scenarios = read_all({dir / "a.jsonl"});
  REQUIRE(scenarios.size() == 3);
  CHECK(scenarios[0].id == "one");
  CHECK(scenarios[0].line == 1);
  CHECK(scenarios[1].id == "two");
  CHECK(scenarios[1].line == 4);
  CHECK(scenarios[2].id == "seq");
  CHECK(scenarios[2].line == 5);
  REQUIRE(scenarios[2].steps.size() == 2);
  CHECK(*scenarios[2].steps[0].request.raw_body == "{");
  CHECK(scenarios[2].steps[0].response.status.status_class == 4);
  CHECK(scenarios[2].steps[0].response.status.to_string() == "4xx");
  CHECK(scenarios[2].steps[1].match.at(0).kind == MatchKind::regex);
}

TEST_CASE("corpus: directories are searched recursively in path order, other files ignored", "[corpus]") {
  TempDir dir;
  std::filesystem::create_directories(dir / "b/inner");
  std::filesystem::create_directories(dir / "a");
  write(dir / "b/inner/z.json", minimal("b-inner-z"));
  write(dir / "b/c.jsonl", minimal("b-c-1") + "\n" + minimal("b-c-2") + "\n");
  write(dir / "a/y.json", minimal("a-y"));
  write(dir / "README.md", "not a scenario");
  write(dir / "a/notes.txt", "{");
  write(dir / "top.json", minimal("top"));
  std::vector<std::string> ids;
  for (const auto& s : read_all({dir.path()})) ids.push_back(s.id);
  CHECK(ids == std::vector<std::string>{"a-y", "b-c-1", "b-c-2", "b-inner-z", "top"});

  SECTION("paths keep the order they are given in") {
    ids.clear();
    for (const auto& s : read_all({dir / "top.json", dir / "a"})) ids.push_back(s.id);
    CHECK(ids == std::vector<std::string>{"top", "a-y"});
  }
  SECTION("a missing path or a named file of another kind is an error at open") {
    auto missing = CorpusReader::open({dir / "nope"});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == Errc::io_error);
    auto text = CorpusReader::open({dir / "a/notes.txt"});
    REQUIRE_FALSE(text);
    CHECK(text.error().code == Errc::invalid_argument);
  }
}

TEST_CASE("corpus: duplicate ids across files name both places", "[corpus]") {
  TempDir dir;
  write(dir / "a.json", minimal("same"));
  write(dir / "b.jsonl", minimal("other") + "\n" + minimal("same") + "\n");
  const auto errors = errors_of({dir.path()});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == (dir / "b.jsonl") + ":2: duplicate id \"same\" (first at " + (dir / "a.json") + ":1)");
}

TEST_CASE("corpus: a second pass may skip the duplicate check and keep no ids", "[corpus]") {
  TempDir dir;
  write(dir / "b.jsonl", minimal("same") + "\n" + minimal("same") + "\n");
  CHECK(errors_of({dir.path()}).size() == 1);
  CorpusOptions options;
  options.check_duplicate_ids = false;
  auto reader = CorpusReader::open({dir.path()}, options);
  REQUIRE(reader);
  std::size_t read = 0;
  for (auto next = reader->next(); next && next.value(); next = reader->next()) ++read;
  CHECK(read == 2);
}

TEST_CASE("corpus: errors in a .jsonl file carry its line, and reading goes on", "[corpus]") {
  TempDir dir;
  write(dir / "c.jsonl", minimal("ok1") + "\n{\"id\": \n" + minimal("ok2") + "\n" +
                             R"({"id": "typo", "request": {"method": "GET", "path": "/"}, "respnse": {"status": 200}})" "\n");
  auto reader = CorpusReader::open({dir / "c.jsonl"});
  REQUIRE(reader);
  std::vector<std::string> seen;
  for (;;) {
    auto next = reader->next();
    if (!next) {
      seen.push_back(next.error().message);
      continue;
    }
    if (!next.value()) break;
    seen.push_back("ok " + next.value()->id);
  }
  REQUIRE(seen.size() == 4);
  CHECK(seen[0] == "ok ok1");
  CHECK_THAT(seen[1], Catch::StartsWith((dir / "c.jsonl") + ":2: not JSON: line 2, column"));
  CHECK(seen[2] == "ok ok2");
  CHECK_THAT(seen[3], Catch::StartsWith((dir / "c.jsonl") + ":4: scenario: unknown key \"respnse\""));
}

TEST_CASE("corpus: every kind of corpus error, named with file:line", "[corpus]") {
  const std::string req = R"("request": {"method": "GET", "path": "/c"})";
  const std::string resp = R"("response": {"status": 200})";
  CHECK_THAT(error_of("{"), Catch::StartsWith("case.json:1: not JSON: line 1, column"));
  CHECK_THAT(error_of("{\"id\": \"a\",\n\"id\": \"b\", " + req + ", " + resp + "}"),
             Catch::StartsWith("case.json:1: duplicate key at /id"));
  CHECK(error_of("[1]") == "case.json:1: a scenario is a JSON object, got array");
  CHECK_THAT(error_of("{" + req + ", " + resp + "}"), Catch::StartsWith("case.json:1: scenario: missing \"id\""));
  CHECK_THAT(error_of(R"({"id": "x", )" + resp + "}"), Catch::Contains("scenario \"x\": missing \"request\""));
  CHECK_THAT(error_of(R"({"id": "x", )" + req + "}"), Catch::Contains("scenario \"x\": missing \"response\""));
  CHECK_THAT(error_of(R"({"id": "x", "descripton": "", )" + req + ", " + resp + "}"),
             Catch::Contains("unknown key \"descripton\""));
  CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c", "header": {}}, )" + resp + "}"),
             Catch::Contains("scenario \"x\"/request: unknown key \"header\""));
  CHECK_THAT(error_of(R"({"id": "x", )" + req + R"(, "response": {"status": 200, "bdy": {}}})"),
             Catch::Contains("scenario \"x\"/response: unknown key \"bdy\""));
  CHECK_THAT(error_of(R"({"id": "x", "steps": [{)" + req + ", " + resp + R"(, "matc": {}}]})"),
             Catch::Contains("scenario \"x\"/steps/0: unknown key \"matc\""));
  CHECK_THAT(error_of(R"({"id": "x", "steps": [], )" + req + "}"), Catch::Contains("unknown key \"request\""));
  CHECK_THAT(error_of(R"({"id": "x", "steps": []})"), Catch::Contains("steps: expected a non-empty array"));
  CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c", "body": {}, "raw_body": ""}, )" + resp + "}"),
             Catch::Contains("\"body\" and \"raw_body\" both given"));
  CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c", "headers": {"A": 1}}, )" + resp + "}"),
             Catch::Contains("request/headers/A: expected a string, got number"));
  CHECK_THAT(error_of(R"({"id": "x", "request": {"path": "/c"}, )" + resp + "}"), Catch::Contains("missing \"method\""));

  SECTION("bad statuses") {
    for (const char* status : {"99", "600", "\"2XX\"", "\"6xx\"", "\"200\"", "2.5", "null"}) {
      INFO(status);
      CHECK_THAT(error_of(R"({"id": "x", )" + req + R"(, "response": {"status": )" + status + "}}"),
                 Catch::Contains("scenario \"x\"/response/status: "));
    }
    CHECK_THAT(error_of(R"({"id": "x", )" + req + R"(, "response": {}})"), Catch::Contains("missing \"status\""));
  }
  SECTION("bad match rules and pointers") {
    CHECK_THAT(error_of(R"({"id": "x", )" + req + ", " + resp + R"(, "match": {"/a": "anything"}})"),
               Catch::Contains("scenario \"x\"/match/~1a: unknown rule \"anything\""));
    CHECK_THAT(error_of(R"({"id": "x", )" + req + ", " + resp + R"(, "match": {"a/b": "any"}})"),
               Catch::Contains("\"a/b\" is not a JSON Pointer"));
    CHECK_THAT(error_of(R"({"id": "x", )" + req + ", " + resp + R"(, "match": {"/a~2": "any"}})"),
               Catch::Contains("is not a JSON Pointer"));
    CHECK_THAT(error_of(R"({"id": "x", )" + req + ", " + resp + R"(, "match": {"/a": 1}})"),
               Catch::Contains("expected \"any\", \"type\""));
    CHECK_THAT(error_of(R"({"id": "x", )" + req + ", " + resp + R"(, "match": {"/a": "regex:(unclosed"}})"),
               Catch::Contains("the pattern \"(unclosed\" does not compile: missing )"));
    CHECK(parse_scenario(R"({"id": "x", )" + req + ", " + resp + R"(, "match": {"": "any", "/a~0b~1/0": "type"}})",
                         "case.json", 1));
  }
  SECTION("unknown variables, in every place they are substituted") {
    CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c/${CUSTOMER}"}, )" + resp + "}"),
               Catch::Contains("request/path: unknown variable ${CUSTOMER}"));
    CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c", "headers": {"X": "${HOME}"}}, )" + resp + "}"),
               Catch::Contains("request/headers/X: unknown variable ${HOME}"));
    CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c", "raw_body": "${PATH}"}, )" + resp + "}"),
               Catch::Contains("request/raw_body: unknown variable ${PATH}"));
    CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c", "body": {"a": [1, "${X}"]}}, )" + resp + "}"),
               Catch::Contains("request/body/a/1: unknown variable ${X}"));
    CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c${"}, )" + resp + "}"),
               Catch::Contains("without a closing"));
    CHECK_THAT(error_of(R"({"id": "x", "request": {"method": "GET", "path": "/c${1A}"}, )" + resp + "}"),
               Catch::Contains("bad variable name"));
    // Defined by the caller, escaped, or in a key: fine.
    CorpusOptions options;
    options.variables = {"CUSTOMER"};
    CHECK(parse_scenario(R"({"id": "x", "request": {"method": "GET", "path": "/c/${CUSTOMER}$${HOME}",
                           "body": {"${KEY}": "$5"}}, )" + resp + "}", "case.json", 1, options));
  }
}

TEST_CASE("corpus: variables are substituted at resolve time", "[corpus]") {
  CorpusOptions options;
  options.variables = {"CUSTOMER"};
  auto scenario = parse_scenario(
      R"({"id": "v", "steps": [
        {"request": {"method": "PATCH", "path": "/customers/${CUSTOMER}",
                     "headers": {"Authorization": "Bearer ${ALGUNA_API_KEY}", "Idempotency-Key": "${IDEMPOTENCY_KEY}"},
                     "body": {"name": "${CUSTOMER} $${literal}", "${CUSTOMER}": 1}},
         "response": {"status": 200}},
        {"request": {"method": "PATCH", "path": "/customers/${CUSTOMER}",
                     "headers": {"Idempotency-Key": "${IDEMPOTENCY_KEY}"}, "raw_body": "{\"n\": \"${CUSTOMER}\"}"},
         "response": {"status": 200}}]})",
      "v.json", 1, options);
  INFO(scenario.error().message);
  REQUIRE(scenario);

  ::setenv("ALGUNA_TEST_KEY_ENV", "sk_test_secret", 1);
  ::setenv("ALGUNA_API_KEY", "sk_wrong_variable", 1);
  VariableValues values;
  values.api_key_env = "ALGUNA_TEST_KEY_ENV";
  values.idempotency_key = make_idempotency_key();
  values.variables = {{"CUSTOMER", "cust_abc123"}};

  auto first = resolve_request(scenario->steps[0].request, values);
  auto second = resolve_request(scenario->steps[1].request, values);
  INFO(first.error().message);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->method == "PATCH");
  CHECK(first->target == "/customers/cust_abc123");
  const Headers expected_headers{{"Authorization", "Bearer sk_test_secret"}, {"Idempotency-Key", values.idempotency_key}};
  CHECK(first->headers == expected_headers);
  CHECK(nlohmann::json::parse(first->body) ==
        nlohmann::json{{"name", "cust_abc123 ${literal}"}, {"${CUSTOMER}", 1}});
  CHECK(second->headers.at(0).second == values.idempotency_key);
  CHECK(second->body == R"({"n": "cust_abc123"})");

  SECTION("the idempotency key helper") {
    const std::string key = make_idempotency_key();
    CHECK(key.size() == 35);
    CHECK(key.rfind("ik_", 0) == 0);
    CHECK(key.find_first_not_of("0123456789abcdef", 3) == std::string::npos);
    CHECK(key != make_idempotency_key());
  }
  SECTION("an unset API key variable is an error that names the variable, not a value") {
    ::unsetenv("ALGUNA_TEST_KEY_ENV");
    auto resolved = resolve_request(scenario->steps[0].request, values);
    REQUIRE_FALSE(resolved);
    CHECK(resolved.error().code == Errc::invalid_argument);
    CHECK_THAT(resolved.error().message, Catch::Contains("\"ALGUNA_TEST_KEY_ENV\" is not set"));
    // A step that does not use the key does not need it.
    CHECK(resolve_request(scenario->steps[1].request, values));
  }
  SECTION("a caller variable without a value, or redefining a built-in, is an error") {
    VariableValues missing = values;
    missing.variables.clear();
    CHECK_FALSE(resolve_request(scenario->steps[1].request, missing));
    VariableValues builtin = values;
    builtin.variables["ALGUNA_API_KEY"] = "x";
    CHECK_FALSE(resolve_request(scenario->steps[1].request, builtin));
  }
  ::unsetenv("ALGUNA_TEST_KEY_ENV");
  ::unsetenv("ALGUNA_API_KEY");
}

TEST_CASE("corpus: a JSONL of 200,000 scenarios streams", "[corpus]") {
  TempDir dir;
  {
    std::ofstream out(dir / "big.jsonl", std::ios::binary);
    for (int i = 0; i < 200000; ++i) {
      out << R"({"id": "s)" << i
          << R"(", "request": {"method": "PATCH", "path": "/customers/cust_abc123", "body": {"name": "n"}},)"
             R"( "response": {"status": 200, "body": {"name": "n"}}})"
          << '\n';
    }
  }
  auto reader = CorpusReader::open({dir / "big.jsonl"});
  REQUIRE(reader);
  std::size_t count = 0;
  std::size_t last_line = 0;
  for (;;) {
    auto next = reader->next();
    REQUIRE(next);
    if (!next.value()) break;
    ++count;
    last_line = next.value()->line;
  }
  CHECK(count == 200000);
  CHECK(last_line == 200000);
}

TEST_CASE("corpus: long .jsonl lines, a line over the limit, and a last line without a newline", "[corpus]") {
  TempDir dir;
  const std::string long_description(200000, 'd');  // longer than the reader's 64 KiB buffer
  const std::string long_scenario = R"({"id": "long", "description": ")" + long_description +
                                    R"(", "request": {"method": "GET", "path": "/c"}, "response": {"status": 200}})";
  write(dir / "l.jsonl", long_scenario + "\n" + minimal("after") + "\n" + minimal("last"));

  const auto scenarios = read_all({dir / "l.jsonl"});
  REQUIRE(scenarios.size() == 3);
  CHECK(scenarios[0].description == long_description);
  CHECK(scenarios[1].id == "after");
  CHECK(scenarios[1].line == 2);
  CHECK(scenarios[2].id == "last");
  CHECK(scenarios[2].line == 3);

  CorpusOptions small;
  small.limits.max_bytes = 1000;
  const auto errors = errors_of({dir / "l.jsonl"}, small);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == (dir / "l.jsonl") + ":1: the line is longer than the limit of 1000 bytes");
}
