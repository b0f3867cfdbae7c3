// The subcommands of alguna-contract, one source file each. main.cpp registers each command's
// options with its setup_* function and, after parsing, calls the run_* function of the
// subcommand that was given. run_* return an ExitCode (exit_codes.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/endpoint_options.hpp"

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
  std::string engine = "fast";      // "fast" or "reference"
};

CLI::App* setup_validate(CLI::App& app, ValidateArgs& args);
int run_validate(const ValidateArgs& args);

// alguna-contract serve [--host H] [--port P] [--fixtures FILE] [--api-key KEY]... [--tls-cert FILE
// --tls-key FILE] [--latency-ms N] [--fault-rate P] [--seed N] [--max-body-bytes N] [--max-accounts N]
struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string fixtures;               // empty: the default customer
  std::vector<std::string> api_keys;  // empty: any well-formed Bearer key
  std::string tls_cert;
  std::string tls_key;
  std::int64_t latency_ms = 0;
  double fault_rate = 0.0;
  std::uint64_t seed = 0;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_accounts = 10000;  // one account per API key; the least recently used is forgotten
};

CLI::App* setup_serve(CLI::App& app, ServeArgs& args);
// Runs until SIGINT or SIGTERM.
int run_serve(const ServeArgs& args);

// alguna-contract replay CORPUS... [--base-url URL] [--api-key-env NAME] [--var NAME=VALUE]...
// [-j N] [--timeout SECONDS] [--retries N] [--report FILE] [--junit FILE] [--shard I/N] [--tag TAG]...
// [--exclude-tag TAG]... [--check NAME[,NAME...]] [--one-account] [--ca-file FILE] [--allow-insecure-http]
struct ReplayArgs : EndpointArgs {
  std::vector<std::string> corpus;
  std::vector<std::string> variables;  // NAME=VALUE
  std::size_t jobs = 0;                // 0: the number of cores
  std::string report_file;
  std::string junit_file;
  std::string shard;  // "I/N"
  std::vector<std::string> tags;
  std::vector<std::string> exclude_tags;
  std::vector<std::string> checks;  // empty: every check
  bool one_account = false;
};

CLI::App* setup_replay(CLI::App& app, ReplayArgs& args);
int run_replay(const ReplayArgs& args);

// alguna-contract fuzz [--base-url URL] [--seed N] [--count N] [-j N] [--save-failures FILE.jsonl]
// [--customer ID] [--api-key-env NAME] [--timeout SECONDS] [--retries N] [--ca-file FILE]
// [--allow-insecure-http]
struct FuzzArgs : EndpointArgs {
  std::optional<std::uint64_t> seed;  // empty: a random one, printed
  std::size_t count = 1000;
  std::size_t jobs = 0;  // 0: the number of cores
  std::string save_failures;
  std::string customer = "cust_abc123";
};

CLI::App* setup_fuzz(CLI::App& app, FuzzArgs& args);
int run_fuzz(const FuzzArgs& args);

// alguna-contract import-har FILE.har [-o OUT.jsonl] [--id-prefix PREFIX]
struct ImportHarArgs {
  std::string input;
  std::string output;     // empty or "-": stdout
  std::string id_prefix;  // empty: the input file's name without extension
};

CLI::App* setup_import_har(CLI::App& app, ImportHarArgs& args);
int run_import_har(const ImportHarArgs& args);

// alguna-contract record --upstream URL [--listen HOST:PORT] --out FILE.jsonl [--id-prefix P]
// [--tag TAG]... [--timeout SECONDS] [--idle-flush SECONDS] [--max-body-bytes N] [--ca-file FILE]
// [--tls-cert FILE --tls-key FILE] [--allow-insecure-http]
struct RecordArgs {
  std::string upstream;
  std::string listen = "127.0.0.1:8080";
  std::string out;
  std::string id_prefix;  // empty: recorded-<UTC start time>, unique in `out`
  std::vector<std::string> tags;
  double timeout_seconds = 30.0;
  double idle_flush_seconds = 30.0;
  std::size_t max_body_bytes = 1024 * 1024;
  std::string ca_file;
  std::string tls_cert;
  std::string tls_key;
  bool allow_insecure_http = false;
};

CLI::App* setup_record(CLI::App& app, RecordArgs& args);
// Runs until SIGINT or SIGTERM.
int run_record(const RecordArgs& args);

}  // namespace alguna::contract::cli
