// Both validation engines and the parsers under them, side by side on three payloads
// (scripts/bench.sh):
//   request-100B   a small PATCH body (Target::update_request), written below;
//   doc-response   the API reference's example response (tests/fixtures/doc-example-response.json);
//   customer-60KB  that response with 200 contacts and 200 aliases, built here.
// For each:
//   parse/simdjson       simdjson's DOM parse alone: the floor for any validator reading text;
//   parse/nlohmann-sax   nlohmann's parser building nothing (the other parser the fast engine
//                        could have used); parse/nlohmann, a DOM; parse/bounded, our parse_json;
//   fast/report          validate_text with the fast engine (the default: the CLI's path);
//   fast/is_valid_text   its yes/no; fast/dom-is_valid, the yes/no on a parsed document;
//   reference/report     validate_text with the reference engine (valijson);
//   reference/is_valid   parse_json + is_valid; reference/dom-is_valid, on a parsed document.
// After the run, a table of CPU times with the ratios to simdjson's parse and to nlohmann's.
// scripts/bench.sh then runs JSON.parse + ajv on the same payloads (bench/ajv/) for comparison.
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
#include <simdjson.h>

#include <alguna/contract/json.hpp>
#include <alguna/contract/report.hpp>
#include <alguna/contract/validator.hpp>

namespace {

using alguna::contract::Engine;
using alguna::contract::parse_json;
using alguna::contract::ParseResult;
using alguna::contract::Report;
using alguna::contract::Target;
using alguna::contract::Validator;

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

// nlohmann's parser with a handler that keeps nothing: its lexing cost without a DOM.
struct CountingSax : nlohmann::json_sax<nlohmann::json> {
  std::size_t values = 0;
  bool null() override { return ++values, true; }
  bool boolean(bool) override { return ++values, true; }
  bool number_integer(number_integer_t) override { return ++values, true; }
  bool number_unsigned(number_unsigned_t) override { return ++values, true; }
  bool number_float(number_float_t, const string_t&) override { return ++values, true; }
  bool string(string_t&) override { return ++values, true; }
  bool binary(binary_t&) override { return ++values, true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return ++values, true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return ++values, true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

void parse_nlohmann_sax(benchmark::State& state, const Payload& p) {
  {
    CountingSax sax;
    if (!nlohmann::json::sax_parse(p.text, &sax) || sax.values == 0) fail(p.name, "nlohmann's SAX parse fails");
  }
  for (auto _ : state) {
    CountingSax sax;
    bool ok = nlohmann::json::sax_parse(p.text, &sax);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(sax.values);
  }
  count_bytes(state, p);
}

// The padded copy is made once, as a caller holding a padded buffer would; the parser is reused.
void parse_simdjson(benchmark::State& state, const Payload& p) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(p.text);
  simdjson::dom::element root;
  if (parser.parse(text).get(root) != simdjson::SUCCESS) fail(p.name, "simdjson does not parse it");
  for (auto _ : state) {
    auto error = parser.parse(text).get(root);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(root);
  }
  count_bytes(state, p);
}

void is_valid_text(benchmark::State& state, const Validator& validator, const Payload& p) {
  const std::string what = p.name + "/is_valid_text";
  if (!validator.is_valid_text(p.target, p.text)) fail(what, "says no to the payload");
  if (validator.is_valid_text(p.target, p.broken)) fail(what, "says yes to the broken payload");
  for (auto _ : state) {
    bool valid = validator.is_valid_text(p.target, p.text);
    benchmark::DoNotOptimize(valid);
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
    "parse/simdjson",     "parse/nlohmann-sax", "parse/nlohmann",     "parse/bounded",
    "fast/report",        "fast/is_valid_text", "fast/dom-is_valid",  "reference/report",
    "reference/is_valid", "reference/dom-is_valid"};

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

// What bench/ajv/bench.js measured (scripts/bench.sh runs it just before): per payload, CPU ns of
// "JSON.parse" and of "JSON.parse + ajv".
using AjvResults = std::map<std::string, std::map<std::string, double>>;

AjvResults read_ajv_results(const std::string& file) {
  AjvResults results;
  std::ifstream in(file);
  if (!in) fail(file, "cannot read the ajv results");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const nlohmann::json row = nlohmann::json::parse(line, nullptr, false);
    if (!row.is_object() || !row.contains("payload")) fail(file, "not a line of bench.js: " + line);
    for (const auto& [key, value] : row.items()) {
      if (value.is_number()) results[row["payload"].get<std::string>()][key] = value.get<double>();
    }
  }
  return results;
}

void write_payloads(const std::string& directory, const std::vector<Payload>& payloads) {
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream out(directory + "/" + name, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) fail(directory + "/" + name, "cannot write");
  };
  for (const Payload& p : payloads) {
    write(p.name + ".json", p.text);
    write(p.name + ".broken.json", p.broken);
    write(p.name + ".target", alguna::contract::target_name(p.target));
  }
}

void print_summary(const CollectingReporter& reporter, const std::vector<Payload>& payloads,
                   const AjvResults& ajv) {
  std::printf("\nCPU time per document (median of repetitions) and ratios to the parsers.\n");
  for (const Payload& p : payloads) {
    const double simdjson_ns = reporter.cpu_ns(p.name + "/parse/simdjson");
    const double nlohmann_ns = reporter.cpu_ns(p.name + "/parse/nlohmann");
    if (std::isnan(simdjson_ns) && std::isnan(nlohmann_ns)) continue;  // filtered out
    std::printf("\n%s (%zu bytes, %s)\n", p.name.c_str(), p.text.size(),
                alguna::contract::target_name(p.target));
    std::printf("  %-24s %12s %17s %17s\n", "benchmark", "CPU", "/ parse/simdjson", "/ parse/nlohmann");
    for (const char* kind : benchmark_kinds) {
      const double ns = reporter.cpu_ns(p.name + "/" + kind);
      if (std::isnan(ns)) continue;
      std::printf("  %-24s %12s %17s %17s\n", kind, format_time(ns).c_str(),
                  format_ratio(ns / simdjson_ns).c_str(), format_ratio(ns / nlohmann_ns).c_str());
    }
    if (auto found = ajv.find(p.name); found != ajv.end()) {
      for (const auto& [kind, ns] : found->second) {
        std::printf("  %-24s %12s %17s %17s\n", ("node: " + kind).c_str(), format_time(ns).c_str(),
                    format_ratio(ns / simdjson_ns).c_str(), format_ratio(ns / nlohmann_ns).c_str());
      }
    }
    const double fast = reporter.cpu_ns(p.name + "/fast/report");
    const double reference = reporter.cpu_ns(p.name + "/reference/report");
    if (!std::isnan(fast) && !std::isnan(reference)) {
      std::printf("  => fast/report is %.1fx faster than reference/report, %.2fx parse/simdjson\n",
                  reference / fast, fast / simdjson_ns);
    }
    if (auto found = ajv.find(p.name); found != ajv.end() && found->second.count("JSON.parse + ajv") != 0) {
      const double ajv_ns = found->second.at("JSON.parse + ajv");
      std::printf("  => fast/report / (JSON.parse + ajv) = %.2fx, fast/is_valid_text / (JSON.parse + ajv) = %.2fx: %s\n",
                  fast / ajv_ns, reporter.cpu_ns(p.name + "/fast/is_valid_text") / ajv_ns,
                  fast <= ajv_ns ? "at or below ajv" : "ABOVE ajv");
    }
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  // Defaults that keep the whole run well under a minute; flags given on the command line come
  // later and so win.
  // Our own flags: --write-payloads=DIR writes the payloads (for bench/ajv/bench.js) and exits;
  // --ajv-results=FILE adds what bench.js measured to the summary.
  std::string payload_dir;
  std::string ajv_file;
  std::vector<char*> args;
  args.push_back(argv[0]);
  char min_time[] = "--benchmark_min_time=0.2";
  char repetitions[] = "--benchmark_repetitions=5";
  char interleave[] = "--benchmark_enable_random_interleaving=true";
  char aggregates[] = "--benchmark_display_aggregates_only=true";
  for (char* flag : {min_time, repetitions, interleave, aggregates}) args.push_back(flag);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--write-payloads=", 0) == 0) {
      payload_dir = arg.substr(17);
    } else if (arg.rfind("--ajv-results=", 0) == 0) {
      ajv_file = arg.substr(14);
    } else {
      args.push_back(argv[i]);
    }
  }
  int count = static_cast<int>(args.size());
  args.push_back(nullptr);
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;

  const auto make = [](Engine engine) {
    alguna::contract::ValidatorOptions options;
    options.engine = engine;
    auto created = Validator::create(options);
    if (!created) fail("Validator::create", created.error().message);
    if (created->engine() != engine) fail("Validator::create", "the engine asked for is not the one in use");
    return std::move(created).value();
  };
  // One Validator per engine, shared by reference, as an application would.
  const Validator fast = make(Engine::fast);
  const Validator reference = make(Engine::reference);

  static const std::vector<Payload> payloads = make_payloads();
  if (!payload_dir.empty()) {
    write_payloads(payload_dir, payloads);
    return 0;
  }
  const AjvResults ajv = ajv_file.empty() ? AjvResults{} : read_ajv_results(ajv_file);
  for (const Payload& p : payloads) {
    const auto add = [&](const char* kind, auto&& function) {
      benchmark::RegisterBenchmark((p.name + "/" + kind).c_str(), function)
          ->Unit(benchmark::kMicrosecond);
    };
    add("parse/simdjson", [&p](benchmark::State& s) { parse_simdjson(s, p); });
    add("parse/nlohmann-sax", [&p](benchmark::State& s) { parse_nlohmann_sax(s, p); });
    add("parse/nlohmann", [&p](benchmark::State& s) { parse_nlohmann(s, p); });
    add("parse/bounded", [&p](benchmark::State& s) { parse_bounded(s, p); });
    add("fast/report", [&p, &fast](benchmark::State& s) { validate_report(s, fast, p); });
    add("fast/is_valid_text", [&p, &fast](benchmark::State& s) { is_valid_text(s, fast, p); });
    add("fast/dom-is_valid", [&p, &fast](benchmark::State& s) { validate_dom_is_valid(s, fast, p); });
    add("reference/report", [&p, &reference](benchmark::State& s) { validate_report(s, reference, p); });
    add("reference/is_valid", [&p, &reference](benchmark::State& s) { validate_is_valid(s, reference, p); });
    add("reference/dom-is_valid",
        [&p, &reference](benchmark::State& s) { validate_dom_is_valid(s, reference, p); });
  }

  const bool color = isatty(STDOUT_FILENO) != 0;
  CollectingReporter reporter(color ? benchmark::ConsoleReporter::OO_ColorTabular
                                    : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter, payloads, ajv);
  benchmark::Shutdown();
  return 0;
}
