// Replay scenarios: the corpus format (corpus/README.md), read one scenario at a time, the
// variables a recorded request may use, and the checks of an actual response against a recording.
// No transport here: the replayer sends requests and calls Validator for the schema check.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/error.hpp>
#include <alguna/contract/json.hpp>
#include <alguna/contract/mock.hpp>

namespace alguna::contract {

// The request as recorded, before variables are resolved.
struct RecordedRequest {
  std::string method;
  std::string path;                            // the request target: path and optional query
  std::map<std::string, std::string> headers;  // names as written (sorted by name)
  std::optional<nlohmann::json> body;          // sent as JSON text; never together with raw_body
  std::optional<std::string> raw_body;         // sent byte for byte
};

// A recorded status: an exact code (200) or a class ("4xx": status_class 4, code 0).
struct ExpectedStatus {
  int code = 0;
  int status_class = 0;

  bool matches(int actual) const noexcept;
  std::string to_string() const;  // "200" or "4xx"
};

struct RecordedResponse {
  ExpectedStatus status;
  std::map<std::string, std::string> headers;  // must be present with equal values
  std::optional<nlohmann::json> body;          // compared as a subset
};

enum class MatchKind { any, type, date_time, regex };

struct CompiledPattern;  // an RE2 program, private to the library

struct MatchRule {
  std::string pointer;  // RFC 6901, into the response body
  MatchKind kind = MatchKind::any;
  std::string pattern;  // for regex: what follows "regex:"
  std::shared_ptr<const CompiledPattern> compiled;  // for regex; shared, immutable, thread-safe
};

struct Step {
  RecordedRequest request;
  RecordedResponse response;
  std::vector<MatchRule> match;
};

struct Scenario {
  std::string id;
  std::string description;
  std::vector<std::string> tags;
  std::vector<Step> steps;  // one for the single-exchange form
  std::string file;         // where it was read
  std::size_t line = 1;     // its line in a .jsonl file, 1 in a .json file

  std::string source() const;  // "file:line"
};

struct CorpusOptions {
  // Names the caller defines (--var NAME=VALUE). ALGUNA_API_KEY and IDEMPOTENCY_KEY are always
  // defined; any other ${NAME} in a request is a corpus error.
  std::set<std::string> variables;
  // For each scenario's text: a JSONL line or a whole .json file.
  ParseLimits limits;
  // Keep every id to report duplicates. Off only for a second pass over a corpus already read
  // whole with it on (memory then stays flat however many scenarios there are).
  bool check_duplicate_ids = true;
};

// Reads the scenarios of files and directories (searched recursively, sorted by path; only
// .json and .jsonl files) one at a time: memory stays bounded by the largest scenario plus the
// ids seen so far (every id is kept, with where it was first seen, to report duplicates; see
// CorpusOptions::check_duplicate_ids).
class CorpusReader {
 public:
  // Lists the files. Error io_error when a path does not exist or cannot be listed, and
  // invalid_argument when a path named directly is not a .json or .jsonl file.
  static Result<CorpusReader> open(const std::vector<std::string>& paths, CorpusOptions options = {}) noexcept;

  // The next scenario; std::nullopt at the end. A corpus error is an Error with code corpus_error
  // and a message "file:line: what is wrong"; an unreadable file is io_error.
  // After an error, reading goes on with the next scenario, so that all errors can be listed.
  Result<std::optional<Scenario>> next() noexcept;

  const std::vector<std::string>& files() const noexcept;

  CorpusReader(CorpusReader&&) noexcept;
  CorpusReader& operator=(CorpusReader&&) noexcept;
  ~CorpusReader();

 private:
  struct Impl;
  explicit CorpusReader(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

// The scenario in the corpus format (one line of a .jsonl file once dumped): parse_scenario of its
// dump gives the same scenario back. The single-exchange form when it has one step.
nlohmann::json to_json(const Scenario& scenario);

// Parses one scenario from its text (what the reader does for each one, minus the duplicate-id
// check). `file` and `line` only name it in errors.
Result<Scenario> parse_scenario(std::string_view text, const std::string& file, std::size_t line,
                                const CorpusOptions& options = {}) noexcept;

// Values for the variables of one scenario run.
struct VariableValues {
  // ${ALGUNA_API_KEY} is the value of this environment variable, read (with getenv) only when a
  // request uses it. No other environment variable is ever read.
  std::string api_key_env = "ALGUNA_API_KEY";
  // When set, ${ALGUNA_API_KEY} is this value and the environment is not read (the replayer gives
  // each scenario run its own key against the embedded mock).
  std::optional<std::string> api_key;
  // ${IDEMPOTENCY_KEY}: the same for every step of a run; see make_idempotency_key().
  std::string idempotency_key;
  // --var NAME=VALUE
  std::map<std::string, std::string> variables;
};

// "ik_" and 32 random hexadecimal digits (std::random_device).
std::string make_idempotency_key();

// The request to send: variables substituted in the path, header values, raw_body and string
// values inside body (not keys); "$${" stands for a literal "${". Error invalid_argument when the
// API key's environment variable is unset or a variable has no value; the message never holds a
// value.
Result<HttpRequest> resolve_request(const RecordedRequest& request, const VariableValues& values) noexcept;

struct Failure {
  std::string check;     // "status", "content-type", "body" or "header"
  std::string path;      // JSON Pointer into the body for "body"; the header name for "header"
  std::string expected;  // short: long values are cut
  std::string actual;
  std::string message;
};

// Compares an actual response with a recorded step: status, content type (JSON when a body is
// recorded), body (subset match relaxed by the step's match rules) and headers.
std::vector<Failure> match_response(const Step& step, int status, const Headers& headers,
                                    std::string_view body) noexcept;

// {"check", "path", "expected", "actual", "message"}
nlohmann::json to_json(const Failure& failure);

}  // namespace alguna::contract
