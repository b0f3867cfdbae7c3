// alguna-contract serve: the stateful mock of PATCH /customers/{id} over HTTP(S) (MockServer).
//
// The first line on stdout, flushed at once, is "listening on http://HOST:PORT" (https:// with
// TLS): a script starting the command with --port 0 reads the port from it. SIGINT and SIGTERM
// stop the server cleanly (in-flight requests finish) with exit code 0. The signals are blocked in
// every thread before the server starts and taken synchronously with sigwait() by the main thread,
// so no work ever runs in a signal handler.
//
// API keys are never printed: not as --help defaults, not in messages.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <alguna/contract/mock.hpp>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "cli/stop_signals.hpp"
#include "cli/exit_codes.hpp"

namespace alguna::contract::cli {

namespace {

std::string serve_exit_codes() {
  return "Exit codes:\n"
         "  " + std::to_string(static_cast<int>(exit_valid)) + "  stopped by SIGINT or SIGTERM\n"
         "  " + std::to_string(static_cast<int>(exit_usage)) +
         "  usage error, unreadable or invalid file, or the server could not start\n";
}

}  // namespace

CLI::App* setup_serve(CLI::App& app, ServeArgs& args) {
  CLI::App* command = app.add_subcommand(
      "serve", "Run a stateful mock of PATCH /customers/{id} (and GET) over HTTP or HTTPS");
  command->add_option("--host", args.host, "Address to listen on")->type_name("HOST")->capture_default_str();
  command->add_option("--port", args.port, "Port to listen on; 0 picks a free one (see the first line of output)")
      ->type_name("PORT")
      ->check(decimal_in(0, 65535))
      ->capture_default_str();
  command->add_option("--fixtures", args.fixtures,
                      "JSON array of Customer objects to start with, each validated (default: the doc's "
                      "example customer cust_abc123, alias \"acme\")")
      ->type_name("FILE");
  // No capture_default_str: keys must never appear in the help text.
  command->add_option("--api-key", args.api_keys,
                      "Accept only this API key (repeat for several); without it any well-formed "
                      "\"Bearer <key>\" is accepted")
      ->type_name("KEY")
      ->allow_extra_args(false);
  CLI::Option* cert = command->add_option("--tls-cert", args.tls_cert, "PEM certificate: serve HTTPS (needs --tls-key)")
                          ->type_name("FILE");
  CLI::Option* key = command->add_option("--tls-key", args.tls_key, "PEM private key of --tls-cert")
                         ->type_name("FILE");
  cert->needs(key);
  key->needs(cert);
  command->add_option("--latency-ms", args.latency_ms, "Delay every answer by N milliseconds")
      ->type_name("N")
      ->check(decimal_in(0, 600000))
      ->capture_default_str();
  command->add_option("--fault-rate", args.fault_rate,
                      "Answer this fraction of requests with 500, 503 or 429 (Transient-Error: true)")
      ->type_name("P")
      ->check(number_in(0.0, 1.0, "from 0 to 1"))
      ->capture_default_str();
  command->add_option("--seed", args.seed, "Seed of the fault generator")
      ->type_name("N")
      ->check(decimal_in(0, std::numeric_limits<std::int64_t>::max()))
      ->capture_default_str();
  command->add_option("--max-body-bytes", args.max_body_bytes,
                      "Bodies larger than this get 413, whether sent with Content-Length or chunked")
      ->type_name("N")
      ->check(decimal_in(1, std::uint64_t{1} << 30))
      ->capture_default_str();
  command->add_option("--max-accounts", args.max_accounts,
                      "Keep at most N accounts (one per API key, each with its own customers); the least "
                      "recently used is forgotten")
      ->type_name("N")
      ->check(decimal_in(1, 1000000))
      ->capture_default_str();
  command->footer(
      "The first line of output is \"listening on http://HOST:PORT\" (https:// with TLS).\n"
      "Routes: PATCH and GET /customers/{id} ({id}: a customer id or alias). Error bodies are\n"
      "{\"status\": N, \"detail\": \"...\"} with Content-Type: application/json.\n\n" +
      serve_exit_codes());
  return command;
}

int run_serve(const ServeArgs& args) {
  for (const std::string& key : args.api_keys) {
    if (key.empty()) {
      std::cerr << "alguna-contract serve: --api-key must not be empty\n";
      return exit_usage;
    }
  }

  MockServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.tls_cert_file = args.tls_cert;
  options.tls_key_file = args.tls_key;
  options.mock.api_keys = args.api_keys;
  options.mock.latency = std::chrono::milliseconds(args.latency_ms);
  options.mock.fault_rate = args.fault_rate;
  options.mock.seed = args.seed;
  options.mock.max_body_bytes = args.max_body_bytes;
  options.mock.max_accounts = args.max_accounts;
  if (!args.fixtures.empty()) {
    auto customers = load_customers(args.fixtures);
    if (!customers) {
      std::string message = customers.error().message;
      if (message.find(args.fixtures) == std::string::npos) message = args.fixtures + ": " + message;
      std::cerr << "alguna-contract serve: invalid --fixtures file: " << message << '\n';
      return exit_usage;
    }
    options.mock.customers = std::move(customers).value();
  }

  const StopSignals stop_signals;  // before the threads start

  auto server = MockServer::start(options);
  if (!server) {
    std::cerr << "alguna-contract serve: " << server.error().message << '\n';
    return exit_usage;
  }
  std::cout << "listening on " << (*server)->url() << std::endl;  // flushed: scripts wait for it

  stop_signals.wait();
  (*server)->stop();
  return exit_valid;
}

}  // namespace alguna::contract::cli
