// alguna-contract import-har: the /customers/{id} entries of a HAR 1.2 file (browsers' devtools,
// mitmproxy, Charles, Playwright) as corpus scenarios, one per line, with the secrets taken out.
// The rules are ScenarioRecorder's (recording.hpp), the same as a recording proxy applies.
//
// Every credential in the file is collected before anything is written, so that one first seen
// late is scrubbed from earlier entries too. Nothing read from the file is ever printed except
// counts: a message about the file names a place in it ("log.entries[3].request"), not its text.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <alguna/contract/recording.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output_file.hpp"

namespace alguna::contract::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kCommand = "alguna-contract import-har: ";
// A HAR holds whole pages (scripts, images as base64): far larger than one scenario.
constexpr std::size_t kMaxHarBytes = 512u * 1024u * 1024u;

bool is_id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

// "playwright-mock" for "tests/fixtures/har/playwright-mock.har".
std::string prefix_from(const std::string& path) {
  std::string stem = fs::path(path).stem().string();
  for (char& c : stem) {
    if (!is_id_character(c)) c = '-';
  }
  return stem.empty() ? std::string("har") : stem;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  if (fs::equivalent(a, b, error)) return true;
  const fs::path left = fs::weakly_canonical(a, error);
  if (error) return false;
  const fs::path right = fs::weakly_canonical(b, error);
  return !error && left == right;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

CLI::App* setup_import_har(CLI::App& app, ImportHarArgs& args) {
  CLI::App* command = app.add_subcommand(
      "import-har", "Turn the /customers/{id} entries of a HAR 1.2 file into corpus scenarios (JSON lines), "
                    "secrets replaced by variables");
  command->add_option("FILE", args.input, "HAR file (Chrome, Firefox, mitmproxy, Charles, Playwright...)")
      ->type_name("FILE.har")
      ->required();
  command->add_option("-o,--output", args.output, "Write the scenarios here (default: standard output)")
      ->type_name("OUT.jsonl");
  command->add_option("--id-prefix", args.id_prefix,
                      "Scenario ids are PREFIX-1, PREFIX-2, ... (default: the HAR file's name without extension)")
      ->type_name("PREFIX")
      ->check([](const std::string& value) -> std::string {
        for (const char c : value) {
          if (!is_id_character(c)) return "use letters, digits, '-', '_' and '.'";
        }
        return value.empty() ? "must not be empty" : "";
      });
  command->footer(
      "Kept: entries whose path is /customers/{id} (any host); CORS preflights and entries without a\n"
      "response are skipped. Authorization becomes \"Bearer ${ALGUNA_API_KEY}\" and the key is scrubbed\n"
      "everywhere; Idempotency-Key becomes ${IDEMPOTENCY_KEY}, and consecutive entries with the same key\n"
      "become one scenario's steps. A summary goes to standard error.\n"
      "The entries are one stateful session: replay them in order against a fresh mock, e.g.\n"
      "  alguna-contract serve --port 0 --api-key \"$ALGUNA_API_KEY\" &   # prints its URL\n"
      "  alguna-contract replay OUT.jsonl --base-url URL -j 1\n\n"
      "Exit codes:\n"
      "  0  imported (possibly no scenario: see the summary)\n"
      "  2  usage error, unreadable file or not a HAR file, unwritable output, or internal error\n");
  return command;
}

int run_import_har(const ImportHarArgs& args) {
  const bool to_stdout = args.output.empty() || args.output == "-";
  if (!to_stdout && same_file(args.input, args.output)) {
    std::cerr << kCommand << "the output " << args.output << " is the input file; choose another -o\n";
    return exit_usage;
  }

  std::string text;
  {
    std::error_code error;
    const auto size = fs::file_size(args.input, error);
    if (!error && size > kMaxHarBytes) {
      std::cerr << kCommand << args.input << ": larger than " << (kMaxHarBytes >> 20) << " MiB\n";
      return exit_usage;
    }
    std::ifstream in(args.input, std::ios::binary);
    if (!in) {
      std::cerr << kCommand << "cannot read " << args.input << ": "
                << std::error_code(errno, std::generic_category()).message() << '\n';
      return exit_usage;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
      std::cerr << kCommand << "cannot read " << args.input << '\n';
      return exit_usage;
    }
    text = std::move(buffer).str();
  }

  ParseLimits limits;
  limits.max_bytes = kMaxHarBytes;
  auto har = read_har(text, limits);
  text.clear();
  text.shrink_to_fit();
  if (!har) {
    std::cerr << kCommand << args.input << ": " << har.error().message << '\n';
    return exit_usage;
  }

  RecorderOptions options;
  options.id_prefix = args.id_prefix.empty() ? prefix_from(args.input) : args.id_prefix;
  options.tags = {"har"};
  options.source = args.input;
  for (const HttpExchange& exchange : har->exchanges) {
    for (std::string& secret : credentials_in(exchange)) options.secrets.push_back(std::move(secret));
  }
  ScenarioRecorder recorder(std::move(options));

  OutputFile file;
  if (!to_stdout) {
    if (const auto problem = file.open(args.output)) {
      std::cerr << kCommand << *problem << '\n';
      return exit_usage;
    }
  }
  std::ostream& out = file.is_open() ? static_cast<std::ostream&>(file.body()) : std::cout;
  std::size_t steps = 0;
  const auto write = [&](const Result<std::vector<Scenario>>& scenarios) {
    if (!scenarios) return false;
    for (const Scenario& scenario : *scenarios) {
      steps += scenario.steps.size();
      out << to_json(scenario).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
    return true;
  };
  for (const HttpExchange& exchange : har->exchanges) {
    auto scenarios = recorder.add(exchange);
    if (!write(scenarios)) {
      std::cerr << kCommand << scenarios.error().message << '\n';
      return exit_usage;
    }
  }
  auto rest = recorder.finish();
  if (!write(rest)) {
    std::cerr << kCommand << rest.error().message << '\n';
    return exit_usage;
  }
  if (file.is_open()) {
    if (const auto problem = file.finish()) {
      std::cerr << kCommand << *problem << '\n';
      return exit_usage;
    }
  } else {
    std::cout.flush();
    if (!std::cout) {
      std::cerr << kCommand << "cannot write to standard output\n";
      return exit_usage;
    }
  }

  const RecorderStats& stats = recorder.stats();
  std::cerr << kCommand << "imported " << plural(stats.scenarios, "scenario", "scenarios") << " ("
            << plural(steps, "exchange", "exchanges") << ") from " << plural(stats.exchanges, "entry", "entries")
            << "; skipped " << stats.skipped() << " (" << stats.skipped_other_path << " not /customers/{id}, "
            << plural(stats.skipped_preflight, "CORS preflight", "CORS preflights") << ", "
            << stats.skipped_no_response << " without a response)\n";
  if (har->reordered) {
    std::cerr << kCommand << "note: the file's entries were not in the order they started; imported in "
                             "startedDateTime order\n";
  }
  if (stats.reused_keys > 0) {
    std::cerr << kCommand << "note: " << plural(stats.reused_keys, "entry reuses", "entries reuse")
              << " an Idempotency-Key after other requests; on replay each scenario gets a fresh key, so a "
                 "recorded replay or mismatch there will not happen again\n";
  }
  return exit_valid;
}

}  // namespace alguna::contract::cli
