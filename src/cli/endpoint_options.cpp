#include "cli/endpoint_options.hpp"

#include <chrono>

#include "cli/options.hpp"

namespace alguna::contract::cli {

void add_endpoint_options(CLI::App& command, EndpointArgs& args, const std::string& base_url_help,
                          const std::string& api_key_env_help) {
  const std::string group = "Endpoint";
  command.add_option("--base-url", args.base_url, base_url_help)->type_name("URL")->group(group);
  command.add_option("--api-key-env", args.api_key_env, api_key_env_help)
      ->type_name("NAME")
      ->capture_default_str()
      ->group(group);
  command.add_option("--timeout", args.timeout_seconds, "Per request: connect, send and read, each")
      ->type_name("SECONDS")
      ->check(number_in(0.001, 3600.0, "of seconds from 0.001 to 3600"))
      ->capture_default_str()
      ->group(group);
  command.add_option("--retries", args.retries,
                     "Extra attempts on a connection failure, 429, 503 or Transient-Error: true (backoff "
                     "with jitter; Retry-After honoured)")
      ->type_name("N")
      ->check(decimal_in(0, 100))
      ->capture_default_str()
      ->group(group);
  command.add_option("--ca-file", args.ca_file, "Trust this CA (PEM) for https, e.g. a mock's self-signed certificate")
      ->type_name("FILE")
      ->group(group);
  command.add_flag("--allow-insecure-http", args.allow_insecure_http,
                   "Allow sending an API key over plain http to a host other than loopback")
      ->group(group);
}

bool is_variable_name(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const bool ok = c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

Result<ReplayOptions> replay_options(const EndpointArgs& args) {
  if (!is_variable_name(args.api_key_env)) {
    return Error{Errc::invalid_argument, "--api-key-env must name an environment variable (letters, digits, _)"};
  }
  ReplayOptions options;
  options.base_url = args.base_url;
  options.api_key_env = args.api_key_env;
  options.timeout = std::chrono::milliseconds(static_cast<long long>(args.timeout_seconds * 1000.0 + 0.5));
  options.retries = static_cast<int>(args.retries);
  options.ca_file = args.ca_file;
  options.allow_insecure_http = args.allow_insecure_http;
  return options;
}

}  // namespace alguna::contract::cli
