// The one table of exit codes of the alguna-contract command. The --help text is generated from
// it; the README documents the same table.
#pragma once

#include <string>

namespace alguna::contract::cli {

enum ExitCode : int {
  exit_valid = 0,    // every document is valid, every scenario passed, the HAR was imported
  exit_invalid = 1,  // a document is invalid, or a scenario failed or errored
  exit_usage = 2,    // a usage error, an unreadable file, a malformed corpus or HAR, or an internal error
};

struct ExitCodeEntry {
  ExitCode code;
  const char* meaning;
};

inline constexpr ExitCodeEntry exit_code_table[] = {
    {exit_valid, "every document is valid (validate), every scenario passed (replay), imported (import-har)"},
    {exit_invalid, "a document is invalid (validate), a scenario failed or errored (replay)"},
    {exit_usage, "usage error, unreadable file, malformed corpus (nothing sent), not a HAR file (import-har) or internal error"},
};

// "Exit codes:\n  0  every document is valid\n  ..." for --help.
inline std::string exit_codes_help() {
  std::string text = "Exit codes:\n";
  for (const ExitCodeEntry& entry : exit_code_table) {
    text += "  ";
    text += std::to_string(static_cast<int>(entry.code));
    text += "  ";
    text += entry.meaning;
    text += '\n';
  }
  return text;
}

}  // namespace alguna::contract::cli
