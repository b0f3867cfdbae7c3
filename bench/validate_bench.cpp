// Parse-only vs parse+validate, side by side, on three payloads (scripts/bench.sh):
//   request-100B   a small PATCH body (Target::update_request), written below;
//   doc-response   the API reference's example response (tests/fixtures/doc-example-response.json);
//   customer-60KB  that response with 200 contacts and 200 aliases, built here.
// For each: parse/nlohmann (the baseline), parse/bounded (our parser), validate/is_valid (parse +
// yes/no), validate/report (validate_text: the CLI's path), and the validation alone on a parsed
// document (validate/dom-only, validate/dom-is_valid). After the run, a table of CPU times and of
// the ratios against parse/nlohmann; the target is validate/report <= 3x parse/nlohmann.
//
// Every benchmark checks its result once before timing (the payload is valid, and a copy broken
// near its end is rejected at the expected place), so a broken validator cannot look fast.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <alguna/contract/json.hpp>
#include <alguna/contract/report.hpp>
#include <alguna/contract/validator.hpp>

namespace {

using alguna::contract::parse_json;
using alguna::contract::ParseResult;
using alguna::contract::Report;
using alguna::contract::Target;
using alguna::contract::Validator;

constexpr double target_ratio = 3.0;

struct Payload {
  std::string name;
  Target target = Target::customer;
  std::string text;            // what is parsed and validated
  nlohmann::json document;     // `text` parsed once, for the validation-only benchmarks
  std::string broken;          // `text` with one invalid value near its end: must be rejected...
  std::string broken_pointer;  // ...with an error at this JSON Pointer
};

[[noreturn]] void fail(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "alguna_contract_bench: %s: %s\n", what.c_str(), why.c_str());
  std::fflush(stderr);
  std::exit(2);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

nlohmann::json parse_or_fail(const std::string& what, const std::string& text) {
  ParseResult parsed = parse_json(text);
  if (!parsed.ok()) fail(what, "does not parse with parse_json");
  return std::move(*parsed.document);
}

std::string replace_once(const std::string& what, std::string text, const std::string& from,
                         const std::string& to) {
  const std::size_t at = text.find(from);
  if (at == std::string::npos) fail(what, "cannot find \"" + from + "\" to break the payload");
  return text.replace(at, from.size(), to);
}

std::string padded(int i) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%03d", i);
  return buffer;
}

std::vector<Payload> make_payloads() {
  std::vector<Payload> payloads;

  // 1. A 100-byte update request.
  {
    Payload p;
    p.name = "request-100B";
    p.target = Target::update_request;
    p.text = R"({"name":"Acme Corp","currency":"EUR","aliases":["acme-eu"],)"
             R"("contacts":[{"email":"joe@example.com"}]})";
    p.broken = replace_once(p.name, p.text, "joe@example.com", "joe@@example.com");
    p.broken_pointer = "/contacts/0/email";
    payloads.push_back(std::move(p));
  }

  // 2. The doc's example response, as published (pretty-printed, ~750 bytes).
  const std::string fixture =
      std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/tests/fixtures/doc-example-response.json";
  {
    Payload p;
    p.name = "doc-response";
    p.target = Target::customer;
    p.text = read_file(fixture);
    p.broken = replace_once(p.name, p.text, "\"tax_type\": \"vat\"", "\"tax_type\": \"vta\"");
    p.broken_pointer = "/tax_type";
    payloads.push_back(std::move(p));
  }

  // 3. The same Customer with 200 distinct contacts and 200 aliases (~60 KB, compact).
  {
    nlohmann::json customer = parse_or_fail(fixture, read_file(fixture));
    nlohmann::json aliases = nlohmann::json::array();
    nlohmann::json contacts = nlohmann::json::array();
    for (int i = 0; i < 200; ++i) {
      const std::string n = padded(i);
      aliases.push_back("acme-corp-subsidiary-" + n + "-legacy-billing-name-eu");
      contacts.push_back({
          {"id", "cont_abc123_" + n},
          {"email", "firstname.lastname." + n + "@billing.acme-example.com"},
          {"is_primary", i == 0},
          {"email_preferences", {"invoices", "payment_reminders", "receipts", "credit_notes"}},
          {"first_name", "Firstname" + n},
          {"last_name", "Lastname-Example-" + n},
      });
    }
    customer["aliases"] = std::move(aliases);
    customer["contacts"] = std::move(contacts);

    Payload p;
    p.name = "customer-60KB";
    p.target = Target::customer;
    p.text = customer.dump();
    customer["contacts"][199]["email"] = "firstname.lastname.199@";
    p.broken = customer.dump();
    p.broken_pointer = "/contacts/199/email";
    payloads.push_back(std::move(p));
  }

  for (Payload& p : payloads) p.document = parse_or_fail(p.name, p.text);
  return payloads;
}

// --- The checks made once before timing ----------------------------------------------------------

bool has_error_at(const Report& report, const std::string& pointer) {
  return std::any_of(report.errors.begin(), report.errors.end(),
                     [&](const auto& violation) { return violation.path == pointer; });
}

void require_valid(const std::string& what, const Report& report) {
  if (!report.valid || !report.errors.empty()) {
    std::string why = "the payload is not valid";
    if (!report.errors.empty())
      why += ": " + report.errors.front().path + " " + report.errors.front().message;
    fail(what, why);
  }
}

void require_rejected(const std::string& what, const Payload& p, const Report& report) {
  if (report.valid || !has_error_at(report, p.broken_pointer))
    fail(what, "the broken payload is not rejected at " + p.broken_pointer);
}

void check_is_valid(const std::string& what, const Validator& validator, const Payload& p) {
  if (!validator.is_valid(p.target, parse_or_fail(what, p.text)))
    fail(what, "is_valid says no to the payload");
  if (validator.is_valid(p.target, parse_or_fail(what, p.broken)))
    fail(what, "is_valid says yes to the broken payload");
}

// --- The benchmarks --------------------------------------------------------------------------------

// Every benchmark reports the same counter (so the console prints one header): the payload's
// bytes, whether it parses them or validates the document they hold.
void count_bytes(benchmark::State& state, const Payload& p) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(p.text.size()));
}

void parse_nlohmann(benchmark::State& state, const Payload& p) {
  if (nlohmann::json::parse(p.text) != p.document) fail(p.name, "nlohmann parses another document");
  for (auto _ : state) {
    nlohmann::json document = nlohmann::json::parse(p.text);
    benchmark::DoNotOptimize(document);
  }
  count_bytes(state, p);
}

void parse_bounded(benchmark::State& state, const Payload& p) {
  if (parse_or_fail(p.name, p.text) != p.document) fail(p.name, "parse_json parses another document");
  for (auto _ : state) {
    ParseResult parsed = parse_json(p.text);
    benchmark::DoNotOptimize(parsed);
  }
  count_bytes(state, p);
}

void validate_is_valid(benchmark::State& state, const Validator& validator, const Payload& p) {
  check_is_valid(p.name + "/validate/is_valid", validator, p);
  for (auto _ : state) {
    ParseResult parsed = parse_json(p.text);
    bool valid = parsed.ok() && validator.is_valid(p.target, *parsed.document);
    benchmark::DoNotOptimize(valid);
  }
  count_bytes(state, p);
}

void validate_report(benchmark::State& state, const Validator& validator, const Payload& p) {
  const std::string what = p.name + "/validate/report";
  require_valid(what, validator.validate_text(p.target, p.text));
  require_rejected(what, p, validator.validate_text(p.target, p.broken));
  for (auto _ : state) {
    Report report = validator.validate_text(p.target, p.text);
    benchmark::DoNotOptimize(report);
  }
  count_bytes(state, p);
}

void validate_dom_only(benchmark::State& state, const Validator& validator, const Payload& p) {
  const std::string what = p.name + "/validate/dom-only";
  require_valid(what, validator.validate(p.target, p.document));
  require_rejected(what, p, validator.validate(p.target, parse_or_fail(what, p.broken)));
  for (auto _ : state) {
    Report report = validator.validate(p.target, p.document);
    benchmark::DoNotOptimize(report);
  }
  count_bytes(state, p);
}

void validate_dom_is_valid(benchmark::State& state, const Validator& validator, const Payload& p) {
  check_is_valid(p.name + "/validate/dom-is_valid", validator, p);
  for (auto _ : state) {
    bool valid = validator.is_valid(p.target, p.document);
    benchmark::DoNotOptimize(valid);
  }
  count_bytes(state, p);
}

// --- Results -----------------------------------------------------------------------------------

// The console output, plus the CPU time of each benchmark (the median when repeated).
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      Times& times = times_[run.run_name.function_name];
      const double ns = run.GetAdjustedCPUTime() * nanoseconds_per(run.time_unit);
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") times.median = ns;
      } else {
        times.samples.push_back(ns);
      }
    }
  }

  // CPU nanoseconds per iteration; NaN when the benchmark did not run.
  double cpu_ns(const std::string& name) const {
    const auto found = times_.find(name);
    if (found == times_.end()) return std::nan("");
    const Times& times = found->second;
    if (!std::isnan(times.median)) return times.median;
    if (times.samples.empty()) return std::nan("");
    std::vector<double> samples = times.samples;
    std::sort(samples.begin(), samples.end());
    const std::size_t n = samples.size();
    return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  }

 private:
  struct Times {
    double median = std::nan("");
    std::vector<double> samples;
  };

  static double nanoseconds_per(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond: return 1.0;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1.0;
  }

  std::map<std::string, Times> times_;
};

const char* const benchmark_kinds[] = {
    "parse/nlohmann", "parse/bounded", "validate/is_valid", "validate/report",
    "validate/dom-only", "validate/dom-is_valid"};

std::string format_time(double ns) {
  char buffer[32];
  if (std::isnan(ns)) return "-";
  if (ns >= 1e6)
    std::snprintf(buffer, sizeof buffer, "%.3f ms", ns / 1e6);
  else
    std::snprintf(buffer, sizeof buffer, "%.2f us", ns / 1e3);
  return buffer;
}

std::string format_ratio(double ratio) {
  char buffer[32];
  if (std::isnan(ratio)) return "-";
  std::snprintf(buffer, sizeof buffer, "%.2fx", ratio);
  return buffer;
}

void print_summary(const CollectingReporter& reporter, const std::vector<Payload>& payloads) {
  std::printf("\nCPU time per document (median of repetitions) and ratios to the parsers.\n");
  std::printf("Target: validate/report / parse/nlohmann <= %.0fx on every payload.\n", target_ratio);
  for (const Payload& p : payloads) {
    const double nlohmann_ns = reporter.cpu_ns(p.name + "/parse/nlohmann");
    const double bounded_ns = reporter.cpu_ns(p.name + "/parse/bounded");
    if (std::isnan(nlohmann_ns) && std::isnan(bounded_ns)) continue;  // filtered out
    std::printf("\n%s (%zu bytes, %s)\n", p.name.c_str(), p.text.size(),
                alguna::contract::target_name(p.target));
    std::printf("  %-24s %12s %18s %17s\n", "benchmark", "CPU", "/ parse/nlohmann",
                "/ parse/bounded");
    for (const char* kind : benchmark_kinds) {
      const double ns = reporter.cpu_ns(p.name + "/" + kind);
      if (std::isnan(ns)) continue;
      std::printf("  %-24s %12s %18s %17s\n", kind, format_time(ns).c_str(),
                  format_ratio(ns / nlohmann_ns).c_str(), format_ratio(ns / bounded_ns).c_str());
    }
    const double ratio = reporter.cpu_ns(p.name + "/validate/report") / nlohmann_ns;
    if (!std::isnan(ratio))
      std::printf("  => validate/report / parse/nlohmann = %.2fx: %s\n", ratio,
                  ratio <= target_ratio ? "within target" : "ABOVE TARGET");
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  // Defaults that keep the whole run well under a minute; flags given on the command line come
  // later and so win.
  std::vector<char*> args;
  args.push_back(argv[0]);
  char min_time[] = "--benchmark_min_time=0.2";
  char repetitions[] = "--benchmark_repetitions=5";
  char interleave[] = "--benchmark_enable_random_interleaving=true";
  char aggregates[] = "--benchmark_display_aggregates_only=true";
  for (char* flag : {min_time, repetitions, interleave, aggregates}) args.push_back(flag);
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  auto created = Validator::create();
  if (!created) fail("Validator::create", created.error().message);
  const Validator validator = std::move(created).value();  // the one Validator, shared by reference

  static const std::vector<Payload> payloads = make_payloads();
  for (const Payload& p : payloads) {
    const auto add = [&](const char* kind, auto&& function) {
      benchmark::RegisterBenchmark((p.name + "/" + kind).c_str(), function)
          ->Unit(benchmark::kMicrosecond);
    };
    add("parse/nlohmann", [&p](benchmark::State& s) { parse_nlohmann(s, p); });
    add("parse/bounded", [&p](benchmark::State& s) { parse_bounded(s, p); });
    add("validate/is_valid", [&p, &validator](benchmark::State& s) { validate_is_valid(s, validator, p); });
    add("validate/report", [&p, &validator](benchmark::State& s) { validate_report(s, validator, p); });
    add("validate/dom-only", [&p, &validator](benchmark::State& s) { validate_dom_only(s, validator, p); });
    add("validate/dom-is_valid",
        [&p, &validator](benchmark::State& s) { validate_dom_is_valid(s, validator, p); });
  }

  const bool color = isatty(STDOUT_FILENO) != 0;
  CollectingReporter reporter(color ? benchmark::ConsoleReporter::OO_ColorTabular
                                    : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter, payloads);
  benchmark::Shutdown();
  return 0;
}
