// alguna-contract: contract-testing for Alguna's PATCH /customers/{id}. This file only wires the
// subcommands together; each one lives in its own <name>_command.cpp (see commands.hpp).
#include <exception>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include <alguna/contract/version.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

namespace {

std::string version_text() {
  using namespace alguna::contract;
  return std::string("alguna-contract ") + library_version() + " (Alguna API " + api_version + ")";
}

int run(int argc, char** argv) {
  using namespace alguna::contract::cli;

  CLI::App app{std::string("Contract-testing kit for Alguna's PATCH /customers/{id} (API ") +
                   alguna::contract::api_version + ")",
               "alguna-contract"};
  app.set_version_flag("--version", version_text(), "Print the version and exit");
  app.require_subcommand(0, 1);
  app.footer(exit_codes_help());

  ValidateArgs validate_args;
  CLI::App* validate = setup_validate(app, validate_args);
  ServeArgs serve_args;
  CLI::App* serve = setup_serve(app, serve_args);
  ReplayArgs replay_args;
  CLI::App* replay = setup_replay(app, replay_args);
  FuzzArgs fuzz_args;
  CLI::App* fuzz = setup_fuzz(app, fuzz_args);
  ImportHarArgs import_har_args;
  CLI::App* import_har = setup_import_har(app, import_har_args);
  RecordArgs record_args;
  CLI::App* record = setup_record(app, record_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    // CLI11 lists the unexpected arguments, which after a mistyped option may be an API key.
    for (const CLI::App* command : {serve, replay, fuzz, record}) {
      if (command->parsed()) {
        std::cerr << "alguna-contract " << command->get_name()
                  << ": unexpected arguments (not repeated here: they may hold an API key); see alguna-contract "
                  << command->get_name() << " --help\n";
        return exit_usage;
      }
    }
    return app.exit(e) == 0 ? exit_valid : exit_usage;
  } catch (const CLI::ParseError& e) {
    // --help and --version end up here too, with exit code 0.
    return app.exit(e) == 0 ? exit_valid : exit_usage;
  }

  if (validate->parsed()) return run_validate(validate_args);
  if (serve->parsed()) return run_serve(serve_args);
  if (replay->parsed()) return run_replay(replay_args);
  if (fuzz->parsed()) return run_fuzz(fuzz_args);
  if (import_har->parsed()) return run_import_har(import_har_args);
  if (record->parsed()) return run_record(record_args);

  std::cerr << app.help();
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "alguna-contract: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cout.flush();
    std::cerr << "alguna-contract: internal error: unknown exception\n";
  }
  return alguna::contract::cli::exit_usage;
}
