// The options by which `replay` and `fuzz` reach an endpoint, shown under "Endpoint" in their help,
// and the replayer's options they make.
#pragma once

#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include <alguna/contract/error.hpp>
#include <alguna/contract/replay.hpp>

namespace alguna::contract::cli {

struct EndpointArgs {
  std::string base_url;  // empty: the embedded mock
  std::string api_key_env = "ALGUNA_API_KEY";
  double timeout_seconds = 30.0;
  std::size_t retries = 2;
  std::string ca_file;
  bool allow_insecure_http = false;
};

// --base-url, --api-key-env, --timeout, --retries, --ca-file and --allow-insecure-http. The first
// two say what they mean to the command.
void add_endpoint_options(CLI::App& command, EndpointArgs& args, const std::string& base_url_help,
                          const std::string& api_key_env_help);

// A shell-style environment variable name: letters, digits and _, not starting with a digit.
bool is_variable_name(const std::string& name);

// The replayer's options for `args`; invalid_argument (a usage error) with the reason when
// --api-key-env names no possible variable.
Result<ReplayOptions> replay_options(const EndpointArgs& args);

}  // namespace alguna::contract::cli
