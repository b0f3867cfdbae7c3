// What `alguna-contract replay` writes: the text on stdout, the progress bar on stderr, the JSON
// report and the JUnit XML report. Results arrive one at a time in corpus order; both report
// files are streamed (memory stays flat however long the corpus) and appear whole, by rename, only
// when the run ends (OutputFile).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/replay.hpp>

#include "cli/output_file.hpp"

namespace alguna::contract::cli {

struct ReplaySummary {
  std::size_t total = 0;  // scenarios run
  std::size_t passed = 0;
  std::size_t failed = 0;
  std::size_t errors = 0;
  std::size_t warnings = 0;      // request-contract warnings, over all steps
  std::size_t not_selected = 0;  // left out by --tag or --shard
  std::size_t exchanges = 0;     // steps that got an answer
  std::chrono::milliseconds duration{0};
  std::string endpoint;  // the base URL, or the embedded mock's
  bool embedded_mock = false;

  void add(const ScenarioResult& result);
};

// What the reports need of a scenario besides its result.
struct ScenarioInfo {
  std::string description;
  std::vector<std::string> tags;
};

// Removes the key from a text (the library already redacts its results; this is the last line of
// defence for everything the command itself writes).
class Scrubber {
 public:
  explicit Scrubber(std::string key) : key_(std::move(key)) {}
  std::string operator()(std::string text) const;

 private:
  std::string key_;
};

// stdout: one line for each scenario that did not pass, with all its failures, then the summary
// line. Colour only when
// `color` (stdout is a terminal and NO_COLOR is unset or empty).
std::string failure_text(const ScenarioResult& result, bool color);
// "step 1 [status] expected status 200, got 422; step 1 [body] ...": every failure, on one line.
std::string failure_details(const ScenarioResult& result);
std::string summary_text(const ReplaySummary& summary, bool color);
// stderr: a request-contract warning, one line each.
std::string warning_text(const ScenarioResult& result);

// One scenario's entry in the JSON report.
nlohmann::json scenario_json(const ScenarioResult& result, const ScenarioInfo& info);
nlohmann::json summary_json(const ReplaySummary& summary);

// {"summary": {...}, "scenarios": [...]}
class JsonReport {
 public:
  std::optional<std::string> open(const std::string& path) { return file_.open(path); }
  void add(const nlohmann::json& entry, const Scrubber& scrub);
  std::optional<std::string> finish(const ReplaySummary& summary, const Scrubber& scrub);

 private:
  OutputFile file_;
  bool entries_ = false;
};

// JUnit XML: one <testsuite> named after the command, one <testcase> per scenario (classname: the
// corpus file, name: the scenario id), <failure> or <error> with every failure as text.
class JUnitReport {
 public:
  std::optional<std::string> open(const std::string& path) { return file_.open(path); }
  void add(const ScenarioResult& result, const Scrubber& scrub);
  std::optional<std::string> finish(const ReplaySummary& summary, const Scrubber& scrub);

 private:
  OutputFile file_;
};

// XML character data or attribute value: &, <, >, " and ' escaped; characters XML 1.0 forbids
// (C0 controls other than tab, CR and LF) and bytes that are not UTF-8 become U+FFFD.
std::string xml_escape(const std::string& text);

// "[#####-----] 12/40 scenarios, 1 failed" on one terminal line, redrawn at most ten times a second.
class ProgressBar {
 public:
  ProgressBar(std::FILE* stream, std::size_t total) : stream_(stream), total_(total) {}
  void update(std::size_t done, std::size_t not_passed);
  void clear();

 private:
  std::FILE* stream_;
  std::size_t total_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

}  // namespace alguna::contract::cli
