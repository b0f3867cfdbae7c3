// alguna-contract record: a recording proxy (RecordingProxy) in front of --upstream, appending
// each completed scenario to --out.
//
// The first line on stdout, flushed at once, is "recording on URL -> UPSTREAM (to FILE)": a script
// starting the command with --listen 127.0.0.1:0 reads the port from it. SIGINT and SIGTERM stop
// it cleanly, as they stop `serve` (serve_command.cpp): in-flight exchanges finish and are
// recorded, the pending scenario is written, a summary line follows, exit code 0.
//
// API keys are never printed: the proxy's messages hold none, and the summary is figures only.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <alguna/contract/recording_proxy.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/options.hpp"
#include "cli/stop_signals.hpp"

namespace alguna::contract::cli {

namespace {

std::string record_exit_codes() {
  return "Exit codes:\n"
         "  " + std::to_string(static_cast<int>(exit_valid)) +
         "  stopped by SIGINT or SIGTERM, every scenario written\n"
         "  " + std::to_string(static_cast<int>(exit_usage)) +
         "  usage error, a file that cannot be opened or written, or an address it cannot listen on\n";
}

// "HOST:PORT" or "[IPV6]:PORT"; false when it is neither.
bool parse_listen(const std::string& text, std::string& host, int& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return false;  // an IPv6 address needs its brackets
  }
  const bool digits = !port_text.empty() && port_text.size() <= 5 &&
                      std::all_of(port_text.begin(), port_text.end(),
                                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  if (!digits) return false;
  port = std::stoi(port_text);
  return port <= 65535;
}

std::string summary(const RecordingProxyStats& stats) {
  const RecorderStats& recorder = stats.recorder;
  std::string line = "stopped: " + std::to_string(stats.requests) + " requests, " + std::to_string(stats.forwarded) +
                     " forwarded, " + std::to_string(stats.failed) + " not forwarded or not answered; " +
                     std::to_string(recorder.kept) + " exchanges recorded in " + std::to_string(stats.written) +
                     " scenarios, " + std::to_string(recorder.skipped()) + " skipped";
  std::vector<std::string> reasons;
  if (recorder.skipped_other_path > 0) reasons.push_back(std::to_string(recorder.skipped_other_path) + " not /customers/{id}");
  if (recorder.skipped_preflight > 0) reasons.push_back(std::to_string(recorder.skipped_preflight) + " CORS preflight");
  if (recorder.skipped_no_response > 0) reasons.push_back(std::to_string(recorder.skipped_no_response) + " no response");
  if (!reasons.empty()) {
    line += " (";
    for (std::size_t i = 0; i < reasons.size(); ++i) line += (i == 0 ? "" : ", ") + reasons[i];
    line += ")";
  }
  return line;
}

}  // namespace

CLI::App* setup_record(CLI::App& app, RecordArgs& args) {
  CLI::App* command = app.add_subcommand(
      "record", "Run a recording proxy: forward to --upstream and append each exchange to --out as a scenario");
  command->add_option("--upstream", args.upstream, "Where requests go: http(s)://host[:port], e.g. the sandbox")
      ->type_name("URL")
      ->required();
  command->add_option("--listen", args.listen, "Address clients connect to; port 0 picks a free one (see the first line of output)")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  command->add_option("--out", args.out, "JSONL corpus file the scenarios are appended to (created when missing)")
      ->type_name("FILE.jsonl")
      ->required();
  command->add_option("--id-prefix", args.id_prefix,
                      "Scenario ids are PREFIX-1, PREFIX-2...; refused if --out already uses it (default: "
                      "recorded-<UTC start time>, made unique in --out)")
      ->type_name("PREFIX");
  command->add_option("--tag", args.tags, "Tag every scenario with TAG as well as \"recorded\" (repeatable)")
      ->type_name("TAG")
      ->allow_extra_args(false);
  command->add_option("--timeout", args.timeout_seconds,
                      "Per forwarded request, from connecting to the answer's last byte; past it the client gets 504")
      ->type_name("SECONDS")
      ->check(number_in(0.001, 3600.0, "from 0.001 to 3600"))
      ->capture_default_str();
  command->add_option("--idle-flush", args.idle_flush_seconds,
                      "Write a pending scenario (requests sharing an Idempotency-Key) after this long without a "
                      "request; 0: only when the next request or the exit completes it")
      ->type_name("SECONDS")
      ->check(number_in(0.0, 86400.0, "from 0 to 86400"))
      ->capture_default_str();
  command->add_option("--max-body-bytes", args.max_body_bytes,
                      "Request bodies larger than this get 413 and are not forwarded")
      ->type_name("N")
      ->check(decimal_in(1, std::uint64_t{1} << 30))
      ->capture_default_str();
  command->add_option("--ca-file", args.ca_file, "Trust this CA (PEM) for an https upstream; certificates are always verified")
      ->type_name("FILE");
  CLI::Option* cert = command->add_option("--tls-cert", args.tls_cert, "PEM certificate: clients connect over HTTPS (needs --tls-key)")
                          ->type_name("FILE");
  CLI::Option* key = command->add_option("--tls-key", args.tls_key, "PEM private key of --tls-cert")->type_name("FILE");
  cert->needs(key);
  key->needs(cert);
  command->add_flag("--allow-insecure-http", args.allow_insecure_http,
                    "Allow a plain-http upstream other than loopback, and listening on a non-loopback address "
                    "without TLS (API keys then cross the network in clear)");
  command->footer(
      "The first line of output is \"recording on http://HOST:PORT -> UPSTREAM (to FILE)\"; on SIGINT or\n"
      "SIGTERM the pending scenario is written and a summary line follows. Exchanges on paths other than\n"
      "/customers/{id} are forwarded, not recorded; an upstream that cannot be reached or times out gets\n"
      "the client a 502 or 504, not recorded. Replay the file with: alguna-contract replay FILE --base-url\n"
      "URL -j 1 (a recorded session is one account's history).\n\n" +
      record_exit_codes());
  return command;
}

int run_record(const RecordArgs& args) {
  RecordingProxyOptions options;
  options.upstream = args.upstream;
  if (!parse_listen(args.listen, options.host, options.port)) {
    std::cerr << "alguna-contract record: --listen must be HOST:PORT (an IPv6 address in brackets), got \""
              << args.listen << "\"\n";
    return exit_usage;
  }
  options.out_file = args.out;
  options.id_prefix = args.id_prefix;
  for (const std::string& tag : args.tags) options.tags.push_back(tag);
  options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(args.timeout_seconds * 1000)));
  options.idle_flush =
      std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(args.idle_flush_seconds * 1000)));
  options.max_body_bytes = args.max_body_bytes;
  options.ca_file = args.ca_file;
  options.tls_cert_file = args.tls_cert;
  options.tls_key_file = args.tls_key;
  options.allow_insecure_http = args.allow_insecure_http;

  const StopSignals stop_signals;  // before the threads start

  auto proxy = RecordingProxy::start(options);
  if (!proxy) {
    std::cerr << "alguna-contract record: " << proxy.error().message << '\n';
    return exit_usage;
  }
  std::cout << "recording on " << (*proxy)->url() << " -> " << (*proxy)->upstream() << " (to " << args.out << ")"
            << std::endl;  // flushed: scripts wait for it

  stop_signals.wait();
  const RecordingProxyStats stats = (*proxy)->stop();

  std::cout << summary(stats) << std::endl;
  if (stats.recorder.reused_keys > 0) {
    std::cerr << "alguna-contract record: warning: " << stats.recorder.reused_keys
              << " exchanges reused an Idempotency-Key seen earlier but not just before; each replay gives them a "
                 "fresh key, so their recorded replay or mismatch will not happen again\n";
  }
  if (stats.write_errors > 0) {
    std::cerr << "alguna-contract record: " << stats.write_errors << " scenarios were not written: "
              << stats.first_write_error << '\n';
    return exit_usage;
  }
  return exit_valid;
}

}  // namespace alguna::contract::cli
