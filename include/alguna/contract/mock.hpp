// A stateful stand-in for PATCH /customers/{id} (and GET, to look at the state).
//
// MockService is the endpoint's behaviour with no sockets: an HttpRequest in, an HttpResponse out.
// Tests and fuzzers drive it directly; MockServer puts it behind HTTP(S) on a port.
//
// Multi-tenant like the real API: each API key (the bearer token) is its own account with its own
// copy of the starting customers, so callers with different keys never see each other's changes.
// At most MockOptions::max_accounts are kept; the least recently used is forgotten.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/error.hpp>

namespace alguna::contract {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "PATCH"
  std::string target;  // the request target as sent: path and optional query
  Headers headers;     // in the order received, names as sent
  std::string body;
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  // The first header with this name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const noexcept;
};

using Clock = std::function<std::chrono::system_clock::time_point()>;

struct MockOptions {
  // Accepted API keys. Empty: any well-formed Bearer key is accepted.
  std::vector<std::string> api_keys;
  // The customers every account starts with. Empty: default_customer().
  std::vector<nlohmann::json> customers;
  // One account per API key, created with its own copy of `customers` by the key's first request
  // that passes the header checks (a 401 or 400 creates none). At most this many accounts are kept: when a new key arrives and the limit is
  // reached, the least recently used account is forgotten (its changes are lost; a later request
  // with that key starts again from `customers`). Must be positive.
  std::size_t max_accounts = 10000;
  // Bodies above this answer 413.
  std::size_t max_body_bytes = 1024 * 1024;
  // Faults for testing clients, off by default: every answer waits `latency`; a `fault_rate`
  // fraction of requests (chosen by a generator seeded with `seed`) answers 500, 503 or 429.
  std::chrono::milliseconds latency{0};
  double fault_rate = 0.0;
  std::uint64_t seed = 0;
  // Idempotency keys are remembered this long, and at most this many at once (oldest dropped).
  std::chrono::seconds idempotency_ttl{24 * 60 * 60};
  std::size_t idempotency_capacity = 100000;
  // The time source for updated_at and key expiry; empty: the system clock.
  Clock clock;
};

// The doc's example response (cust_abc123, Acme Corp), with the alias "acme".
nlohmann::json default_customer();

// A JSON array of Customer objects, each validated; errors name the file and the entry.
Result<std::vector<nlohmann::json>> load_customers(const std::string& path) noexcept;

class MockService {
 public:
  // Checks every customer against the Customer schema and the options' ranges.
  static Result<MockService> create(MockOptions options = {}) noexcept;

  // Thread-safe. Never throws; never answers 5xx except an injected fault.
  HttpResponse handle(const HttpRequest& request) const noexcept;

  // The stored customer, by id or alias, in the account of `api_key` (the bearer token). For a key
  // with no account yet (or one forgotten), the starting customer, as that key's next request would
  // see it. Looking does not create an account, nor count as a use for the least-recently-used order.
  std::optional<nlohmann::json> customer(std::string_view api_key, std::string_view id_or_alias) const;

  const MockOptions& options() const noexcept;

 private:
  struct Impl;
  explicit MockService(std::shared_ptr<Impl> impl) noexcept;
  std::shared_ptr<Impl> impl_;
};

struct MockServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: a free port, see MockServer::port()
  // Both set: HTTPS with this certificate and key (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  MockOptions mock;
};

// MockService over HTTP(S) on its own threads.
class MockServer {
 public:
  // Returns once the server accepts connections.
  static Result<std::unique_ptr<MockServer>> start(const MockServerOptions& options) noexcept;

  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  int port() const noexcept;
  std::string url() const;  // "http://127.0.0.1:PORT" or "https://..."
  const MockService& service() const noexcept;

  // Stops accepting, finishes in-flight requests, joins the threads. Idempotent.
  void stop() noexcept;

 private:
  struct Impl;
  explicit MockServer(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace alguna::contract
