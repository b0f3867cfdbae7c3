// The mock under load and faults for a bounded time (issue 5): `alguna-contract serve` as a child
// process, driven on 127.0.0.1 by
//   - 64 connections of mixed fuzz traffic, each a seeded stream: valid PATCHes and GETs, invalid
//     bodies (wrong types, unknown and read-only fields, enum near-misses, malformed JSON, invalid
//     UTF-8, duplicate keys, deep nesting, bodies over 1 MiB with Content-Length and chunked), bad
//     headers, idempotency sequences, pipelining, Expect: 100-continue, HTTP/1.0, random bytes,
//     and requests cut in the middle (closed, reset or half-closed);
//   - 50 slow clients: idle connections, heads trickled a byte every 500 ms (never finished), and
//     whole requests trickled a byte every 40 ms;
//   - a normal PATCH on a fresh connection every 200 ms, timed.
// Oracles: the server never dies and exits 0 on SIGTERM; no 5xx; every answer is a well-formed
// HTTP/1.1 response framed by Content-Length, whose JSON body conforms to the Customer schema (2xx)
// or the error schema with the same status (otherwise); each request gets the status its kind
// calls for; no request that was sent whole goes unanswered; resident memory after the run (and
// after a short idle) is less than 64 MiB above what it was after the warm-up; 95% of the normal
// requests are answered within 100 ms, and every one within 500 ms.
//
// The run lasts ALGUNA_CONTRACT_SOAK_SECONDS (default 6: ctest's run; scripts/soak.sh runs 60);
// ALGUNA_CONTRACT_SOAK_SEED changes the streams; ALGUNA_CONTRACT_SOAK_LATENCY_MS (p95),
// ALGUNA_CONTRACT_SOAK_MAX_LATENCY_MS and ALGUNA_CONTRACT_SOAK_RSS_GROWTH_MIB change the bounds;
// ALGUNA_CONTRACT_SOAK_CONNECTIONS and ALGUNA_CONTRACT_SOAK_SLOW_CLIENTS the two counts;
// ALGUNA_CONTRACT_SOAK_ONLY=kind,... keeps only those request kinds; ALGUNA_CONTRACT_SOAK_CLI runs
// another build of the command. The figures are printed on stdout.
//
// After the soak, two findings it led to, each narrowed down to a test of its own.
#ifdef ALGUNA_CONTRACT_CLI

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/validator.hpp>

#include "soak_support.hpp"
#include "test_support.hpp"

using namespace soak;
using alguna::contract::Report;
using alguna::contract::Target;
using alguna::contract::testing::shared_validator;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxBody = 1024 * 1024;          // the mock's default body limit
constexpr int kApiKeys = 16;                           // the fuzzing connections share these keys
constexpr int kIdempotencyKeys = 64;                   // ... and these idempotency keys
constexpr auto kAnswerDeadline = std::chrono::seconds(15);  // the mock's head deadline is 10 s

// --- Findings ----------------------------------------------------------------------------------

// Everything the oracles found, from every thread; the first few are kept word for word.
class Findings {
 public:
  void add(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++count_;
    if (kept_.size() < 40) kept_.push_back(what);
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return count_;
  }
  std::string text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string all;
    for (const std::string& line : kept_) all += "  " + line + "\n";
    if (count_ > kept_.size()) all += "  ... and " + std::to_string(count_ - kept_.size()) + " more\n";
    return all;
  }

 private:
  mutable std::mutex mutex_;
  std::size_t count_ = 0;
  std::vector<std::string> kept_;
};

// An answer's body conforms: a Customer for 2xx, an error body carrying the same status otherwise.
// Returns what is wrong, or an empty string.
std::string nonconformance(const Response& response) {
  const std::string* type = response.header("Content-Type");
  if (type == nullptr || *type != "application/json") {
    return "Content-Type is " + (type == nullptr ? std::string("missing") : "'" + *type + "'");
  }
  const bool success = response.status / 100 == 2;
  const Report report = shared_validator().validate_text(success ? Target::customer : Target::error, response.body);
  if (!report.valid) {
    std::string message = std::string(success ? "not a Customer" : "not an error body") + ": ";
    for (const auto& error : report.errors) message += error.path + " " + error.message + "; ";
    return message + "body " + response.body.substr(0, 300);
  }
  if (!success) {
    const json body = json::parse(response.body, nullptr, false);
    if (!body.is_object() || body.value("status", 0) != response.status) {
      return "the error body's status is not the response's: " + response.body.substr(0, 300);
    }
  }
  return {};
}

// --- The fuzz traffic --------------------------------------------------------------------------

// What a connection does next, as bytes, and what must come back.
struct Action {
  std::string kind;
  std::string bytes;
  int expect = 1;             // whole answers that must arrive
  std::vector<int> statuses;  // the statuses those answers may have (empty: any below 500)
  enum class Then {
    next,   // the answers arrive, then the next action (on this connection unless it was closed)
    cut,    // the request is cut: the connection is closed (or reset) once `bytes` are sent
    drain,  // the write side is shut once `bytes` are sent; answers are read until the server closes
  } then = Then::next;
  bool expect_continue = false;  // a "100 Continue" may come first
};

std::string api_key(int index) { return "sk_test_soak_" + std::to_string(index % kApiKeys); }

std::string request(const std::string& method, const std::string& target, const std::string& headers,
                    const std::string& body, bool with_length = true) {
  std::string text = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
  if (with_length) text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return text + "\r\n" + body;
}

std::string good_headers(const std::string& key) {
  return "Authorization: Bearer " + key + "\r\nAlguna-Version: 2026-04-01\r\n";
}

std::string patch(const std::string& key, const std::string& body, const std::string& extra = "",
                  const std::string& target = "/customers/cust_abc123") {
  return request("PATCH", target, good_headers(key) + "Content-Type: application/json\r\n" + extra, body);
}

std::string get(const std::string& key, const std::string& target = "/customers/cust_abc123",
                const std::string& extra = "") {
  return request("GET", target, good_headers(key) + extra, "", false);
}

std::string chunked(const std::string& body, Rng& rng) {
  std::string out;
  std::size_t at = 0;
  while (at < body.size()) {
    const std::size_t size = std::min(body.size() - at, 1 + rng.below(64 * 1024));
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", size);
    out += line + body.substr(at, size) + "\r\n";
    at += size;
  }
  return out + "0\r\n\r\n";
}

std::string customer_target(Rng& rng) {
  return rng.chance(0.5) ? "/customers/cust_abc123" : "/customers/acme";
}

std::string name_of(Rng& rng) {
  static const char* const kNames[] = {"Acme Corp", "Acme Inc", "ACME", "Société Générale", "株式会社アクメ",
                                       "O'Brien & Sons", "a", "Name with \\\"quotes\\\"", "tab\\tseparated"};
  return std::string(kNames[rng.below(std::size(kNames))]) + " " + std::to_string(rng.below(100000));
}

std::string contacts_body(Rng& rng, std::size_t count) {
  json contacts = json::array();
  for (std::size_t i = 0; i < count; ++i) {
    json contact = {{"email", "person" + std::to_string(rng.below(1000000)) + "@example.com"},
                    {"first_name", "First"},
                    {"last_name", "Last " + std::to_string(i)},
                    {"is_primary", i == 0}};
    // An id the customer has keeps it (once only: an id listed twice is a 422); others get fresh ones.
    if (rng.chance(0.3)) contact["id"] = i == 0 && rng.chance(0.5) ? "cont_abc123" : "<string>";
    if (rng.chance(0.3)) contact["email_preferences"] = json::array({"invoices"});
    contacts.push_back(contact);
  }
  return json{{"contacts", contacts}}.dump();
}

// A body over the limit that is valid JSON as far as it goes.
std::string huge_body(Rng& rng) {
  return "{\"name\": \"" + std::string(kMaxBody + 1 + rng.below(256 * 1024), 'x') + "\"}";
}

Action valid(std::string kind, std::string bytes, int expect = 1) {
  Action action;
  action.kind = std::move(kind);
  action.bytes = std::move(bytes);
  action.expect = expect;
  action.statuses = {200};
  return action;
}

Action refused(std::string kind, std::string bytes, std::vector<int> statuses) {
  Action action;
  action.kind = std::move(kind);
  action.bytes = std::move(bytes);
  action.statuses = std::move(statuses);
  return action;
}

Action raw(std::string kind, std::string bytes, Action::Then then) {
  Action action;
  action.kind = std::move(kind);
  action.bytes = std::move(bytes);
  action.expect = 0;
  action.then = then;
  return action;
}

// The kinds ALGUNA_CONTRACT_SOAK_ONLY names (comma-separated), for narrowing a finding down; empty:
// every kind.
const std::vector<std::string>& only_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> list;
    const char* text = std::getenv("ALGUNA_CONTRACT_SOAK_ONLY");
    std::stringstream stream(text != nullptr ? text : "");
    for (std::string kind; std::getline(stream, kind, ',');) {
      if (!kind.empty()) list.push_back(kind);
    }
    return list;
  }();
  return kinds;
}

Action any_action(Rng& rng, int index);

// The next action of connection `index`, from its own generator.
Action next_action(Rng& rng, int index) {
  const auto& only = only_kinds();
  for (;;) {
    Action action = any_action(rng, index);
    if (only.empty() || std::find(only.begin(), only.end(), action.kind) != only.end()) return action;
  }
}

Action any_action(Rng& rng, int index) {
  const std::string key = api_key(index);
  const std::size_t roll = rng.below(1000);
  std::size_t at = 0;
  const auto is = [&](std::size_t weight) {
    at += weight;
    return roll < at;
  };

  // Valid requests: about 60% of the traffic.
  if (is(150)) return valid("patch-rename", patch(key, json{{"name", name_of(rng)}}.dump(), "", customer_target(rng)));
  if (is(70)) {
    static const char* const kCurrencies[] = {"EUR", "USD", "GBP", "JPY", "CHF", "SEK"};
    return valid("patch-currency", patch(key, json{{"currency", kCurrencies[rng.below(6)]}}.dump()));
  }
  if (is(70)) return valid("patch-contacts", patch(key, contacts_body(rng, 1 + rng.below(3))));
  if (is(5)) {
    // On a key of their own: the idempotent answers stored for the shared keys stay small. At most
    // 150 contacts: replacing N contacts costs the mock O(N^2) under the lock every request takes
    // (see "mock: a PATCH with thousands of contacts does not hold up other keys' requests").
    return valid("patch-many-contacts", patch("sk_test_soak_big", contacts_body(rng, 50 + rng.below(100))));
  }
  if (is(30)) {
    json body = json::parse(alguna::contract::testing::fixture_text("doc-example-request.json"));
    body["aliases"] = json::array({"acme", "soak-" + std::to_string(rng.below(1000))});  // keeps /customers/acme
    body["billing_address"] = {{"line1", "1 Soak St"}, {"city", "Berlin"}, {"country", rng.chance(0.5) ? "DE" : "DEU"}};
    return valid("patch-full", patch(key, body.dump()));
  }
  if (is(20)) return valid("patch-nulls", patch(key, R"({"name": null, "currency": null, "aliases": null})"));
  if (is(10)) return valid("patch-empty", patch(key, "{}"));
  if (is(120)) return valid("get", get(key, customer_target(rng)));
  if (is(20)) return valid("get-fresh-key", get("sk_test_soak_fresh_" + std::to_string(rng.next())));
  if (is(25)) return valid("pipelined-gets", get(key) + get(key, "/customers/acme") + get(key), 3);
  if (is(25)) {
    return valid("patch-chunked", request("PATCH", "/customers/cust_abc123",
                                          good_headers(key) + "Content-Type: application/json\r\n"
                                                              "Transfer-Encoding: chunked\r\n",
                                          chunked(json{{"name", name_of(rng)}}.dump(), rng), false));
  }
  if (is(15)) {
    Action action = valid("patch-expect-continue",
                          patch(key, json{{"name", name_of(rng)}}.dump(), "Expect: 100-continue\r\n"));
    action.expect_continue = true;
    return action;
  }
  if (is(10)) {
    Action action = valid("get-http10", "GET /customers/acme HTTP/1.0\r\n" + good_headers(key) + "\r\n");
    return action;
  }
  if (is(40)) {
    // The same key twice with the same body: executed, then replayed; other connections share the
    // keys, so either may meet one of theirs in flight (409) or with another body (422).
    const std::size_t slot = rng.below(kIdempotencyKeys);
    const std::string body = json{{"name", "Idempotent " + std::to_string(slot + 1000 * rng.below(2))}}.dump();
    const std::string header = "Idempotency-Key: soak-ik-" + std::to_string(slot) + "\r\n";
    Action action = refused("patch-idempotent-pair", patch(key, body, header) + patch(key, body, header), {200, 409, 422});
    action.expect = 2;
    return action;
  }

  // Invalid bodies: 422 for a body that breaks the schema, 400 for one that is not JSON.
  if (is(25)) {
    static const char* const kWrongTypes[] = {R"({"name": 42})", R"({"currency": 978})", R"({"contacts": {}})",
                                              R"({"aliases": "acme"})", R"({"contacts": [{"email": true}]})",
                                              R"({"billing_address": []})", R"([])", R"("name")", R"(null)"};
    return refused("body-wrong-type", patch(key, kWrongTypes[rng.below(std::size(kWrongTypes))]), {422});
  }
  if (is(20)) {
    static const char* const kUnknown[] = {R"({"nmae": "x"})", R"({"tax_rate": "0.20"})", R"({"id": "cust_x"})",
                                           R"({"created_at": "2026-04-01T10:00:00Z"})", R"({"contacts": [{"emial": "a@b.co"}]})"};
    return refused("body-unknown-field", patch(key, kUnknown[rng.below(std::size(kUnknown))]), {422});
  }
  if (is(20)) {
    static const char* const kNearMisses[] = {R"({"currency": "usd"})", R"({"currency": "EURO"})", R"({"currency": "XYZ"})",
                                              R"({"tax_type": "VAT"})", R"({"billing_address": {"country": "UK"}})",
                                              R"({"contacts": [{"email": "not-an-email"}]})", R"({"name": ""})"};
    return refused("body-enum-near-miss", patch(key, kNearMisses[rng.below(std::size(kNearMisses))]), {422});
  }
  if (is(25)) {
    static const char* const kMalformed[] = {R"({"name": "x")", R"({"name": 'x'})", R"({name: "x"})", "{", "",
                                             R"({"name": "x"} trailing)", R"({"name": "x",})",
                                             R"({"name": "\ud800"})", R"({"name": "x", "name": "y"})",
                                             "{\"name\": \"\xff\xfe\"}", "{\"name\": \"a\x01\"}"};
    return refused("body-malformed-json", patch(key, kMalformed[rng.below(std::size(kMalformed))]), {400});
  }
  if (is(5)) {
    // RFC 8259 lets a parser ignore a byte order mark, or refuse it.
    return refused("body-byte-order-mark", patch(key, "\xef\xbb\xbf{\"name\": \"BOM\"}"), {200, 400});
  }
  if (is(10)) {
    const std::size_t depth = 65 + rng.below(20000);
    return refused("body-deep-nesting",
                   patch(key, "{\"name\": " + std::string(depth, '[') + std::string(depth, ']') + "}"), {400});
  }
  if (is(8)) {
    Action action = refused("body-over-limit", patch(key, huge_body(rng)), {413});
    return action;
  }
  if (is(4)) {
    return refused("body-over-limit-chunked",
                   request("PATCH", "/customers/cust_abc123",
                           good_headers(key) + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                           chunked(huge_body(rng), rng), false),
                   {413});
  }
  if (is(10)) {
    static const char* const kBadChunks[] = {"zz\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "2\r\n{}\r\n0\r\nTrailer: x\r\n\r\n",
                                             "ffffffffffffffffff\r\n"};
    return refused("body-bad-chunked",
                   request("PATCH", "/customers/cust_abc123",
                           good_headers(key) + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                           kBadChunks[rng.below(std::size(kBadChunks))], false),
                   {400});
  }
  if (is(8)) {
    return refused("framing-conflict",
                   request("PATCH", "/customers/cust_abc123",
                           good_headers(key) + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                                               "Content-Length: 2\r\n",
                           "2\r\n{}\r\n0\r\n\r\n", false),
                   {400});
  }

  // Bad headers and routes.
  if (is(15)) {
    return refused("header-no-authorization",
                   request("PATCH", "/customers/cust_abc123",
                           "Alguna-Version: 2026-04-01\r\nContent-Type: application/json\r\n", "{}"),
                   {401});
  }
  if (is(10)) {
    return refused("header-bad-authorization",
                   request("GET", "/customers/acme", "Authorization: Basic c29hazpzb2Fr\r\nAlguna-Version: 2026-04-01\r\n", "", false),
                   {401});
  }
  if (is(15)) {
    return refused("header-wrong-version",
                   request("PATCH", "/customers/cust_abc123",
                           "Authorization: Bearer " + key + "\r\nAlguna-Version: 2025-01-01\r\nContent-Type: application/json\r\n",
                           "{}"),
                   {400});
  }
  if (is(10)) {
    return refused("header-long-idempotency-key",
                   patch(key, "{}", "Idempotency-Key: " + std::string(256, 'k') + "\r\n"), {400});
  }
  if (is(15)) {
    return refused("header-wrong-content-type",
                   request("PATCH", "/customers/cust_abc123", good_headers(key) + "Content-Type: text/plain\r\n", "{}"),
                   {415});
  }
  if (is(8)) {
    return refused("header-twice", patch(key, "{}", "alguna-version: 2026-04-01\r\n"), {400});
  }
  if (is(10)) return refused("route-unknown", get(key, "/nope/" + std::to_string(rng.below(100))), {404});
  if (is(10)) return refused("route-unknown-id", get(key, "/customers/cust_nope" + std::to_string(rng.below(100))), {404});
  if (is(8)) {
    // At most 300 bytes: a longer target costs its worker a deep std::regex recursion in httplib's
    // router, and the stack it touched stays resident (see "mock: PATCHes to 4 KB targets do not
    // swell the workers' stacks"): the memory oracle would measure that, not a leak.
    return refused("route-long-id", patch(key, "{}", "", "/customers/cust_" + std::string(1 + rng.below(300), 'c')), {404});
  }
  if (is(8)) {
    return refused("route-wrong-method", request("DELETE", "/customers/acme", good_headers(key), "", false), {405});
  }
  if (is(5)) return refused("target-over-4k", get(key, "/customers/" + std::string(5000, 't')), {414});
  if (is(5)) return refused("head-over-64k", get(key, "/customers/acme", "X-Pad: " + std::string(70000, 'p') + "\r\n"), {431});
  if (is(5)) return refused("header-line-over-8k", get(key, "/customers/acme", "X-Pad: " + std::string(9000, 'p') + "\r\n"), {400});
  if (is(5)) return refused("request-line-garbage", "hello there\r\n\r\n", {400});

  // Raw bytes and requests cut short.
  if (is(46)) return raw("raw-random-bytes", rng.bytes(1 + rng.below(4096)), Action::Then::drain);
  if (is(45)) {
    const std::string whole = patch(key, json{{"name", name_of(rng)}}.dump());
    return raw("cut-closed", whole.substr(0, rng.below(whole.size())), Action::Then::cut);
  }
  if (is(35)) {
    const std::string whole = patch(key, contacts_body(rng, 20));
    return raw("cut-half-closed", whole.substr(0, rng.below(whole.size())), Action::Then::drain);
  }
  return valid("get", get(key));  // not reached: the weights add up to 1000
}

struct FuzzStats {
  std::map<std::string, std::uint64_t> sent;      // actions by kind
  std::map<int, std::uint64_t> statuses;          // answers by status
  std::uint64_t answers = 0;
  std::uint64_t connections = 0;
  std::uint64_t bytes_sent = 0;
};

// The 64 fuzzing connections, on one thread (as wrk drives its connections): a client thread per
// connection would have the scheduler, not the server, decide the latency measured beside them.
class FuzzLoad {
 public:
  FuzzLoad(int port, int connections, std::uint64_t seed, Findings& findings)
      : port_(port), findings_(findings) {
    for (int i = 0; i < connections; ++i) conns_.emplace_back(i, Rng(seed * 1000003 + static_cast<std::uint64_t>(i)));
  }
  ~FuzzLoad() {
    for (Conn& conn : conns_) close(conn, false);
  }
  FuzzLoad(const FuzzLoad&) = delete;
  FuzzLoad& operator=(const FuzzLoad&) = delete;

  // Until `stop`; then the actions under way finish (each bounded by kAnswerDeadline).
  void run(const std::atomic<bool>& stop) {
    std::vector<pollfd> fds;
    std::vector<Conn*> polled;
    for (;;) {
      const bool stopping = stop.load();
      for (Conn& conn : conns_) {
        if (!conn.active && !stopping) start(conn);
      }
      fds.clear();
      polled.clear();
      const auto now = SteadyClock::now();
      for (Conn& conn : conns_) {
        if (!conn.active) continue;
        if (now > conn.deadline) {
          timed_out(conn);
          continue;
        }
        short events = POLLIN;
        if (conn.sent < conn.action.bytes.size() && !conn.send_broken) events |= POLLOUT;
        fds.push_back(pollfd{conn.fd, events, 0});
        polled.push_back(&conn);
      }
      if (fds.empty()) {
        if (stopping) break;
        continue;
      }
      if (::poll(fds.data(), fds.size(), 20) < 0 && errno != EINTR) {
        findings_.add("fuzz: poll failed");
        break;
      }
      for (std::size_t i = 0; i < fds.size(); ++i) {
        Conn& conn = *polled[i];
        if (!conn.active || fds[i].revents == 0) continue;
        if (fds[i].revents & POLLOUT) send_some(conn);
        if (conn.active && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) receive(conn);
        if (conn.active) settle(conn);
      }
    }
  }

  const FuzzStats& stats() const { return stats_; }

 private:
  struct Conn {
    Conn(int i, Rng r) : index(i), rng(r) {}
    int index;
    Rng rng;
    int fd = -1;
    bool active = false;
    Action action;
    std::size_t sent = 0;
    bool write_shut = false;
    bool send_broken = false;
    bool server_closing = false;  // an answer said "Connection: close"
    int answered = 0;
    std::string in;
    SteadyClock::time_point deadline{};
    SteadyClock::time_point started{};
    SteadyClock::time_point idle_since{};  // the last action on the connection ended then
    int on_connection = 0;  // actions on the current connection, this one included
  };

  void finding(const Conn& conn, const std::string& what) {
    findings_.add("connection " + std::to_string(conn.index) + ", " + conn.action.kind + ": " + what);
  }

  void close(Conn& conn, bool reset) {
    if (conn.fd < 0) return;
    if (reset) {
      const linger hard{1, 0};  // close with RST
      ::setsockopt(conn.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    }
    ::close(conn.fd);
    conn.fd = -1;
    conn.in.clear();
  }

  void start(Conn& conn) {
    // The mock closes a kept-alive connection idle for 2 s: a request sent just then would meet the
    // close (the race every HTTP client has, not a fault of the server). On a loaded machine this
    // thread may come back late: such a connection is replaced, as clients do.
    if (conn.fd >= 0 && SteadyClock::now() - conn.idle_since > 1s) close(conn, false);
    if (conn.fd < 0) {
      conn.fd = connect_loopback(port_);
      if (conn.fd < 0) {
        findings_.add("fuzz: cannot connect to the server");
        std::this_thread::sleep_for(10ms);
        return;
      }
      ++stats_.connections;
      conn.on_connection = 0;
    }
    ++conn.on_connection;
    conn.started = SteadyClock::now();
    conn.action = next_action(conn.rng, conn.index);
    conn.active = true;
    conn.sent = 0;
    conn.write_shut = false;
    conn.send_broken = false;
    conn.server_closing = false;
    conn.answered = 0;
    conn.deadline = SteadyClock::now() + kAnswerDeadline;
    ++stats_.sent[conn.action.kind];
    send_some(conn);
    if (conn.active) settle(conn);
  }

  void send_some(Conn& conn) {
    const std::string& bytes = conn.action.bytes;
    while (conn.sent < bytes.size() && !conn.send_broken) {
      const ssize_t n = ::send(conn.fd, bytes.data() + conn.sent, std::min<std::size_t>(bytes.size() - conn.sent, 256 * 1024),
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        conn.sent += static_cast<std::size_t>(n);
        stats_.bytes_sent += static_cast<std::uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      conn.send_broken = true;  // the server closed; what it answered is still to be read
    }
    if (conn.sent < bytes.size()) return;
    if (conn.action.then == Action::Then::cut) {
      close(conn, conn.rng.chance(0.5));
      conn.active = false;
    } else if (conn.action.then == Action::Then::drain && !conn.write_shut) {
      ::shutdown(conn.fd, SHUT_WR);
      conn.write_shut = true;
    }
  }

  void receive(Conn& conn) {
    char buffer[64 * 1024];
    bool ended = false;
    bool reset = false;
    for (;;) {
      const ssize_t n = ::recv(conn.fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        conn.in.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) {
        ended = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      ended = true;
      reset = true;
      break;
    }
    for (;;) {
      Response response;
      std::string problem;
      const Take took = take_response(conn.in, response, problem);
      if (took == Take::none) break;
      if (took == Take::malformed) {
        finding(conn, problem);
        close(conn, false);
        conn.active = false;
        return;
      }
      answer(conn, response);
    }
    if (!ended) return;
    if (conn.action.then == Action::Then::next && conn.answered < conn.action.expect) {
      finding(conn, std::string("the server ") + (reset ? "reset" : "closed") + " the connection with " +
                        std::to_string(conn.action.expect - conn.answered) + " answer(s) due, " +
                        std::to_string(static_cast<int>(1000 * seconds_since(conn.started))) + " ms after the request (request " +
                        std::to_string(conn.on_connection) + " on the connection" +
                        (conn.send_broken ? ", it stopped reading the request)" : ")"));
    }
    if (!conn.in.empty() && conn.action.then != Action::Then::cut) {
      finding(conn, "a truncated answer: " + conn.in.substr(0, 200));
    }
    close(conn, false);
    conn.active = false;
  }

  void answer(Conn& conn, const Response& response) {
    if (response.status / 100 == 1) {
      if (response.status != 100 || !conn.action.expect_continue) finding(conn, "an unexpected " + response.status_line);
      return;
    }
    ++stats_.answers;
    ++stats_.statuses[response.status];
    if (response.status >= 500) finding(conn, "a 5xx answer: " + response.status_line + " " + response.body.substr(0, 200));
    const std::string wrong = nonconformance(response);
    if (!wrong.empty()) finding(conn, response.status_line + ": " + wrong);
    const auto& allowed = conn.action.statuses;
    if (conn.answered < conn.action.expect && !allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), response.status) == allowed.end()) {
      finding(conn, "status " + std::to_string(response.status) + " where the kind calls for another: " +
                        response.body.substr(0, 200));
    }
    ++conn.answered;
    if (conn.answered > conn.action.expect && conn.action.then == Action::Then::next) {
      finding(conn, "an answer nobody asked for: " + response.status_line);
    }
    const std::string* connection = response.header("Connection");
    if (connection != nullptr && iequals(*connection, "close")) conn.server_closing = true;
  }

  // An action whose answers have all arrived ends; the connection goes on unless it was closed.
  void settle(Conn& conn) {
    if (conn.action.then != Action::Then::next || conn.answered < conn.action.expect) return;
    if (conn.server_closing) {
      close(conn, false);
      conn.active = false;
      return;
    }
    if (conn.sent < conn.action.bytes.size()) return;  // answered early: the rest is still sent
    if (!conn.in.empty()) finding(conn, "bytes after the answers: " + conn.in.substr(0, 200));
    conn.active = false;
    conn.idle_since = SteadyClock::now();
  }

  void timed_out(Conn& conn) {
    if (conn.action.then == Action::Then::drain) {
      finding(conn, "the server kept a half-closed connection open for " +
                        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kAnswerDeadline).count()) + " s");
    } else {
      finding(conn, std::to_string(conn.action.expect - conn.answered) + " answer(s) still due after " +
                        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kAnswerDeadline).count()) +
                        " s (sent " + std::to_string(conn.sent) + " of " + std::to_string(conn.action.bytes.size()) +
                        " bytes)");
    }
    close(conn, false);
    conn.active = false;
  }

  int port_;
  Findings& findings_;
  std::vector<Conn> conns_;
  FuzzStats stats_;
};

// --- Slow clients ------------------------------------------------------------------------------

struct SlowStats {
  std::uint64_t connections = 0;
  std::uint64_t closed_by_server = 0;
  std::map<int, std::uint64_t> statuses;
};

// 50 connections: a third idle, a third trickling a head that never ends (a byte every 500 ms), a
// third trickling whole GETs (a byte every 40 ms, about 4 s each). Reconnect when the server closes.
void slow_clients(int port, int count, const std::atomic<bool>& stop, Findings& findings, SlowStats& stats) {
  struct Slow {
    int kind = 0;
    int fd = -1;
    std::string script;
    std::size_t pos = 0;
    SteadyClock::time_point next{};
    std::string in;
  };
  const std::string endless = "GET /customers/acme HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  const std::string whole = "GET /customers/acme HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk_test_soak_slow\r\n"
                            "Alguna-Version: 2026-04-01\r\n\r\n";
  std::vector<Slow> slow(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) slow[static_cast<std::size_t>(i)].kind = i % 3;
  const auto interval = [](int kind) { return kind == 1 ? 500ms : 40ms; };
  while (!stop.load()) {
    const auto now = SteadyClock::now();
    for (Slow& s : slow) {
      if (s.fd < 0) {
        s.fd = connect_loopback(port);
        if (s.fd < 0) {
          findings.add("slow clients: cannot connect to the server");
          continue;
        }
        ++stats.connections;
        s.pos = 0;
        s.in.clear();
        s.script = s.kind == 1 ? endless : whole;
        s.next = now;
      }
      if (s.kind != 0 && now >= s.next) {
        if (s.kind == 1 && s.pos >= s.script.size()) s.script += 'a';  // the head never ends
        if (s.pos < s.script.size()) {
          if (::send(s.fd, s.script.data() + s.pos, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) ++s.pos;
        }
        s.next = now + interval(s.kind);
      }
      char buffer[16384];
      bool ended = false;
      for (;;) {
        const ssize_t n = ::recv(s.fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
          s.in.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        ended = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
        break;
      }
      for (;;) {
        Response response;
        std::string problem;
        const Take took = take_response(s.in, response, problem);
        if (took == Take::none) break;
        if (took == Take::malformed) {
          findings.add("slow client: " + problem);
          s.in.clear();
          ended = true;
          break;
        }
        ++stats.statuses[response.status];
        if (response.status >= 500) findings.add("slow client: a 5xx answer: " + response.status_line);
        const std::string wrong = nonconformance(response);
        if (!wrong.empty()) findings.add("slow client: " + response.status_line + ": " + wrong);
        if (s.kind == 2 && response.status != 200) {
          findings.add("slow client: a whole GET sent in 4 s got " + response.status_line + " " + response.body);
        }
        if (s.kind == 1 && response.status != 408) {
          findings.add("slow client: a head never finished got " + response.status_line + " (408 expected)");
        }
        if (s.kind == 2) s.pos = 0;  // the next GET on the same connection
      }
      if (ended) {
        ++stats.closed_by_server;
        ::close(s.fd);
        s.fd = -1;
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  for (Slow& s : slow) {
    if (s.fd >= 0) ::close(s.fd);
  }
}

// --- Normal requests ---------------------------------------------------------------------------

// One PATCH on a fresh connection; the seconds until its whole answer, checked, has arrived.
double timed_patch(int port, int n, Findings& findings) {
  const auto start = SteadyClock::now();
  const std::string name = "Normal " + std::to_string(n);
  const std::string body = json{{"name", name}}.dump();
  const std::string bytes = patch("sk_test_soak_normal", body);
  const int fd = connect_loopback(port);
  if (fd < 0) {
    findings.add("normal request " + std::to_string(n) + ": cannot connect");
    return seconds_since(start);
  }
  std::size_t sent = 0;
  std::string in;
  Response response;
  bool done = false;
  const auto deadline = start + 10s;
  while (!done && SteadyClock::now() < deadline) {
    pollfd descriptor{fd, static_cast<short>(POLLIN | (sent < bytes.size() ? POLLOUT : 0)), 0};
    if (::poll(&descriptor, 1, 50) <= 0) continue;
    if (sent < bytes.size() && (descriptor.revents & POLLOUT)) {
      const ssize_t n_sent = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n_sent > 0) sent += static_cast<std::size_t>(n_sent);
    }
    char buffer[16384];
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (got > 0) in.append(buffer, static_cast<std::size_t>(got));
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
    std::string problem;
    const Take took = take_response(in, response, problem);
    if (took == Take::malformed) {
      findings.add("normal request " + std::to_string(n) + ": " + problem);
      break;
    }
    done = took == Take::response;
  }
  const double seconds = seconds_since(start);
  ::close(fd);
  if (!done) {
    findings.add("normal request " + std::to_string(n) + ": no whole answer");
  } else if (response.status != 200) {
    findings.add("normal request " + std::to_string(n) + ": " + response.status_line + " " + response.body);
  } else {
    const std::string wrong = nonconformance(response);
    if (!wrong.empty()) findings.add("normal request " + std::to_string(n) + ": " + wrong);
    const json customer = json::parse(response.body, nullptr, false);
    if (!customer.is_object() || customer.value("name", "") != name) {
      findings.add("normal request " + std::to_string(n) + ": the answer is not the renamed customer");
    }
  }
  return seconds;
}

std::string by_count(const std::map<std::string, std::uint64_t>& counts) {
  std::vector<std::pair<std::string, std::uint64_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string text;
  for (const auto& [name, count] : sorted) text += (text.empty() ? "" : ", ") + name + " " + std::to_string(count);
  return text;
}

template <class Map>
std::string by_key(const Map& counts) {
  std::ostringstream text;
  bool first = true;
  for (const auto& [key, count] : counts) {
    text << (first ? "" : ", ") << key << " " << count;
    first = false;
  }
  return text.str();
}

}  // namespace

// No ';' in a test name: CMake would split it in two.
TEST_CASE("mock soak: 64 fuzzing connections and 50 slow clients: no crash, no 5xx, bounded memory, "
          "normal requests on time",
          "[soak][mock][slow]") {
  const double duration = std::max(1.0, env_number("ALGUNA_CONTRACT_SOAK_SECONDS", 6.0));
  const auto seed = static_cast<std::uint64_t>(env_number("ALGUNA_CONTRACT_SOAK_SEED", 20260401));
  // The normal requests: 95% within 100 ms, every one within 500 ms. A connection starved of a
  // worker waits a second or more (the mock's under-pressure yield is 1 s, its head deadline 10 s),
  // and so does one behind a long-held lock: the hard bound catches those. On a shared machine the
  // scheduler alone delays a request now and then by 100-250 ms (measured with no fuzz traffic at
  // all, at a load average of 12 on 2 cores: 2 of 44 over 100 ms), hence the 95%.
  const double latency_bound_ms = env_number("ALGUNA_CONTRACT_SOAK_LATENCY_MS", 100.0);
  const double latency_max_ms = env_number("ALGUNA_CONTRACT_SOAK_MAX_LATENCY_MS", 500.0);
  const double growth_bound_mib = env_number("ALGUNA_CONTRACT_SOAK_RSS_GROWTH_MIB", 64.0);
  const int connections = static_cast<int>(env_number("ALGUNA_CONTRACT_SOAK_CONNECTIONS", 64));
  const int slow_count = static_cast<int>(env_number("ALGUNA_CONTRACT_SOAK_SLOW_CLIENTS", 50));

  // 100 accounts at most: the fresh keys make the mock forget and re-create accounts all along.
  ServeProcess serve({"--max-accounts", "100"});
  INFO("serve's first line: " << serve.first_line() << "\nstderr: " << serve.child().err());
  REQUIRE(serve.port() > 0);
  const pid_t pid = serve.child().pid();
  const int port = serve.port();
  const long rss_start = rss_kib(pid);

  Findings findings;
  std::atomic<bool> stop{false};
  FuzzLoad fuzz(port, connections, seed, findings);
  SlowStats slow_stats;
  std::vector<double> latencies;
  std::thread slow_thread([&] { slow_clients(port, slow_count, stop, findings, slow_stats); });
  std::thread fuzz_thread([&] { fuzz.run(stop); });
  std::thread normal_thread([&] {
    std::this_thread::sleep_for(300ms);  // the slow clients are connected by now
    for (int n = 0; !stop.load(); ++n) {
      latencies.push_back(timed_patch(port, n, findings));
      std::this_thread::sleep_for(200ms);
    }
  });

  // Warm-up (2 s, or 15% of a longer run): the pool has its workers, the allocator its arenas, the
  // accounts and idempotency keys their steady state.
  const auto begin = SteadyClock::now();
  const double warmup = std::max(2.0, 0.15 * duration);
  const double sample_every = std::max(1.0, duration / 12.0);
  long rss_warm = 0;
  long rss_max = 0;
  bool died = false;
  std::string rss_samples;  // "t s: KB" at every sample_every seconds
  double next_sample = sample_every;
  while (seconds_since(begin) < duration) {
    std::this_thread::sleep_for(100ms);
    if (!serve.child().running()) {
      died = true;
      break;
    }
    const long rss = rss_kib(pid);
    const double now = seconds_since(begin);
    if (rss_warm == 0 && now >= warmup) rss_warm = rss;
    if (rss_warm != 0) rss_max = std::max(rss_max, rss);
    if (now >= next_sample) {
      rss_samples += (rss_samples.empty() ? "" : ", ") + std::to_string(static_cast<int>(now + 0.5)) + " s " +
                     std::to_string(rss);
      next_sample += sample_every;
    }
  }
  const long rss_end = died ? 0 : rss_kib(pid);
  const long threads_end = died ? 0 : thread_count(pid);
  stop = true;
  fuzz_thread.join();
  slow_thread.join();
  normal_thread.join();
  const double run_seconds = seconds_since(begin);

  // Idle: every connection closed, the keep-alive timeouts (2 s) past.
  std::this_thread::sleep_for(3s);
  const bool alive = serve.child().running();
  const long rss_idle = alive ? rss_kib(pid) : 0;
  const long rss_peak = alive ? peak_rss_kib(pid) : 0;
  double last_seconds = -1.0;
  if (alive) last_seconds = timed_patch(port, -1, findings);  // still serving

  const FuzzStats& stats = fuzz.stats();
  std::uint64_t requests = 0;
  for (const auto& entry : stats.sent) requests += entry.second;
  std::uint64_t fivexx = 0;
  for (const auto& [status, count] : stats.statuses) fivexx += status >= 500 ? count : 0;
  for (const auto& [status, count] : slow_stats.statuses) fivexx += status >= 500 ? count : 0;
  std::vector<double> sorted = latencies;
  std::sort(sorted.begin(), sorted.end());
  const double max_ms = sorted.empty() ? 0.0 : 1000.0 * sorted.back();
  const double median_ms = sorted.empty() ? 0.0 : 1000.0 * sorted[sorted.size() / 2];
  // Nearest rank: of 20 requests, the 19th slowest.
  const double p95_ms = sorted.empty() ? 0.0 : 1000.0 * sorted[(sorted.size() * 95 + 99) / 100 - 1];
  const auto over_bound = std::count_if(sorted.begin(), sorted.end(),
                                        [&](double seconds) { return 1000.0 * seconds >= latency_bound_ms; });
  const double growth_mib = static_cast<double>(std::max(rss_end, rss_idle) - rss_warm) / 1024.0;

  std::ostringstream figures;
  figures.setf(std::ios::fixed);
  figures.precision(1);
  figures << "soak: " << run_seconds << " s, seed " << seed << ", " << connections << " fuzzing connections, "
          << slow_count << " slow clients, serve pid " << pid << "\n"
          << "soak: requests sent: " << requests << " (" << static_cast<double>(requests) / run_seconds
          << "/s) on " << stats.connections << " connections, " << stats.bytes_sent / (1024 * 1024) << " MiB\n"
          << "soak: requests by kind: " << by_count(stats.sent) << "\n"
          << "soak: answers: " << stats.answers << "; by status: " << by_key(stats.statuses) << "\n"
          << "soak: 5xx answers: " << fivexx << "\n"
          << "soak: slow clients: " << slow_stats.connections << " connections, " << slow_stats.closed_by_server
          << " closed by the server; answers by status: " << by_key(slow_stats.statuses) << "\n"
          << "soak: normal requests beside them: " << latencies.size() << ", max " << max_ms << " ms, p95 " << p95_ms
          << " ms, median " << median_ms << " ms; " << over_bound << " at or over " << latency_bound_ms
          << " ms (bounds: p95 under " << latency_bound_ms << " ms, max under " << latency_max_ms << " ms)\n"
          << "soak: serve RSS (KB): start " << rss_start << ", after warm-up (" << warmup << " s) " << rss_warm
          << ", max after warm-up " << rss_max << ", end " << rss_end << ", after 3 s idle " << rss_idle << ", peak "
          << rss_peak << "; growth after warm-up " << growth_mib << " MiB (bound " << growth_bound_mib << " MiB); "
          << threads_end << " threads at the end\n"
          << "soak: serve RSS over time (KB): " << rss_samples << "\n"
          << "soak: oracle findings: " << findings.count() << "\n"
          << findings.text();
  std::cout << figures.str() << std::flush;

  INFO(figures.str());
  REQUIRE_FALSE(died);
  REQUIRE(alive);
  CHECK(findings.count() == 0);
  CHECK(fivexx == 0);
  CHECK(stats.answers > 0);
  CHECK(latencies.size() >= std::min<std::size_t>(20, static_cast<std::size_t>(duration * 3)));
  CHECK(p95_ms < latency_bound_ms);
  CHECK(max_ms < latency_max_ms);
  CHECK(last_seconds >= 0.0);
  CHECK(rss_warm > 0);
  CHECK(growth_mib < growth_bound_mib);

  // It stops as documented: SIGTERM, exit 0, nothing on stderr.
  serve.child().signal(SIGTERM);
  const Ended ended = serve.child().wait(10000ms);
  INFO("serve " << ended.describe() << "; stderr: " << serve.child().err());
  CHECK(ended.exited);
  CHECK(ended.code == 0);
  CHECK(serve.child().err().empty());
}

// Findings of the soak, narrowed down: each fails until the mock is fixed.

TEST_CASE("mock: a PATCH with thousands of contacts does not hold up other keys' requests", "[soak][mock][slow]") {
  // MockService gives every contact it does not know a fresh id, and fresh_contact_id_locked()
  // collects every contact id of the account for each one: replacing N contacts with N new ones
  // costs O(N^2) set insertions, all under the one lock that every request of every key takes.
  ServeProcess serve({});
  REQUIRE(serve.port() > 0);
  const int port = serve.port();
  Rng rng(11);
  const std::string body = contacts_body(rng, 3000);  // about 95 KB, a tenth of the body limit
  Findings findings;
  const auto exchange = [&](const std::string& bytes, double limit_seconds) {
    const int fd = connect_loopback(port);
    // No REQUIRE here: this also runs on a second thread, and Catch2's assertions are not
    // thread-safe (ThreadSanitizer saw two threads in Catch::RunContext at once). A connection that
    // fails answers status 0, which the checks below report.
    if (fd < 0) return std::make_pair(0, 0.0);
    const auto start = SteadyClock::now();
    std::size_t sent = 0;
    std::string in;
    Response response;
    while (seconds_since(start) < limit_seconds) {
      pollfd descriptor{fd, static_cast<short>(POLLIN | (sent < bytes.size() ? POLLOUT : 0)), 0};
      if (::poll(&descriptor, 1, 20) <= 0) continue;
      if (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) sent += static_cast<std::size_t>(n);
      }
      char buffer[65536];
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got > 0) in.append(buffer, static_cast<std::size_t>(got));
      if (got == 0) break;
      std::string problem;
      if (take_response(in, response, problem) == Take::response) break;
    }
    ::close(fd);
    return std::make_pair(response.status, seconds_since(start));
  };
  // The account's customer gets 3,000 contacts (fast: it had one), then 3,000 others (slow).
  const auto first = exchange(patch("sk_test_many", body), 60.0);
  REQUIRE(first.first == 200);
  std::pair<int, double> second{0, 0.0};
  std::thread replacing([&] { second = exchange(patch("sk_test_many", contacts_body(rng, 3000)), 60.0); });
  std::this_thread::sleep_for(200ms);
  const auto other = exchange(get("sk_test_someone_else"), 60.0);
  replacing.join();
  INFO("first PATCH " << first.second << " s; replacing PATCH " << second.second << " s; another key's GET, sent "
                      "0.2 s into it, waited " << other.second << " s");
  CHECK(second.first == 200);
  CHECK(other.first == 200);
  CHECK(other.second < 0.5);
  CHECK(second.second < 2.0);
}

// Sends `bytes` on 64 connections at once (so that 64 workers serve them), and counts the answers
// with `status`.
int answered_by_64_workers(int port, const std::string& bytes, int status) {
  std::vector<int> fds;
  for (int i = 0; i < 64; ++i) {
    const int fd = connect_loopback(port);
    REQUIRE(fd >= 0);
    fds.push_back(fd);
  }
  for (const int fd : fds) ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);  // small: one send
  int answered = 0;
  for (const int fd : fds) {
    std::string in;
    Response response;
    const auto start = SteadyClock::now();
    while (seconds_since(start) < 10.0) {
      pollfd descriptor{fd, POLLIN, 0};
      if (::poll(&descriptor, 1, 50) <= 0) continue;
      char buffer[16384];
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got <= 0) break;
      in.append(buffer, static_cast<std::size_t>(got));
      std::string problem;
      if (take_response(in, response, problem) == Take::response) break;
    }
    answered += response.status == status ? 1 : 0;
    ::close(fd);
  }
  return answered;
}

TEST_CASE("mock: PATCHes to 4 KB targets do not swell the workers' stacks", "[soak][mock]") {
  // The mock's body-reading handlers are httplib routes on the pattern [\s\S]*, and libstdc++'s
  // std::regex recurses once per character of the path: a PATCH to a target just under the
  // 4096-byte limit touches about 1.2 MB of its worker's stack, which stays resident for the life
  // of the thread (workers are never retired: up to 256 of them, ~300 MB). 64 such requests at
  // once: 64 workers' worth. (Fast all the same: under a millisecond each.)
  ServeProcess serve({});
  REQUIRE(serve.port() > 0);
  const pid_t pid = serve.child().pid();
  const auto to_target = [](std::size_t length) {
    return patch("sk_test_targets", "{}", "", "/customers/" + std::string(length, 'c'));
  };
  // The pool's 64 workers exist first, with short targets; then the same load with long ones.
  REQUIRE(answered_by_64_workers(serve.port(), to_target(20), 404) == 64);
  REQUIRE(answered_by_64_workers(serve.port(), to_target(20), 404) == 64);
  const long before = rss_kib(pid);
  REQUIRE(answered_by_64_workers(serve.port(), to_target(4000), 404) == 64);
  const long after = rss_kib(pid);
  INFO("serve RSS " << before << " KB before 64 concurrent PATCHes to 4,000-byte targets, " << after << " KB after ("
                    << thread_count(pid) << " threads)");
  CHECK(after - before < 16 * 1024);
}

TEST_CASE("mock: GETs with 7.6 KB Range headers do not swell the workers' stacks", "[soak][mock]") {
  // httplib 0.11 checks a Range value with a std::regex that recurses once per character, before
  // any code of ours runs: 64 such GETs at once left +241 MB resident, until the mock hid Range
  // fields from it (the mock ignores Range anyway).
  ServeProcess serve({});
  REQUIRE(serve.port() > 0);
  const pid_t pid = serve.child().pid();
  const auto with_range = [](std::size_t length) {
    std::string ranges = "bytes=0-1";
    while (ranges.size() + 4 <= length) ranges += ",0-1";
    return get("sk_test_ranges", "/customers/cust_abc123", "Range: " + ranges + "\r\n");
  };
  REQUIRE(answered_by_64_workers(serve.port(), with_range(10), 200) == 64);
  REQUIRE(answered_by_64_workers(serve.port(), with_range(10), 200) == 64);
  const long before = rss_kib(pid);
  REQUIRE(answered_by_64_workers(serve.port(), with_range(7600), 200) == 64);
  const long after = rss_kib(pid);
  INFO("serve RSS " << before << " KB before 64 concurrent GETs with 7,600-byte Range headers, " << after
                    << " KB after (" << thread_count(pid) << " threads)");
  CHECK(after - before < 16 * 1024);
}

#endif  // ALGUNA_CONTRACT_CLI
