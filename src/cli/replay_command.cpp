// alguna-contract replay [CORPUS...]: replays recorded scenarios against a live endpoint or the
// embedded mock and reports what broke the contract.
//
// The corpus is read twice: a first pass reports every malformed scenario (file:line) and counts
// the selected ones before anything is sent; the second pass streams the scenarios to the workers.
// Memory stays bounded whatever the corpus's size: at most `window` scenarios are between the
// reader and the output at once, and both report files are streamed.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/replay.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/options.hpp"
#include "cli/parallel_run.hpp"
#include "cli/replay_output.hpp"

namespace alguna::contract::cli {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* kCommand = "alguna-contract replay: ";
constexpr std::size_t kMaxListedCorpusErrors = 50;

struct Shard {
  std::uint64_t index = 0;  // 0-based
  std::uint64_t count = 1;
};

std::optional<Shard> parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const auto number = [](const std::string& digits) -> std::optional<std::uint64_t> {
    if (digits.empty() || digits.size() > 6 || (digits.size() > 1 && digits[0] == '0') ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::nullopt;
    }
    return std::stoull(digits);
  };
  const auto index = number(text.substr(0, slash));
  const auto count = number(text.substr(slash + 1));
  if (!index || !count || *count == 0 || *index == 0 || *index > *count) return std::nullopt;
  return Shard{*index - 1, *count};
}

// FNV-1a, 64 bits: stable across runs, machines and versions, so that N CI jobs running shards
// 1/N .. N/N split the corpus exactly, each scenario into one shard.
std::uint64_t stable_hash(const std::string& text) {
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

struct Selection {
  std::vector<std::string> tags;          // any of them; empty: every scenario
  std::vector<std::string> exclude_tags;  // none of them
  std::optional<Shard> shard;

  bool selects(const Scenario& scenario) const {
    const auto has_any = [&](const std::vector<std::string>& wanted) {
      return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& tag) {
        return std::find(scenario.tags.begin(), scenario.tags.end(), tag) != scenario.tags.end();
      });
    };
    if (!tags.empty() && !has_any(tags)) return false;
    if (has_any(exclude_tags)) return false;
    return !shard || stable_hash(scenario.id) % shard->count == shard->index;
  }
};

bool mentions(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

bool mentions(const nlohmann::json& value, const std::string& needle) {
  if (value.is_string()) return mentions(value.get_ref<const std::string&>(), needle);
  if (value.is_structured()) {
    for (const auto& child : value) {
      if (mentions(child, needle)) return true;
    }
  }
  return false;
}

// Whether a request of the scenario uses ${ALGUNA_API_KEY}.
bool uses_api_key(const Scenario& scenario) {
  static const std::string kVariable = "${ALGUNA_API_KEY}";
  for (const Step& step : scenario.steps) {
    const RecordedRequest& request = step.request;
    if (mentions(request.path, kVariable)) return true;
    for (const auto& header : request.headers) {
      if (mentions(header.second, kVariable)) return true;
    }
    if (request.raw_body && mentions(*request.raw_body, kVariable)) return true;
    if (request.body && mentions(*request.body, kVariable)) return true;
  }
  return false;
}

struct CheckedCorpus {
  std::size_t selected = 0;
  std::size_t not_selected = 0;
  std::optional<std::string> first_key_use;  // "file:line" of the first selected scenario using the key
};

// The first pass. Prints every corpus error; false when there was one.
bool check_corpus(const std::vector<std::string>& paths, const CorpusOptions& options, const Selection& selection,
                  CheckedCorpus& checked) {
  auto reader = CorpusReader::open(paths, options);
  if (!reader) {
    std::cerr << kCommand << reader.error().message << '\n';
    return false;
  }
  std::size_t errors = 0;
  for (;;) {
    auto next = reader->next();
    if (!next) {
      if (++errors <= kMaxListedCorpusErrors) std::cerr << kCommand << next.error().message << '\n';
      if (next.error().code == Errc::io_error || next.error().code == Errc::internal) break;
      continue;
    }
    if (!next.value()) break;
    const Scenario& scenario = *next.value();
    if (!selection.selects(scenario)) {
      ++checked.not_selected;
      continue;
    }
    ++checked.selected;
    if (!checked.first_key_use && uses_api_key(scenario)) checked.first_key_use = scenario.source();
  }
  if (errors > kMaxListedCorpusErrors) {
    std::cerr << kCommand << "... and " << errors - kMaxListedCorpusErrors << " more corpus errors\n";
  }
  if (errors != 0) {
    std::cerr << kCommand << errors << " corpus error" << (errors == 1 ? "" : "s") << "; nothing was sent\n";
  }
  return errors == 0;
}

bool color_wanted(int fd) {
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org: set and not empty
  return ::isatty(fd) == 1 && (no_color == nullptr || *no_color == '\0');
}

}  // namespace

CLI::App* setup_replay(CLI::App& app, ReplayArgs& args) {
  CLI::App* command = app.add_subcommand(
      "replay", "Replay recorded scenarios against an endpoint (default: the embedded mock) and report "
                "every broken contract");
  command->add_option("corpus", args.corpus, "Scenario files (.json, .jsonl) and directories (searched recursively)")
      ->type_name("CORPUS")
      ->required();
  // Values are never printed (no capture_default_str): a variable may hold a secret.
  command->add_option("--var", args.variables, "Define ${NAME} for the corpus (repeat for several)")
      ->type_name("NAME=VALUE")
      ->allow_extra_args(false);
  command->add_option("-j,--jobs", args.jobs, "Scenarios run in parallel (default: the number of cores)")
      ->type_name("N")
      ->check(decimal_in(1, 256));
  command->add_option("--report", args.report_file, "Write a JSON report here")->type_name("FILE");
  command->add_option("--junit", args.junit_file, "Write a JUnit XML report here (one testcase per scenario)")
      ->type_name("FILE");
  command->add_option("--shard", args.shard,
                      "Run shard I of N (1-based): a stable hash of the scenario id decides, so N jobs "
                      "split the corpus exactly")
      ->type_name("I/N");
  command->add_option("--tag", args.tags, "Run only scenarios with this tag (repeat: any of them)")
      ->type_name("TAG")
      ->allow_extra_args(false);
  command->add_option("--exclude-tag", args.exclude_tags, "Skip scenarios with this tag (repeat: any of them)")
      ->type_name("TAG")
      ->allow_extra_args(false);
  command->add_option("--check", args.checks,
                      "Only these checks decide the verdict (default: all): status, content-type, schema, "
                      "body, header; a transport failure always counts. --check status,schema judges a "
                      "stand-in that answers by the contract with other data, such as an OpenAPI mock")
      ->type_name("NAME[,NAME...]")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->check(CLI::IsMember(replay_check_names()));
  command->add_flag("--one-account", args.one_account,
                    "Against the embedded mock, all scenarios share one account, each seeing the writes of "
                    "those before it (a recorded session); implies -j 1 unless -j is given");
  add_endpoint_options(*command, args,
                       "http(s)://host[:port] of the endpoint; without it an embedded mock is started on "
                       "127.0.0.1 and every scenario starts from its initial state",
                       "Environment variable that holds the API key for ${ALGUNA_API_KEY}");
  command->footer(
      "Output: one block per scenario that failed or errored on stdout, then a summary line; a progress\n"
      "bar on stderr when it is a terminal; colour only on a terminal and when NO_COLOR is unset.\n"
      "The API key never appears in any output (shown as Bearer ***).\n\n"
      "Exit codes:\n"
      "  0  every scenario passed\n"
      "  1  a scenario failed or errored\n"
      "  2  usage error, malformed corpus (nothing is sent), unwritable report, or internal error\n");
  return command;
}

int run_replay(const ReplayArgs& args) {
  Result<ReplayOptions> endpoint = replay_options(args);
  if (!endpoint) {
    std::cerr << kCommand << endpoint.error().message << '\n';
    return exit_usage;
  }
  ReplayOptions options = std::move(endpoint).value();
  CorpusOptions corpus_options;
  for (const std::string& definition : args.variables) {
    const std::size_t equals = definition.find('=');
    const std::string name = definition.substr(0, equals);
    if (equals == std::string::npos || !is_variable_name(name)) {
      std::cerr << kCommand << "--var takes NAME=VALUE (NAME: letters, digits, _)\n";
      return exit_usage;
    }
    if (name == "ALGUNA_API_KEY" || name == "IDEMPOTENCY_KEY") {
      std::cerr << kCommand << "--var " << name << ": ${" << name << "} is built in and cannot be defined\n";
      return exit_usage;
    }
    options.variables[name] = definition.substr(equals + 1);
    corpus_options.variables.insert(name);
  }
  Selection selection;
  selection.tags = args.tags;
  selection.exclude_tags = args.exclude_tags;
  options.checks.insert(args.checks.begin(), args.checks.end());
  options.one_account = args.one_account;
  if (!args.shard.empty()) {
    selection.shard = parse_shard(args.shard);
    if (!selection.shard) {
      std::cerr << kCommand << "--shard takes I/N with 1 <= I <= N (e.g. 2/4), got \"" << args.shard << "\"\n";
      return exit_usage;
    }
  }

  CheckedCorpus checked;
  if (!check_corpus(args.corpus, corpus_options, selection, checked)) return exit_usage;
  if (!args.base_url.empty() && checked.first_key_use && std::getenv(args.api_key_env.c_str()) == nullptr) {
    std::cerr << kCommand << "the environment variable " << args.api_key_env << " is not set, and the corpus uses "
              << "${ALGUNA_API_KEY} (first at " << *checked.first_key_use << "); nothing was sent\n";
    return exit_usage;
  }

  // The key only to scrub it from what this command writes; the library redacts its own results.
  const char* key = args.base_url.empty() ? nullptr : std::getenv(args.api_key_env.c_str());
  const Scrubber scrub(key != nullptr ? key : "");

  JsonReport json_report;
  JUnitReport junit_report;
  if (!args.report_file.empty()) {
    if (auto problem = json_report.open(args.report_file)) {
      std::cerr << kCommand << *problem << '\n';
      return exit_usage;
    }
  }
  if (!args.junit_file.empty()) {
    if (auto problem = junit_report.open(args.junit_file)) {
      std::cerr << kCommand << *problem << '\n';
      return exit_usage;
    }
  }

  auto replayer = Replayer::create(options);
  if (!replayer) {
    std::cerr << kCommand << scrub(replayer.error().message) << '\n';
    return exit_usage;
  }
  // The first pass checked the ids; this one keeps none.
  corpus_options.check_duplicate_ids = false;
  auto reader = CorpusReader::open(args.corpus, corpus_options);
  if (!reader) {
    std::cerr << kCommand << reader.error().message << '\n';
    return exit_usage;
  }

  const bool color = color_wanted(STDOUT_FILENO);
  std::optional<ProgressBar> progress;
  if (::isatty(STDERR_FILENO) == 1) progress.emplace(stderr, checked.selected);

  ReplaySummary summary;
  summary.endpoint = replayer->base_url();
  summary.embedded_mock = args.base_url.empty();
  summary.not_selected = checked.not_selected;
  const auto start = SteadyClock::now();
  // One account is a recorded session's history: in corpus order, unless -j says otherwise.
  const std::size_t default_jobs = args.one_account ? 1u : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs = args.jobs != 0 ? args.jobs : default_jobs;

  ParallelRun run(*replayer, jobs, [&](const Scenario& scenario, const ScenarioResult& result) {
    summary.add(result);
    const std::string warnings = warning_text(result);
    const std::string failures = failure_text(result, color);
    if (!warnings.empty() || !failures.empty()) {
      if (progress) progress->clear();
      if (!warnings.empty()) std::cerr << scrub(warnings) << std::flush;
      if (!failures.empty()) std::cout << scrub(failures) << std::flush;
    }
    if (!args.report_file.empty()) json_report.add(scenario_json(result, {scenario.description, scenario.tags}), scrub);
    if (!args.junit_file.empty()) junit_report.add(result, scrub);
    if (progress) progress->update(summary.total, summary.failed + summary.errors);
  });
  const std::optional<std::string> problem = run.run([&]() -> ParallelRun::Next {
    for (;;) {
      auto next = reader->next();
      if (!next) return next.error().message;
      if (!next.value()) return std::nullopt;
      if (selection.selects(*next.value())) return std::move(*next.value());
    }
  });
  summary.duration = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
  if (progress) progress->clear();

  int exit_code = summary.failed == 0 && summary.errors == 0 ? exit_valid : exit_invalid;
  if (run.internal_error()) exit_code = exit_usage;
  if (problem) {
    std::cerr << kCommand << "the corpus changed while it was replayed: " << *problem << '\n';
    exit_code = exit_usage;
  }
  if (!args.report_file.empty()) {
    if (auto failed = json_report.finish(summary, scrub)) {
      std::cerr << kCommand << *failed << '\n';
      exit_code = exit_usage;
    }
  }
  if (!args.junit_file.empty()) {
    if (auto failed = junit_report.finish(summary, scrub)) {
      std::cerr << kCommand << *failed << '\n';
      exit_code = exit_usage;
    }
  }
  std::cout << scrub(summary_text(summary, color)) << std::flush;
  return exit_code;
}

}  // namespace alguna::contract::cli
