// The subcommands of alguna-contract, one source file each. main.cpp registers each command's
// options with its setup_* function and, after parsing, calls the run_* function of the
// subcommand that was given. run_* return an ExitCode (exit_codes.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace alguna::contract::cli {

// alguna-contract validate TARGET [FILE...]
struct ValidateArgs {
  std::string target;
  std::vector<std::string> files;  // empty or "-": stdin
  std::string format = "text";     // "text" or "json"
  bool quiet = false;
  bool lenient = false;
  bool jsonl = false;
  std::string schema_dir;           // empty: the embedded schemas
  std::size_t max_depth = 0;        // set to the library's default by setup_validate
  std::size_t max_bytes = 0;        // set to the library's default by setup_validate
};

CLI::App* setup_validate(CLI::App& app, ValidateArgs& args);
int run_validate(const ValidateArgs& args);

}  // namespace alguna::contract::cli
