// fuzz_corpus: any bytes, as a replay corpus file.
//
// Invariant: for any bytes, read as a .json corpus file (parse_scenario) and as a .jsonl corpus
// file (CorpusReader over a file holding them), the result is scenarios or clear corpus errors:
// nothing crashes, hangs, leaks or escapes as an exception, and
//   - every error is Errc::corpus_error with a message "FILE:LINE: what is wrong", LINE the
//     scenario's line, that is valid UTF-8 and is never an "internal error";
//   - the reader yields one result per non-blank line, in order, each the same verdict (and the
//     same scenario) as parse_scenario on that line alone, except that a repeated id is an error;
//   - every scenario has a non-empty id and at least one step, each with a non-empty method;
//     its requests resolve (resolve_request) with only the built-in variables given, since
//     nothing else was defined; and match_response never fails internally, comparing the
//     recording with the doc's example Customer and with a response that is the recording itself,
//     which matches it but for match rules and header names that differ only in case.
// The harness catches nothing.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/mock.hpp>

#include "fuzz_check.hpp"

namespace {

using namespace alguna::contract;

// A directory of our own for the .jsonl file the reader reads (RAM-backed when /dev/shm exists).
const std::string& jsonl_path() {
  static const std::string path = [] {
    std::string pattern = access("/dev/shm", W_OK) == 0 ? "/dev/shm/fuzz_corpus.XXXXXX" : "/tmp/fuzz_corpus.XXXXXX";
    FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr, "cannot make a temporary directory");
    static std::string directory = pattern;
    std::atexit([] {
      std::remove((directory + "/input.jsonl").c_str());
      rmdir(directory.c_str());
    });
    return pattern + "/input.jsonl";
  }();
  return path;
}

const std::string& example_customer() {
  static const std::string text = default_customer().dump();
  return text;
}

void check_error(const Error& error, const std::string& file, std::size_t line) {
  const std::string prefix = file + ":" + std::to_string(line) + ": ";
  FUZZ_CHECK(error.code == Errc::corpus_error, std::string(to_string(error.code)) + ": " + error.message);
  FUZZ_CHECK(error.message.rfind(prefix, 0) == 0 && error.message.size() > prefix.size(),
             "expected \"" + prefix + "...\", got: " + error.message);
  // parse_scenario's last resort for an exception: "FILE:LINE: internal error: ...". A bug.
  FUZZ_CHECK(error.message.compare(prefix.size(), 16, "internal error: ") != 0, error.message);
  FUZZ_CHECK(alguna_fuzz::is_utf8(error.message), error.message);
}

bool same(const Scenario& a, const Scenario& b) {
  if (a.id != b.id || a.description != b.description || a.tags != b.tags || a.steps.size() != b.steps.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.steps.size(); ++i) {
    const Step& x = a.steps[i];
    const Step& y = b.steps[i];
    if (x.request.method != y.request.method || x.request.path != y.request.path ||
        x.request.headers != y.request.headers || x.request.body != y.request.body ||
        x.request.raw_body != y.request.raw_body || x.response.status.code != y.response.status.code ||
        x.response.status.status_class != y.response.status.status_class ||
        x.response.headers != y.response.headers || x.response.body != y.response.body ||
        x.match.size() != y.match.size()) {
      return false;
    }
  }
  return true;
}

void check_scenario(const Scenario& scenario) {
  FUZZ_CHECK(!scenario.id.empty(), "a scenario without an id");
  FUZZ_CHECK(!scenario.steps.empty(), "scenario " + scenario.id + " has no steps");
  VariableValues values;
  values.api_key = "sk_test_fuzz";
  values.idempotency_key = "ik_0123456789abcdef0123456789abcdef";
  for (const Step& step : scenario.steps) {
    FUZZ_CHECK(!step.request.method.empty(), "a step without a method");
    const Result<HttpRequest> resolved = resolve_request(step.request, values);
    FUZZ_CHECK(resolved.has_value(), "an accepted scenario does not resolve: " + resolved.error().message);

    const Headers json_type = {{"Content-Type", "application/json"}};
    for (const Failure& failure : match_response(step, 200, json_type, example_customer())) {
      FUZZ_CHECK(failure.check != "internal", failure.message);
    }

    // The recording itself as the answer.
    const int status = step.response.status.code != 0 ? step.response.status.code : step.response.status.status_class * 100;
    Headers headers = json_type;
    for (const auto& [name, value] : step.response.headers) headers.emplace_back(name, value);
    const std::string body = step.response.body ? step.response.body->dump() : std::string("{}");
    for (const Failure& failure : match_response(step, status, headers, body)) {
      FUZZ_CHECK(failure.check != "internal", failure.message);
      bool explained = false;
      if (failure.check == "body") {
        for (const MatchRule& rule : step.match) explained |= rule.pointer == failure.path;
      } else if (failure.check == "header") {
        // Two recorded names equal but for case, or a recorded Content-Type (ours comes first):
        // the first header of the name answers for both.
        explained = alguna_fuzz::iequals(failure.path, "Content-Type");
        for (const auto& [name, value] : step.response.headers) {
          if (name != failure.path && alguna_fuzz::iequals(name, failure.path)) explained = true;
        }
      }
      FUZZ_CHECK(explained, "the recording does not match itself: [" + failure.check + "] " + failure.message);
    }
  }
}

bool is_blank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // As a .json file: one scenario.
  const Result<Scenario> whole = parse_scenario(text, "fuzz.json", 1);
  if (whole) {
    check_scenario(*whole);
  } else {
    check_error(whole.error(), "fuzz.json", 1);
  }

  // As a .jsonl file, through the reader, line by line against parse_scenario.
  const std::string& path = jsonl_path();
  {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    FUZZ_CHECK(file != nullptr, "cannot write " + path);
    FUZZ_CHECK(std::fwrite(text.data(), 1, text.size(), file) == text.size(), "cannot write " + path);
    std::fclose(file);
  }
  Result<CorpusReader> reader = CorpusReader::open({path});
  FUZZ_CHECK(reader.has_value(), "CorpusReader::open failed: " + reader.error().message);

  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (is_blank(line)) continue;
    const Result<Scenario> alone = parse_scenario(line, path, line_number);
    Result<std::optional<Scenario>> read = reader->next();
    if (!read) {
      check_error(read.error(), path, line_number);
      if (alone) {
        FUZZ_CHECK(read.error().message.find("duplicate id") != std::string::npos,
                   "line " + std::to_string(line_number) + " parses alone but the reader says: " + read.error().message);
      } else {
        FUZZ_CHECK(read.error().message == alone.error().message,
                   "line " + std::to_string(line_number) + ": the reader says " + read.error().message +
                       ", parse_scenario says " + alone.error().message);
      }
      continue;
    }
    FUZZ_CHECK(read->has_value(), "the reader ended before line " + std::to_string(line_number));
    const Scenario& scenario = **read;
    FUZZ_CHECK(alone.has_value(), "line " + std::to_string(line_number) + ": the reader accepts what parse_scenario refuses: " +
                                      alone.error().message);
    FUZZ_CHECK(scenario.file == path && scenario.line == line_number,
               "the reader places line " + std::to_string(line_number) + " at " + scenario.source());
    FUZZ_CHECK(same(scenario, *alone), "line " + std::to_string(line_number) + ": the reader and parse_scenario differ");
    check_scenario(scenario);
  }
  const Result<std::optional<Scenario>> end = reader->next();
  FUZZ_CHECK(end.has_value() && !end->has_value(),
             "the reader yields more than the file's lines: " +
                 (end.has_value() ? (*end)->source() : end.error().message));
  return 0;
}
