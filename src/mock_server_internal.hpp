// Internal to the library and its fuzz harnesses (not installed, not public API): the hardened
// HTTP server under MockServer, for any handler (the recording proxy's too), and MockServer's HTTP
// handling without sockets.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <alguna/contract/error.hpp>
#include <alguna/contract/mock.hpp>

namespace alguna::contract::detail {

// Answers one request; called on the server's worker threads, concurrently. It should not throw
// (an exception becomes a 400 without its message).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: a free port
  // Both set: HTTPS with this certificate and key (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // A larger body gets 413 before the handler sees the request.
  std::size_t max_body_bytes = 1024 * 1024;
};

// MockServer's HTTP(S) server (mock_server.cpp: cpp-httplib 0.11 with its defects guarded) with
// `handler` answering every request that reaches it: requests arrive with their body read whole
// (chunked and compressed bodies decoded), their headers exactly as sent. The response's framing
// headers (Content-Length, Transfer-Encoding, Connection, Keep-Alive) are the server's to write.
class HttpServer {
 public:
  // Returns once the server accepts connections.
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options, HttpHandler handler) noexcept;

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const noexcept;
  std::string url() const;  // "http://127.0.0.1:PORT" or "https://..."

  // Stops accepting, finishes in-flight requests, joins the threads. Idempotent.
  void stop() noexcept;

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

// The mock's HTTP layer exactly as MockServer runs it for one accepted connection (httplib's
// request parser, our Connection stream with its framing and size checks, our handlers and
// MockService), except that the connection reads from a string and writes into another: no
// socket, no thread, no waiting. Not thread-safe: one exchange at a time per object.
class InMemoryMockServer {
 public:
  static Result<InMemoryMockServer> create(const MockOptions& options = {}) noexcept;

  // `input` is everything a client sends on one connection before shutting its write side (any
  // number of pipelined requests, or garbage). Returns every byte the server wrote back, in order:
  // the responses, and any interim "100 Continue".
  std::string exchange(std::string_view input);

  const MockService& service() const noexcept;

  InMemoryMockServer(InMemoryMockServer&&) noexcept;
  InMemoryMockServer& operator=(InMemoryMockServer&&) noexcept;
  ~InMemoryMockServer();

 private:
  struct Impl;
  explicit InMemoryMockServer(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace alguna::contract::detail
