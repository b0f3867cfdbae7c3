#include "cli/replay_output.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <unistd.h>

namespace alguna::contract::cli {

namespace {

using nlohmann::json;

const char* const kRed = "\x1b[31m";
const char* const kGreen = "\x1b[32m";
const char* const kBold = "\x1b[1m";
const char* const kReset = "\x1b[0m";

std::string dump(const json& value) {
  // Failure texts may hold bytes that are not UTF-8 (an endpoint's answer); never throw on them.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string plural(std::size_t count, const char* noun) {
  return std::to_string(count) + ' ' + noun + (count == 1 ? "" : "s");
}

std::string seconds(std::chrono::milliseconds duration) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(duration.count()) / 1000.0);
  return text;
}

// "/tax_rate: " for a schema failure (its message does not name the field); other checks' messages
// already say where.
std::string failure_line(const Failure& failure) {
  std::string line = "[" + failure.check + "] ";
  if (failure.check == "schema") line += (failure.path.empty() ? std::string("(the body)") : failure.path) + ": ";
  return line + failure.message;
}

// The number of bytes of the UTF-8 sequence starting at text[i], or 0 when it is not valid.
std::size_t utf8_length(const std::string& text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) { length = 2; code = lead & 0x1F; }
  else if (lead >= 0xE0 && lead <= 0xEF) { length = 3; code = lead & 0x0F; }
  else if (lead >= 0xF0 && lead <= 0xF4) { length = 4; code = lead & 0x07; }
  else return 0;
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  // U+FFFE and U+FFFF are not XML characters either.
  if (overlong || surrogate || code > 0x10FFFF || code == 0xFFFE || code == 0xFFFF) return 0;
  return length;
}

}  // namespace

void ReplaySummary::add(const ScenarioResult& result) {
  ++total;
  switch (result.outcome) {
    case Outcome::passed: ++passed; break;
    case Outcome::failed: ++failed; break;
    case Outcome::error: ++errors; break;
  }
  for (const StepResult& step : result.steps) {
    warnings += step.request_warnings.size();
    if (step.status_code != 0) ++exchanges;
  }
}

std::string Scrubber::operator()(std::string text) const {
  if (key_.empty()) return text;
  for (std::size_t at = text.find(key_); at != std::string::npos; at = text.find(key_, at + 3)) {
    text.replace(at, key_.size(), "***");
  }
  return text;
}

std::string failure_details(const ScenarioResult& result) {
  const bool error = result.outcome == Outcome::error;
  std::string text;
  std::string separator;
  for (std::size_t i = 0; i < result.steps.size(); ++i) {
    for (const Failure& failure : result.steps[i].failures) {
      if (error && failure.check == "transport") continue;  // the error message says it
      text += separator + "step " + std::to_string(i + 1) + " " + failure_line(failure);
      separator = "; ";
    }
  }
  if (error) text += separator + result.error;
  // A value from the endpoint may hold a line break: the line stays one line.
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

std::string failure_text(const ScenarioResult& result, bool color) {
  if (result.outcome == Outcome::passed) return {};
  std::string text;
  if (color) text += std::string(kBold) + kRed;
  text += result.outcome == Outcome::error ? "ERROR " : "FAIL  ";
  if (color) text += kReset;
  // One line per scenario, so that a CI log can be searched line by line.
  return text + result.id + "  (" + result.source + ", " + std::to_string(result.duration.count()) +
         " ms): " + failure_details(result) + '\n';
}

std::string warning_text(const ScenarioResult& result) {
  std::string text;
  for (std::size_t i = 0; i < result.steps.size(); ++i) {
    for (const Violation& warning : result.steps[i].request_warnings) {
      text += "warning: " + result.id + " (" + result.source + ") step " + std::to_string(i + 1) +
              ": the recorded request breaks the request contract although a 2xx is recorded: " +
              (warning.path.empty() ? std::string("(the request)") : warning.path) + ": " + warning.message + '\n';
    }
  }
  return text;
}

std::string summary_text(const ReplaySummary& summary, bool color) {
  const bool ok = summary.failed == 0 && summary.errors == 0;
  std::string text;
  if (color) text += std::string(kBold) + (ok ? kGreen : kRed);
  text += plural(summary.total, "scenario") + ": " + std::to_string(summary.passed) + " passed, " +
          std::to_string(summary.failed) + " failed, " + plural(summary.errors, "error");
  if (color) text += kReset;
  if (summary.warnings != 0) text += ", " + plural(summary.warnings, "warning");
  if (summary.not_selected != 0) text += ", " + std::to_string(summary.not_selected) + " not selected";
  text += " in " + seconds(summary.duration) + " s (" + plural(summary.exchanges, "exchange") + " with " +
          (summary.embedded_mock ? "the embedded mock at " : "") + summary.endpoint + ")\n";
  return text;
}

json scenario_json(const ScenarioResult& result, const ScenarioInfo& info) {
  json steps = json::array();
  for (const StepResult& step : result.steps) {
    json failures = json::array();
    for (const Failure& failure : step.failures) failures.push_back(to_json(failure));
    json warnings = json::array();
    for (const Violation& warning : step.request_warnings) {
      warnings.push_back({{"path", warning.path}, {"keyword", warning.keyword}, {"message", warning.message}});
    }
    steps.push_back({{"status_code", step.status_code}, {"failures", std::move(failures)}, {"warnings", std::move(warnings)}});
  }
  json entry = {{"id", result.id},
                {"source", result.source},
                {"status", to_string(result.outcome)},
                {"duration_ms", result.duration.count()}};
  if (!info.description.empty()) entry["description"] = info.description;
  entry["tags"] = info.tags;
  if (result.outcome == Outcome::error) entry["error"] = result.error;
  entry["steps"] = std::move(steps);
  return entry;
}

json summary_json(const ReplaySummary& summary) {
  return {{"total", summary.total},
          {"passed", summary.passed},
          {"failed", summary.failed},
          {"errors", summary.errors},
          {"warnings", summary.warnings},
          {"not_selected", summary.not_selected},
          {"exchanges", summary.exchanges},
          {"duration_ms", summary.duration.count()},
          {"endpoint", summary.endpoint},
          {"embedded_mock", summary.embedded_mock}};
}

void JsonReport::add(const json& entry, const Scrubber& scrub) {
  if (entries_) file_.body() << ",\n";
  file_.body() << "    " << scrub(dump(entry));
  entries_ = true;
}

std::optional<std::string> JsonReport::finish(const ReplaySummary& summary, const Scrubber& scrub) {
  return file_.finish("{\n  \"summary\": " + scrub(dump(summary_json(summary))) + ",\n  \"scenarios\": [\n",
                      std::string(entries_ ? "\n" : "") + "  ]\n}\n");
}

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&': out += "&amp;"; ++i; continue;
      case '<': out += "&lt;"; ++i; continue;
      case '>': out += "&gt;"; ++i; continue;
      case '"': out += "&quot;"; ++i; continue;
      case '\'': out += "&apos;"; ++i; continue;
      default: break;
    }
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    const std::size_t length = utf8_length(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(text, i, length);
    i += length;
  }
  return out;
}

void JUnitReport::add(const ScenarioResult& result, const Scrubber& scrub) {
  const std::size_t colon = result.source.rfind(':');
  const std::string file = colon == std::string::npos ? result.source : result.source.substr(0, colon);
  std::ostringstream testcase;
  testcase << "    <testcase classname=\"" << xml_escape(scrub(file)) << "\" name=\"" << xml_escape(scrub(result.id))
           << "\" file=\"" << xml_escape(scrub(result.source)) << "\" time=\"" << seconds(result.duration) << "\"";
  if (result.outcome == Outcome::passed) {
    testcase << "/>\n";
  } else {
    std::string details;
    std::size_t count = 0;
    for (std::size_t i = 0; i < result.steps.size(); ++i) {
      for (const Failure& failure : result.steps[i].failures) {
        details += "step " + std::to_string(i + 1) + " " + failure_line(failure) + '\n';
        ++count;
      }
    }
    const bool error = result.outcome == Outcome::error;
    if (error) details += result.error + '\n';
    const std::string message = error ? result.error : plural(count, "failure") + ", the first: " +
                                                           [&] {
                                                             for (const auto& step : result.steps)
                                                               for (const auto& failure : step.failures)
                                                                 return failure_line(failure);
                                                             return std::string();
                                                           }();
    const char* element = error ? "error" : "failure";
    testcase << ">\n      <" << element << " message=\"" << xml_escape(scrub(message)) << "\" type=\""
             << (error ? "transport" : "contract") << "\">" << xml_escape(scrub(details)) << "</" << element
             << ">\n    </testcase>\n";
  }
  file_.body() << testcase.str();
}

std::optional<std::string> JUnitReport::finish(const ReplaySummary& summary, const Scrubber& scrub) {
  std::ostringstream head;
  const std::string counts = "tests=\"" + std::to_string(summary.total) + "\" failures=\"" +
                             std::to_string(summary.failed) + "\" errors=\"" + std::to_string(summary.errors) +
                             "\" skipped=\"0\" time=\"" + seconds(summary.duration) + "\"";
  head << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
       << "<testsuites name=\"alguna-contract replay\" " << counts << ">\n"
       << "  <testsuite name=\"alguna-contract replay\" " << counts << ">\n"
       << "    <properties>\n"
       << "      <property name=\"endpoint\" value=\"" << xml_escape(scrub(summary.endpoint)) << "\"/>\n"
       << "    </properties>\n";
  return file_.finish(head.str(), "  </testsuite>\n</testsuites>\n");
}

void ProgressBar::update(std::size_t done, std::size_t not_passed) {
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done != total_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr std::size_t kWidth = 30;
  const std::size_t filled = total_ == 0 ? kWidth : std::min(kWidth, done * kWidth / total_);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '-');
  std::fprintf(stream_, "\r[%s] %zu/%zu scenarios, %zu not passed", bar.c_str(), done, total_, not_passed);
  std::fflush(stream_);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  std::fprintf(stream_, "\r\x1b[2K");
  std::fflush(stream_);
  drawn_ = false;
}

}  // namespace alguna::contract::cli
