// alguna-contract fuzz: schema-aware fuzzing of the endpoint (FuzzGenerator). Each generated case
// is a replay scenario whose recorded answer is what the contract promises, run by the Replayer;
// a failing case is shrunk (body members dropped while it still fails the same way) and can be
// saved as a corpus scenario that `alguna-contract replay` reproduces.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include <alguna/contract/fuzz.hpp>
#include <alguna/contract/replay.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/options.hpp"
#include "cli/parallel_run.hpp"
#include "cli/replay_output.hpp"

namespace alguna::contract::cli {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* kCommand = "alguna-contract fuzz: ";
constexpr std::size_t kMaxKeptFailures = 100;  // shrunk and saved; others are only counted
constexpr std::size_t kMaxShrinkRuns = 40;     // extra exchanges spent shrinking one failure

struct KindTally {
  std::size_t cases = 0;
  std::size_t passed = 0;
  std::size_t failed = 0;      // a broken promise (or a transport error)
  std::size_t transient = 0;   // a 5xx with Transient-Error: true: inconclusive, not a failure
  std::map<int, std::size_t> statuses;
};

const std::string& kind_of(const Scenario& scenario) {
  static const std::string unknown = "?";
  return scenario.tags.size() > 1 ? scenario.tags[1] : unknown;
}

bool transient_answer(const ScenarioResult& result) {
  return std::any_of(result.steps.begin(), result.steps.end(),
                     [](const StepResult& step) { return step.status_code >= 500 && step.transient; });
}

std::string first_check(const ScenarioResult& result) {
  for (const auto& step : result.steps) {
    for (const auto& failure : step.failures) return failure.check;
  }
  return result.outcome == Outcome::error ? "transport" : "";
}

// Drops body members one at a time while the scenario still fails with the same first check and
// our validator's verdict on the request is unchanged (dropping the mutated member of an invalid
// request would make it valid, and its recorded 4xx a wrong promise). Sequences are kept whole:
// their steps mean something together (the same body twice, or two different ones).
Scenario shrink(const Replayer& replayer, const FuzzGenerator& generator, Scenario scenario, const std::string& check) {
  if (scenario.steps.size() != 1) return scenario;
  const bool valid = generator.is_valid(scenario.steps.front().request);
  Replayer::Session session = replayer.session();
  std::size_t runs = 0;
  bool smaller = true;
  while (smaller && runs < kMaxShrinkRuns) {
    smaller = false;
    for (std::size_t step = 0; step < scenario.steps.size() && !smaller; ++step) {
      for (std::size_t member = 0; runs < kMaxShrinkRuns; ++member) {
        auto candidate = without_body_member(scenario, step, member);
        if (!candidate) break;
        if (generator.is_valid(candidate->steps[step].request) != valid) continue;
        ++runs;
        const ScenarioResult result = session.run(*candidate);
        if (result.outcome != Outcome::passed && !transient_answer(result) && first_check(result) == check) {
          scenario = std::move(*candidate);
          smaller = true;
          break;
        }
      }
    }
  }
  return scenario;
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string status_list(const std::map<int, std::size_t>& statuses) {
  std::string text;
  for (const auto& [status, count] : statuses) {
    if (!text.empty()) text += ' ';
    text += (status == 0 ? std::string("none") : std::to_string(status)) + "x" + std::to_string(count);
  }
  return text;
}

}  // namespace

CLI::App* setup_fuzz(CLI::App& app, FuzzArgs& args) {
  CLI::App* command = app.add_subcommand(
      "fuzz", "Send schema-generated valid and invalid requests to an endpoint (default: the embedded mock) "
              "and report every broken promise");
  command->add_option("--seed", args.seed, "Seed: the same seed generates the same cases (default: random, printed)")
      ->type_name("N")
      ->check(decimal_in(0, std::numeric_limits<std::int64_t>::max()));
  command->add_option("--count", args.count, "Cases to generate")
      ->type_name("N")
      ->check(decimal_in(1, 100000000))
      ->capture_default_str();
  command->add_option("-j,--jobs", args.jobs, "Cases run in parallel (default: the number of cores)")
      ->type_name("N")
      ->check(decimal_in(1, 256));
  command->add_option("--save-failures", args.save_failures,
                      "Append each failure, shrunk, as a corpus scenario (JSON lines) that `replay` reproduces")
      ->type_name("FILE.jsonl");
  command->add_option("--customer", args.customer, "The customer id every request targets (it must exist)")
      ->type_name("ID")
      ->capture_default_str();
  add_endpoint_options(*command, args,
                       "http(s)://host[:port] of the endpoint; without it an embedded mock is started on 127.0.0.1",
                       "Environment variable that holds the API key (with --base-url)");
  command->footer(
      "Oracles: a request our validator calls valid gets a 2xx whose body is a valid Customer holding\n"
      "every field sent; one it calls invalid gets a 4xx with a valid error body; idempotency as\n"
      "published; never a 5xx (one with Transient-Error: true is counted apart).\n\n"
      "Exit codes:\n"
      "  0  no case failed\n"
      "  1  a case failed or errored\n"
      "  2  usage error, unwritable --save-failures file, or internal error\n");
  return command;
}

int run_fuzz(const FuzzArgs& args) {
  Result<ReplayOptions> options = replay_options(args);
  if (!options) {
    std::cerr << kCommand << options.error().message << '\n';
    return exit_usage;
  }
  std::uint64_t seed = 0;
  if (args.seed) {
    seed = *args.seed;
  } else {
    seed = (static_cast<std::uint64_t>(std::random_device{}()) << 20) ^ std::random_device{}();
    seed &= 0xFFFFFFFFFFFull;  // short enough to type
  }
  FuzzOptions fuzz_options;
  fuzz_options.seed = seed;
  fuzz_options.customer_id = args.customer;
  auto generator = FuzzGenerator::create(fuzz_options);
  if (!generator) {
    std::cerr << kCommand << generator.error().message << '\n';
    return exit_usage;
  }
  if (!args.base_url.empty() && std::getenv(args.api_key_env.c_str()) == nullptr) {
    std::cerr << kCommand << "the environment variable " << args.api_key_env << " is not set (it holds the API key)\n";
    return exit_usage;
  }
  std::ofstream saved;
  if (!args.save_failures.empty()) {
    saved.open(args.save_failures, std::ios::binary | std::ios::app);
    if (!saved) {
      std::cerr << kCommand << "cannot write " << args.save_failures << '\n';
      return exit_usage;
    }
  }

  auto replayer = Replayer::create(*options);
  if (!replayer) {
    std::cerr << kCommand << replayer.error().message << '\n';
    return exit_usage;
  }
  const char* key = args.base_url.empty() ? nullptr : std::getenv(args.api_key_env.c_str());
  const Scrubber scrub(key != nullptr ? key : "");

  std::cerr << kCommand << "seed " << seed << ", " << args.count << " cases against "
            << (args.base_url.empty() ? "the embedded mock at " : "") << replayer->base_url()
            << " (rerun with --seed " << seed << ")\n";

  std::map<std::string, KindTally> tally;
  for (const auto& kind : FuzzGenerator::kinds()) tally[kind];
  std::vector<std::pair<Scenario, std::string>> kept;  // failing scenario, its first check
  std::size_t failures = 0;
  std::optional<ProgressBar> progress;
  if (::isatty(STDERR_FILENO) == 1) progress.emplace(stderr, args.count);
  std::size_t done = 0;
  const auto start = SteadyClock::now();
  const std::size_t jobs = args.jobs != 0 ? args.jobs : std::max(1u, std::thread::hardware_concurrency());

  ParallelRun run(*replayer, jobs, [&](const Scenario& scenario, const ScenarioResult& result) {
    KindTally& kind = tally[kind_of(scenario)];
    ++kind.cases;
    ++done;
    for (const auto& step : result.steps) ++kind.statuses[step.status_code];
    if (result.outcome == Outcome::passed) {
      ++kind.passed;
    } else if (transient_answer(result)) {
      ++kind.transient;
    } else {
      ++kind.failed;
      ++failures;
      if (progress) progress->clear();
      std::cout << scrub("FAIL  " + result.id + "  " + scenario.description + ": " + failure_details(result)) << '\n'
                << std::flush;
      if (kept.size() < kMaxKeptFailures) kept.emplace_back(scenario, first_check(result));
    }
    if (progress) progress->update(done, failures);
  });
  std::size_t next_index = 0;
  run.run([&]() -> ParallelRun::Next {
    if (next_index == args.count) return std::nullopt;
    return generator->generate(next_index++).scenario;
  });
  if (progress) progress->clear();
  const auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);

  int exit_code = failures == 0 ? exit_valid : exit_invalid;
  if (run.internal_error()) exit_code = exit_usage;
  if (saved.is_open()) {
    for (auto& [scenario, check] : kept) {
      Scenario small = shrink(*replayer, *generator, scenario, check);
      small.tags.push_back("fuzz-finding");
      saved << scrub(to_json(small).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) << '\n';
    }
    saved.flush();
    if (!saved) {
      std::cerr << kCommand << "cannot write " << args.save_failures << '\n';
      exit_code = exit_usage;
    } else if (!kept.empty()) {
      std::cerr << kCommand << "saved " << kept.size() << " shrunk failure" << (kept.size() == 1 ? "" : "s") << " to "
                << args.save_failures << (failures > kept.size() ? " (the first " + std::to_string(kept.size()) + ")" : "")
                << "; replay them with: alguna-contract replay " << args.save_failures << '\n';
    }
  }

  // The table: what was tried and what failed, by mutation kind.
  std::size_t width = 4;
  for (const auto& kind : FuzzGenerator::kinds()) width = std::max(width, kind.size());
  std::cout << '\n' << pad("kind", width) << "  cases  passed  failed  transient  statuses\n";
  KindTally total;
  for (const auto& kind : FuzzGenerator::kinds()) {
    const KindTally& row = tally[kind];
    if (row.cases == 0) continue;
    std::cout << pad(kind, width) << "  " << pad(std::to_string(row.cases), 5) << "  " << pad(std::to_string(row.passed), 6)
              << "  " << pad(std::to_string(row.failed), 6) << "  " << pad(std::to_string(row.transient), 9) << "  "
              << status_list(row.statuses) << '\n';
    total.cases += row.cases;
    total.passed += row.passed;
    total.failed += row.failed;
    total.transient += row.transient;
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", static_cast<double>(duration.count()) / 1000.0);
  std::cout << '\n'
            << total.cases << " cases (seed " << seed << "): " << total.passed << " passed, " << total.failed
            << " failed, " << total.transient << " transient in " << seconds << " s\n";
  return exit_code;
}

}  // namespace alguna::contract::cli
