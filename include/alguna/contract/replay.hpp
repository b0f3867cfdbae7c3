// Replays recorded scenarios (corpus.hpp) over HTTP(S) against a live endpoint or the embedded
// mock, and checks every answer: transport, status, content type, body, headers and the schemas.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/error.hpp>
#include <alguna/contract/report.hpp>

namespace alguna::contract {

struct ReplayOptions {
  // "http://host[:port]" or "https://host[:port]" (a trailing "/" is allowed, no other path).
  // Empty: an embedded MockServer on 127.0.0.1, port 0, started by Replayer::create. Against it,
  // ${ALGUNA_API_KEY} is a fresh test key for every scenario run (the environment is not read),
  // and as the mock keeps one account per API key, every scenario starts from the mock's initial
  // state, whatever runs beside it.
  std::string base_url;
  // ${ALGUNA_API_KEY} is read from this environment variable (and nothing else from the
  // environment) when base_url is set.
  std::string api_key_env = "ALGUNA_API_KEY";
  // --var NAME=VALUE
  std::map<std::string, std::string> variables;
  // Per request, from connecting to the answer's last byte (each attempt of a retried one).
  std::chrono::milliseconds timeout{30000};
  // Extra attempts on a connection failure, 429, 503 or an answer with "Transient-Error: true",
  // and on a reset or timeout in the middle of an exchange when the request is safe to send again
  // (a GET, or any request with an Idempotency-Key);
  // exponential backoff with jitter (100 ms x 2^attempt, +-50%, at most 5 s), or the answer's
  // Retry-After (seconds, at most 30 s) when it gives one.
  int retries = 2;
  // Trust this CA (PEM file) for https; the server's certificate is always verified.
  std::string ca_file;
  // Otherwise a request carrying Authorization is never sent over plain http to a host other than
  // loopback (the scenario errors, nothing is sent).
  bool allow_insecure_http = false;
  // The checks whose failures count: any of "status", "content-type", "schema", "body", "header";
  // empty: all of them. A transport failure always counts. {"status", "schema"} judges a stand-in
  // that answers by the contract but not with the recorded data (a mock generated from an OpenAPI
  // document, a sandbox with other customers). A name outside the list is invalid_argument.
  std::set<std::string> checks;
  // Against the embedded mock, every scenario run uses one test key, so one account: each
  // scenario sees what the ones before it wrote. For a recorded session (import-har, record),
  // replayed in corpus order with one worker. A base_url already means one account (one key).
  bool one_account = false;
};

// The names ReplayOptions::checks accepts, in the order a report lists them.
const std::vector<std::string>& replay_check_names();

struct StepResult {
  int status_code = 0;  // 0 when no answer arrived
  bool transient = false;  // the answer said "Transient-Error: true" (after any retries)
  // Checks: "transport", "status", "content-type", "schema", "body", "header".
  std::vector<Failure> failures;
  // The recorded request breaks the request contract while the recorded response is 2xx.
  std::vector<Violation> request_warnings;
};

enum class Outcome { passed, failed, error };

const char* to_string(Outcome outcome) noexcept;  // "passed", "failed", "error"

struct ScenarioResult {
  std::string id;
  std::string source;  // "file:line"
  Outcome outcome = Outcome::passed;
  std::chrono::milliseconds duration{0};
  std::vector<StepResult> steps;  // the steps run; a transport error ends the scenario
  std::string error;              // for Outcome::error: what went wrong
};

// Built once, then shared: run() is const and thread-safe (each call uses its own connection,
// kept alive across the scenario's steps); a Session keeps one connection alive across the
// scenarios it runs (one Session per thread). No string in a result holds the API key.
//
// Requests go out as recorded (method, target unencoded and unnormalised, headers, body bytes),
// over HTTP/1.1 with libcurl, plus only Host and Content-Length. Redirects are not followed, answers
// are not decompressed, and an answer is cut off (a transport error) past 64 MiB of body or 1 MiB
// of headers.
class Replayer {
  struct Impl;

 public:
  // Error invalid_argument for a bad URL or options, io_error for an unreadable CA file or an
  // embedded mock that cannot start.
  static Result<Replayer> create(ReplayOptions options) noexcept;

  // One connection to the endpoint, kept alive and reused by every scenario it runs (a transport
  // error closes it; the next scenario opens a new one). Not thread-safe: one per thread. It keeps
  // the Replayer's state (and the embedded mock) alive.
  class Session {
   public:
    ScenarioResult run(const Scenario& scenario) noexcept;

    Session(Session&&) noexcept;
    Session& operator=(Session&&) noexcept;
    ~Session();

   private:
    friend class Replayer;
    struct State;
    explicit Session(std::shared_ptr<const Impl> impl) noexcept;
    std::unique_ptr<State> state_;
  };

  Session session() const noexcept;

  // A Session of its own for this one scenario.
  ScenarioResult run(const Scenario& scenario) const noexcept;

  // The endpoint requests go to (the embedded mock's URL when base_url was empty).
  std::string base_url() const;
  const ReplayOptions& options() const noexcept;

 private:
  explicit Replayer(std::shared_ptr<const Impl> impl) noexcept;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace alguna::contract
