// A recording proxy (`alguna-contract record`): clients point at it instead of the API; it forwards
// each request to the upstream (the sandbox, say), passes the answer back, and records the exchange
// through a ScenarioRecorder (recording.hpp: the same rules and redaction as a HAR import),
// appending each completed scenario to a JSONL corpus file at once.
//
//   - Forwarded: the method, the target (an absolute-form target loses its scheme and authority),
//     the body (decoded: a chunked or compressed request body arrives whole and is sent with a
//     Content-Length) and the headers but the hop-by-hop ones (RFC 9110 section 7.6.1: Connection
//     and the fields it names, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding,
//     Upgrade), Host (the upstream's), Content-Length, Expect, Content-Encoding (the body is
//     decoded), Accept-Encoding and Proxy-Authorization (meant for a proxy; this one takes none).
//   - Answered: the upstream's status, headers (but the hop-by-hop ones, Content-Length and
//     Content-Encoding) and body. The proxy asks the upstream for any content coding libcurl can
//     undo and undoes it, so that the recording holds the body itself; the client's
//     Accept-Encoding is honoured on the way back (gzip or brotli), as by the mock.
//   - Not answered (cannot connect, TLS failure, an answer cut short or over 64 MiB): 502, or 504
//     when --timeout passed; an error body {"status", "detail"} and a Proxy-Status field
//     (RFC 9209). Such an exchange is not recorded. Nothing is retried: that is the client's call.
//   - Refused before forwarding by the hardened HTTP layer the mock uses (mock.hpp, README "The
//     mock"): a body over max_body_bytes (413), ambiguous framing (400), a target over 4096 bytes
//     (414). Those are neither forwarded nor recorded.
//   - Order: exchanges are recorded in the order they complete, one at a time (thread-safe).
//     Consecutive exchanges sharing an Idempotency-Key stay one pending scenario until an exchange
//     without that key completes, idle_flush passes with no request, flush(), or stop().
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/error.hpp>
#include <alguna/contract/recording.hpp>

namespace alguna::contract {

struct RecordingProxyOptions {
  // "http://host[:port]" or "https://host[:port]" (a trailing "/" is allowed, no other path).
  std::string upstream;
  // Where clients connect. Port 0: a free port, see RecordingProxy::port().
  std::string host = "127.0.0.1";
  int port = 0;
  // Both set: clients connect over HTTPS with this certificate and key (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // Trust this CA (PEM file) for an https upstream; its certificate is always verified.
  std::string ca_file;
  // Otherwise API keys never cross a network in clear: start() refuses a plain-http upstream
  // other than loopback, and listening on a host other than loopback without TLS.
  bool allow_insecure_http = false;
  // Per forwarded request, from connecting to the answer's last byte; past it the client gets 504.
  std::chrono::milliseconds timeout{30000};
  // Request bodies larger than this get 413 from the proxy and are not forwarded.
  std::size_t max_body_bytes = 1024 * 1024;

  // Completed scenarios are appended to this file, one JSON line each (corpus/README.md), written
  // and flushed as each completes; it is created when missing. Empty: no file (see on_scenario).
  std::string out_file;
  // Called with every completed scenario, after it is written, one call at a time. Must not throw.
  std::function<void(const Scenario&)> on_scenario;
  // Scenario ids are "<id_prefix>-<n>", n from 1. Empty: "recorded-<the start time, UTC,
  // YYYYMMDDTHHMMSSZ>", followed by "-2", "-3"... when out_file already holds ids under it, so that
  // ids stay unique however many runs append to one file. A prefix given here that out_file already
  // uses ("<id_prefix>-..." ids) is refused.
  std::string id_prefix;
  std::vector<std::string> tags = {"recorded"};  // first tags of every scenario
  std::vector<std::string> secrets;              // scrubbed besides the credentials seen
  // A pending scenario is completed (and written) after this long without a request. Zero: only
  // by a later exchange, flush() or stop().
  std::chrono::milliseconds idle_flush{30000};
};

struct RecordingProxyStats {
  std::size_t requests = 0;   // that reached the proxy's handler
  std::size_t forwarded = 0;  // answered by the upstream, the answer passed back
  std::size_t failed = 0;     // not forwarded or not answered (400 for a target that is not a path, 502, 504)
  RecorderStats recorder;     // the forwarded exchanges: kept, skipped, scenarios completed
  std::size_t written = 0;    // scenarios written to out_file (or handed to on_scenario)
  std::size_t write_errors = 0;
  std::string first_write_error;
};

// Built by start(), running on its own threads until stop() (or destruction).
class RecordingProxy {
 public:
  // Returns once the proxy accepts connections. Error invalid_argument for bad options (an
  // upstream URL, an insecure setting, an id prefix out_file already uses), io_error for a file
  // that cannot be opened for appending, a CA, certificate or key file that cannot be read, or an
  // address it cannot listen on.
  static Result<std::unique_ptr<RecordingProxy>> start(RecordingProxyOptions options) noexcept;

  ~RecordingProxy();
  RecordingProxy(const RecordingProxy&) = delete;
  RecordingProxy& operator=(const RecordingProxy&) = delete;

  int port() const noexcept;
  std::string url() const;                  // "http://127.0.0.1:PORT" or "https://..."
  const std::string& upstream() const noexcept;  // as given, without a trailing "/"
  const std::string& id_prefix() const noexcept;  // the one in use
  RecordingProxyStats stats() const;

  // Completes and writes the pending scenario now, if there is one.
  void flush() noexcept;

  // Stops accepting, lets in-flight exchanges finish and be recorded, completes and writes the
  // pending scenario, closes the file. Idempotent. The final figures.
  RecordingProxyStats stop() noexcept;

 private:
  struct Impl;
  explicit RecordingProxy(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace alguna::contract
