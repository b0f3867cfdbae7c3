// MockServer over real HTTP(S) on 127.0.0.1 (port 0): routes, statuses and headers as a client sees
// them, the defects of cpp-httplib 0.11 that src/mock_server.cpp guards against (chunked bodies past
// the limit, ambiguous framing, slow clients, httplib's own error answers), TLS, and many clients at
// once. MockService's own rules are tested without sockets in service_test.cpp; here they are only
// checked to arrive intact. Every response body is checked against the Customer or error schema.
//
// The one test file besides mock_server.cpp that includes httplib.h (it costs ~11 s to compile).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"
#include "test_support.hpp"
#include "test_certificate.hpp"

#include <alguna/contract/mock.hpp>

using namespace alguna::contract;
using namespace alguna::contract::testing;
using namespace mock_test;
using nlohmann::json;

namespace {

const std::string kKey = "sk_test_51Hxyz";

// A started server; the unique_ptr stops it when the test leaves (pass or fail).
std::unique_ptr<MockServer> start(MockServerOptions options = {}) {
  auto server = MockServer::start(options);
  if (!server) FAIL("MockServer::start: " << server.error().message);
  REQUIRE((*server)->port() > 0);
  return std::move(server).value();
}

httplib::Headers good(const std::string& key = kKey) {
  return {{"Authorization", "Bearer " + key}, {"Alguna-Version", "2026-04-01"}};
}

httplib::Client client(const MockServer& server) {
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_tcp_nodelay(true);
  cli.set_connection_timeout(2);
  cli.set_read_timeout(5);
  cli.set_write_timeout(5);
  return cli;
}

// The body conforms to the Customer schema (2xx) or the error schema (anything else), and an error
// body's status is the response's.
json conforming(int status, const std::string& body, const std::string* content_type) {
  INFO(status << " " << body);
  REQUIRE(content_type != nullptr);
  CHECK(*content_type == "application/json");
  const Report report = shared_validator().validate_text(status / 100 == 2 ? Target::customer : Target::error, body);
  INFO(describe(report));
  CHECK(report.valid);
  json parsed = json::parse(body);
  if (status / 100 != 2) CHECK(parsed["status"] == status);
  return parsed;
}

json conforming(const httplib::Result& result) {
  REQUIRE(result);
  const std::string content_type = result->get_header_value("Content-Type");
  return conforming(result->status, result->body, result->has_header("Content-Type") ? &content_type : nullptr);
}

json conforming(const RawResponse& response) {
  return conforming(response.status, response.body, response.header("Content-Type"));
}

// One request on a fresh connection, written byte for byte.
RawResponse raw_exchange(int port, const std::string& request) {
  RawSocket socket(port);
  REQUIRE(socket.send(request));
  return parse_response(socket.read_response());
}

RawResponse raw_get(int port, const std::string& target) {
  return raw_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + good_headers(kKey) +
                                "Connection: close\r\n\r\n");
}

std::string patch_head(const std::string& target, const std::string& framing) {
  return "PATCH " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + good_headers(kKey) +
         "Content-Type: application/json\r\n" + framing + "\r\n";
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

long peak_rss_kib() {
  const std::string status = read_text("/proc/self/status");
  const std::size_t at = status.find("VmHWM:");
  return at == std::string::npos ? 0 : std::atol(status.c_str() + at + 6);
}

double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

TEST_CASE("server: starts on a free port, reports its URL, stops idempotently", "[mock][server]") {
  auto server = start();
  CHECK(server->url() == "http://127.0.0.1:" + std::to_string(server->port()));
  CHECK(server->service().customer(kKey, "acme").has_value());
  auto cli = client(*server);
  CHECK(cli.Get("/customers/acme", good())->status == 200);
  server->stop();
  server->stop();
  httplib::Client after("127.0.0.1", server->port());
  after.set_connection_timeout(1);
  CHECK_FALSE(after.Get("/customers/acme", good()));
}

TEST_CASE("server: stop() lets a request in flight finish", "[mock][server]") {
  MockServerOptions options;
  options.mock.latency = std::chrono::milliseconds(500);
  auto server = start(options);
  int status = 0;
  std::thread asking([&] {
    auto cli = client(*server);
    auto result = cli.Get("/customers/acme", good());
    status = result ? result->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  server->stop();
  asking.join();
  CHECK(status == 200);
}

TEST_CASE("server: bad options are errors, never a crash", "[mock][server]") {
  MockServerOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  auto missing = MockServer::start(options);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::io_error);
  CHECK(missing.error().message.find("/nonexistent/cert.pem") != std::string::npos);

  options.tls_key_file.clear();
  auto half = MockServer::start(options);
  REQUIRE_FALSE(half);
  CHECK(half.error().code == Errc::invalid_argument);

  TempDir dir;
  write_file(dir / "cert.pem", "not a certificate\n");
  write_file(dir / "key.pem", "not a key\n");
  options.tls_cert_file = dir / "cert.pem";
  options.tls_key_file = dir / "key.pem";
  auto garbage = MockServer::start(options);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code == Errc::invalid_argument);

  MockServerOptions bad_port;
  bad_port.port = 70000;
  CHECK(MockServer::start(bad_port).error().code == Errc::invalid_argument);

  MockServerOptions bad_mock;
  bad_mock.mock.fault_rate = 2.0;
  CHECK(MockServer::start(bad_mock).error().code == Errc::invalid_argument);

  // A port in use is refused (httplib's default SO_REUSEPORT would have let two servers share it).
  auto first = start();
  MockServerOptions same_port;
  same_port.port = first->port();
  auto second = MockServer::start(same_port);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == Errc::io_error);
}

TEST_CASE("routes: GET and PATCH 200 with a Customer, 404 elsewhere, 405 with Allow", "[mock][routes]") {
  auto server = start();
  auto cli = client(*server);

  const json customer = conforming(cli.Get("/customers/cust_abc123", good()));
  CHECK(customer["name"] == "Acme Corp");
  CHECK(conforming(cli.Get("/customers/acme", good())) == customer);

  auto patched = cli.Patch("/customers/acme", good(), R"({"name": "Acme GmbH"})", "application/json");
  REQUIRE(patched);
  CHECK(patched->status == 200);
  CHECK(conforming(patched)["name"] == "Acme GmbH");
  CHECK(conforming(cli.Get("/customers/cust_abc123", good()))["name"] == "Acme GmbH");

  for (const char* target : {"/", "/customers", "/customers/a/b", "/invoices/x", "/customers/cust_nope"}) {
    INFO(target);
    auto result = cli.Get(target, good());
    REQUIRE(result);
    CHECK(result->status == 404);
    conforming(result);
  }

  std::vector<httplib::Result> others;
  others.push_back(cli.Delete("/customers/cust_abc123", good()));
  others.push_back(cli.Put("/customers/cust_abc123", good(), "{}", "application/json"));
  others.push_back(cli.Post("/customers/cust_abc123", good(), "{}", "application/json"));
  others.push_back(cli.Options("/customers/cust_abc123", good()));
  for (const auto& result : others) {
    REQUIRE(result);
    CHECK(result->status == 405);
    CHECK(result->get_header_value("Allow") == "GET, PATCH");
    conforming(result);
  }
  auto head = cli.Head("/customers/cust_abc123", good());
  REQUIRE(head);
  CHECK(head->status == 405);
  CHECK(head->get_header_value("Allow") == "GET, PATCH");
  CHECK(head->body.empty());

  // Methods httplib has no handler form for reach MockService too.
  for (const char* method : {"TRACE", "CONNECT"}) {
    INFO(method);
    const RawResponse response = raw_exchange(server->port(), std::string(method) +
                                                                  " /customers/cust_abc123 HTTP/1.1\r\nHost: x\r\n" +
                                                                  good_headers(kKey) + "Connection: close\r\n\r\n");
    CHECK(response.status == 405);
    conforming(response);
  }
}

TEST_CASE("the doc's curl example, as published, returns 200 with a valid Customer", "[mock][doc]") {
  auto server = start();
  // What `curl --request PATCH --url http://127.0.0.1:PORT/customers/cust_abc123 --header ...
  // --data @doc-example-request.json` sends, the doc's placeholders filled in, headers in its order.
  const std::string body = fixture_text("doc-example-request.json");
  const RawResponse response = raw_exchange(
      server->port(), "PATCH /customers/cust_abc123 HTTP/1.1\r\n"
                      "Host: 127.0.0.1:" + std::to_string(server->port()) + "\r\n"
                      "User-Agent: curl/7.88.1\r\n"
                      "Accept: */*\r\n"
                      "Alguna-Version: 2026-04-01\r\n"
                      "Authorization: Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: " + std::to_string(body.size()) + "\r\n"
                      "\r\n" + body);
  REQUIRE(response.status == 200);
  const json customer = conforming(response);
  CHECK(customer["id"] == "cust_abc123");
  CHECK(customer["name"] == "Acme Corp");
  CHECK(customer["aliases"] == json{"<string>"});
  CHECK(shared_validator().validate_text(Target::customer, response.body).valid);
}

TEST_CASE("errors: 401, 400, 415, 413 and 422 arrive as JSON over HTTP", "[mock][errors]") {
  MockServerOptions options;
  options.mock.api_keys = {kKey};
  options.mock.max_body_bytes = 1024;
  auto server = start(options);
  auto cli = client(*server);

  auto no_auth = cli.Get("/customers/acme", {{"Alguna-Version", "2026-04-01"}});
  CHECK(no_auth->status == 401);
  conforming(no_auth);
  auto wrong_key = cli.Get("/customers/acme", good("sk_test_wrong"));
  CHECK(wrong_key->status == 401);
  CHECK(conforming(wrong_key)["detail"].get<std::string>().find("sk_test_wrong") == std::string::npos);

  auto no_version = cli.Get("/customers/acme", {{"Authorization", "Bearer " + kKey}});
  CHECK(no_version->status == 400);
  conforming(no_version);
  auto malformed = cli.Patch("/customers/acme", good(), R"({"name": )", "application/json");
  CHECK(malformed->status == 400);
  conforming(malformed);

  auto text = cli.Patch("/customers/acme", good(), R"({"name": "x"})", "text/plain");
  CHECK(text->status == 415);
  conforming(text);

  auto too_big = cli.Patch("/customers/acme", good(), R"({"name": ")" + std::string(2000, 'a') + "\"}",
                           "application/json");
  REQUIRE(too_big);
  CHECK(too_big->status == 413);
  CHECK(too_big->get_header_value("Connection") == "close");
  conforming(too_big);

  auto invalid = cli.Patch("/customers/acme", good(), R"({"currency": "usd", "nmae": "x"})", "application/json");
  REQUIRE(invalid);
  CHECK(invalid->status == 422);
  const json body = conforming(invalid);
  CHECK(body["errors"].size() == 2);

  // The server is still fine.
  CHECK(client(*server).Get("/customers/acme", good())->status == 200);
}

TEST_CASE("headers pass through intact: as sent, and the service's own", "[mock][headers]") {
  auto server = start();
  // httplib 0.11 percent-decodes header values; the mock must see (and echo) them as sent.
  const RawResponse echoed = raw_exchange(server->port(), patch_head("/customers/acme", "Idempotency-Key: ik%41b\r\n"
                                                                                         "Content-Length: 2\r\n"
                                                                                         "Connection: close\r\n") +
                                                              "{}");
  CHECK(echoed.status == 200);
  REQUIRE(echoed.header("Idempotency-Key") != nullptr);
  CHECK(*echoed.header("Idempotency-Key") == "ik%41b");
  conforming(echoed);

  // A header sent twice reaches the service twice (httplib's multimap would keep both, but sorted).
  const RawResponse twice = raw_exchange(server->port(), "GET /customers/acme HTTP/1.1\r\nHost: x\r\n" +
                                                             good_headers(kKey) +
                                                             "Alguna-Version: 2026-04-01\r\nConnection: close\r\n\r\n");
  CHECK(twice.status == 400);
  conforming(twice);

  // An empty Authorization value is not dropped on the way (httplib drops empty values): it is a 401.
  const RawResponse empty = raw_exchange(server->port(), "GET /customers/acme HTTP/1.1\r\nHost: x\r\n"
                                                         "Authorization:\r\nAlguna-Version: 2026-04-01\r\n"
                                                         "Connection: close\r\n\r\n");
  CHECK(empty.status == 401);
  conforming(empty);
}

TEST_CASE("idempotency over HTTP: the replay says Idempotent-Replayed: true", "[mock][idempotency]") {
  auto server = start();
  auto cli = client(*server);
  httplib::Headers headers = good();
  headers.emplace("Idempotency-Key", "ik_a1b2c3d4e5f6");
  auto first = cli.Patch("/customers/cust_abc123", headers, R"({"name": "Once"})", "application/json");
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(first->get_header_value("Idempotency-Key") == "ik_a1b2c3d4e5f6");
  CHECK(first->get_header_value("Idempotent-Replayed") == "false");
  conforming(first);

  auto again = cli.Patch("/customers/cust_abc123", headers, R"({"name": "Once"})", "application/json");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(again->get_header_value("Idempotency-Key") == "ik_a1b2c3d4e5f6");
  CHECK(again->get_header_value("Idempotent-Replayed") == "true");
  CHECK(again->body == first->body);

  auto different = cli.Patch("/customers/cust_abc123", headers, R"({"name": "Twice"})", "application/json");
  REQUIRE(different);
  CHECK(different->status == 422);
  conforming(different);
}

TEST_CASE("faults pass through HTTP: 500/503/429 with Transient-Error and Retry-After", "[mock][faults]") {
  MockServerOptions options;
  options.mock.fault_rate = 1.0;
  options.mock.seed = 42;
  auto server = start(options);
  auto cli = client(*server);
  std::set<int> seen;
  for (int i = 0; i < 30; ++i) {
    httplib::Headers headers = good();
    headers.emplace("Idempotency-Key", "ik_fault_" + std::to_string(i));
    auto result = cli.Patch("/customers/acme", headers, R"({"name": "x"})", "application/json");
    REQUIRE(result);
    INFO(result->status);
    CHECK((result->status == 500 || result->status == 503 || result->status == 429));
    seen.insert(result->status);
    CHECK(result->get_header_value("Transient-Error") == "true");
    CHECK(result->get_header_value("Idempotency-Key") == "ik_fault_" + std::to_string(i));
    CHECK(result->get_header_value("Idempotent-Replayed") == "false");
    if (result->status != 500) CHECK_FALSE(result->get_header_value("Retry-After").empty());
    conforming(result);
  }
  CHECK(seen.size() == 3);
  CHECK(server->service().customer(kKey, "acme")->at("name") == "Acme Corp");  // nothing applied
}

TEST_CASE("413: an oversized Content-Length is refused before its body is read", "[mock][limits]") {
  auto server = start();  // the default limit, 1 MiB
  // With Expect: 100-continue the client learns it before sending anything.
  RawSocket expecting(server->port());
  REQUIRE(expecting.send(patch_head("/customers/acme", "Content-Length: 1073741824\r\nExpect: 100-continue\r\n")));
  const RawResponse refused = parse_response(expecting.read_response());
  CHECK(refused.status == 413);
  conforming(refused);
  CHECK(expecting.closed_by_peer());

  // Without it, the client sends its body; it still gets the 413, and then the connection ends.
  RawSocket sending(server->port());
  const std::string body(2 * 1024 * 1024, 'a');
  sending.send(patch_head("/customers/acme", "Content-Length: " + std::to_string(body.size()) + "\r\n") + body);
  const RawResponse answer = parse_response(sending.read_response());
  CHECK(answer.status == 413);
  conforming(answer);

  CHECK(raw_get(server->port(), "/customers/acme").status == 200);
}

TEST_CASE("413: a chunked body over the limit, without buffering it, and the server is fine", "[mock][limits]") {
  auto server = start();  // 1 MiB
  const long rss_before = peak_rss_kib();
  RawSocket socket(server->port());
  REQUIRE(socket.send(patch_head("/customers/acme", "Transfer-Encoding: chunked\r\n")));
  const std::string piece = chunk(std::string(64 * 1024, 'a'));
  std::size_t sent = 0;
  // Up to 32 MiB: the server answers at 1 MiB and drains the rest for a moment before closing.
  while (sent < 32u * 1024 * 1024 && socket.send(piece, std::chrono::milliseconds(3000))) sent += 64 * 1024;
  const RawResponse response = parse_response(socket.read_response());
  REQUIRE(response.status == 413);
  CHECK(response.header("Connection") != nullptr);
  conforming(response);
  // httplib alone buffered every byte (~600 MB of RSS for 100 MiB); here the body stops at the limit.
  CHECK(peak_rss_kib() - rss_before < 16 * 1024);

  const RawResponse after = raw_get(server->port(), "/customers/acme");
  CHECK(after.status == 200);
  conforming(after);
}

TEST_CASE("413: a compressed body is limited after inflation", "[mock][limits]") {
  auto server = start();  // 1 MiB
  auto cli = client(*server);
  cli.set_compress(true);  // gzip: 5 MiB of JSON becomes a few KiB on the wire
  const std::string body = R"({"name": ")" + std::string(5 * 1024 * 1024, 'a') + "\"}";
  auto result = cli.Patch("/customers/acme", good(), body, "application/json");
  REQUIRE(result);
  CHECK(result->status == 413);
  conforming(result);

  auto small = client(*server);
  small.set_compress(true);
  auto fine = small.Patch("/customers/acme", good(), R"({"name": "Zipped"})", "application/json");
  REQUIRE(fine);
  CHECK(fine->status == 200);
  CHECK(conforming(fine)["name"] == "Zipped");
}

TEST_CASE("framing: ambiguous or malformed bodies get 400 and end the connection", "[mock][framing]") {
  auto server = start();
  const std::string body = R"({"name":"Smuggled"})";
  struct Case {
    const char* name;
    std::string request;
  };
  const std::vector<Case> cases = {
      {"Content-Length and Transfer-Encoding",
       patch_head("/customers/acme", "Content-Length: " + std::to_string(body.size()) +
                                         "\r\nTransfer-Encoding: chunked\r\n") +
           chunk(body) + "0\r\n\r\n"},
      {"two Content-Lengths", patch_head("/customers/acme", "Content-Length: " + std::to_string(body.size()) +
                                                                "\r\nContent-Length: " + std::to_string(body.size()) +
                                                                "\r\n") +
                                  body},
      {"a Content-Length that is not a number", patch_head("/customers/acme", "Content-Length: +19\r\n") + body},
      {"a Transfer-Encoding other than chunked", patch_head("/customers/acme", "Transfer-Encoding: gzip, chunked\r\n")},
      {"a trailer after the last chunk",
       patch_head("/customers/acme", "Transfer-Encoding: chunked\r\n") + chunk(body) + "0\r\nX-Trailer: 1\r\n\r\n"},
      {"bytes after a chunk's data",
       patch_head("/customers/acme", "Transfer-Encoding: chunked\r\n") + "2\r\n{}GET /customers/acme HTTP/1.1\r\n\r\n"},
      {"a chunk size that is not hex", patch_head("/customers/acme", "Transfer-Encoding: chunked\r\n") + "0x2\r\n{}\r\n0\r\n\r\n"},
      {"a header line without CR", "GET /customers/acme HTTP/1.1\r\nHost: x\nX-Y: z\r\n" + good_headers(kKey) + "\r\n"},
      {"obsolete line folding", "GET /customers/acme HTTP/1.1\r\nHost: x\r\nX-Y: a\r\n  b\r\n" + good_headers(kKey) + "\r\n"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    RawSocket socket(server->port());
    REQUIRE(socket.send(c.request));
    const RawResponse response = parse_response(socket.read_response());
    CHECK(response.status == 400);
    conforming(response);
    CHECK(socket.closed_by_peer());
  }
  // Nothing was applied.
  CHECK(server->service().customer(kKey, "acme")->at("name") == "Acme Corp");
}

TEST_CASE("httplib's own refusals are JSON 4xx, never 5xx", "[mock][robustness]") {
  auto server = start();
  struct Case {
    const char* name;
    std::string request;
    int status;
  };
  const std::vector<Case> cases = {
      {"a request line that is not HTTP", "hello there\r\n\r\n", 400},
      {"an unknown method", "BREW /customers/acme HTTP/1.1\r\nHost: x\r\n\r\n", 400},
      {"HTTP/2.0", "GET /customers/acme HTTP/2.0\r\nHost: x\r\n\r\n", 400},
      {"a header line over 8 KiB", "GET /customers/acme HTTP/1.1\r\nX-Long: " + std::string(10000, 'a') + "\r\n\r\n", 400},
      {"a head over 64 KiB", "GET /customers/acme HTTP/1.1\r\nX-Long: " + std::string(100000, 'a') + "\r\n\r\n", 431},
      {"a target over 4 KiB", "PATCH /customers/" + std::string(6000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
      {"a target over 8 KiB", "GET /customers/" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const RawResponse response = raw_exchange(server->port(), c.request);
    CHECK(response.status == c.status);
    conforming(response);
  }
  CHECK(raw_get(server->port(), "/customers/acme").status == 200);
}

TEST_CASE("Range headers are ignored, whatever their value: whole documents, never 206 or 416", "[mock][robustness]") {
  // httplib 0.11 would check a Range value with a std::regex (its stack grows with the value) and
  // answer 416 to one it cannot parse; the mock hides the field from it (RFC 9110 section 14.2: a
  // server may ignore Range).
  auto server = start();
  std::string many = "bytes=0-1";
  while (many.size() < 7600) many += ",0-1";
  const std::vector<std::string> fields = {"Range: bytes=0-5",   "Range: bytes=0-1,5-3", "range: bytes=5-3",
                                           "RANGE: items=oops",  "Range: " + many,       "Range:"};
  const std::string whole = raw_get(server->port(), "/customers/acme").body;
  REQUIRE(!whole.empty());
  for (const std::string& field : fields) {
    INFO(field.substr(0, 40));
    const RawResponse response = raw_exchange(
        server->port(), "GET /customers/acme HTTP/1.1\r\nHost: x\r\n" + good_headers(kKey) + field + "\r\n\r\n");
    CHECK(response.status == 200);
    CHECK(response.body == whole);
    conforming(response);
  }
  // The field name split across writes: the server reads ahead to tell it apart.
  RawSocket socket(server->port());
  REQUIRE(socket.send("GET /customers/acme HTTP/1.1\r\nHost: x\r\n" + good_headers(kKey) + "Ra"));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(socket.send("nge: bytes=9-2\r\nReferer: x\r\n\r\n"));
  const RawResponse split = parse_response(socket.read_response());
  CHECK(split.status == 200);
  CHECK(split.body == whole);
  // A PATCH with a Range is applied as usual.
  const std::string body = R"({"name":"Ranged"})";
  const RawResponse patched = raw_exchange(
      server->port(), "PATCH /customers/acme HTTP/1.1\r\nHost: x\r\n" + good_headers(kKey) +
                          "Content-Type: application/json\r\nRange: bytes=5-3\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(patched.status == 200);
  CHECK(server->service().customer(kKey, "acme")->at("name") == "Ranged");
}

TEST_CASE("connections: keep-alive, pipelining, and an unread body ends the connection", "[mock][connections]") {
  auto server = start();
  auto cli = client(*server);
  cli.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto result = cli.Get("/customers/acme", good());
    REQUIRE(result);
    CHECK(result->status == 200);
    CHECK(result->get_header_value("Keep-Alive") == "timeout=2, max=1000");
  }

  // Two requests in one write: two answers, in order (httplib 0.11 alone dropped the second).
  RawSocket pipelined(server->port());
  const std::string get = "GET /customers/acme HTTP/1.1\r\nHost: x\r\n" + good_headers(kKey) + "\r\n";
  REQUIRE(pipelined.send(get + "GET /customers/nope HTTP/1.1\r\nHost: x\r\n" + good_headers(kKey) + "\r\n"));
  CHECK(parse_response(pipelined.read_response()).status == 200);
  CHECK(parse_response(pipelined.read_response()).status == 404);

  // A GET carrying a body is answered, and its body is never read as the next request.
  RawSocket with_body(server->port());
  const std::string hidden = "GET /customers/nope HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(with_body.send("GET /customers/acme HTTP/1.1\r\nHost: x\r\n" + good_headers(kKey) +
                         "Content-Length: " + std::to_string(hidden.size()) + "\r\n\r\n" + hidden));
  const RawResponse answer = parse_response(with_body.read_response());
  CHECK(answer.status == 200);
  CHECK(with_body.read_all(std::chrono::milliseconds(3000)).empty());
}

TEST_CASE("slow clients: 50 connections trickling headers do not delay a normal request", "[mock][slow]") {
  auto server = start();
  std::vector<RawSocket> slow;
  for (int i = 0; i < 50; ++i) slow.emplace_back(server->port());
  const std::string head = "GET /customers/acme HTTP/1.1\r\nHost: 127.0.0.1\r\n" + good_headers(kKey);

  // For ~5 s every slow connection sends one more header byte every second; meanwhile a normal
  // client connects and asks every 250 ms. httplib's 8 default workers would all be taken.
  double slowest = 0.0;
  int answered = 0;
  const auto begin = SteadyClock::now();
  for (std::size_t tick = 0; seconds_since(begin) < 5.0; ++tick) {
    if (tick % 4 == 0) {
      for (RawSocket& socket : slow) socket.send(head.substr(tick / 4, 1), std::chrono::milliseconds(100));
    }
    const auto asked = SteadyClock::now();
    auto cli = client(*server);
    cli.set_read_timeout(5);  // the verdict is `slowest` below; this only bounds the wait
    auto result = cli.Get("/customers/acme", good());
    slowest = std::max(slowest, seconds_since(asked));
    REQUIRE(result);
    CHECK(result->status == 200);
    ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  INFO("slowest answer " << slowest << " s over " << answered << " requests");
  CHECK(answered >= 10);
  // Typically ~10 ms; the margin is for a loaded CI machine. Without enough workers the requests
  // wait for a trickling connection's head deadline (10 s) instead.
  CHECK(slowest < 1.5);

  // stop() does not wait for them either.
  const auto stopping = SteadyClock::now();
  server->stop();
  CHECK(seconds_since(stopping) < 1.0);
}

TEST_CASE("busy: more silent connections than workers delay a normal request by about a second", "[mock][slow]") {
  auto server = start();
  // 300 connections that never send a byte: 256 take every worker, the rest wait in the queue. A
  // connection idle for a second gives its worker up while others wait, instead of holding it for
  // the 10 s a request head is allowed.
  std::vector<RawSocket> silent;
  for (int i = 0; i < 300; ++i) silent.emplace_back(server->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const auto asked = SteadyClock::now();
  auto cli = client(*server);
  cli.set_read_timeout(8);
  auto result = cli.Get("/customers/acme", good());
  const double waited = seconds_since(asked);
  INFO("answered after " << waited << " s");
  REQUIRE(result);
  CHECK(result->status == 200);
  CHECK(waited < 3.0);
}

TEST_CASE("concurrency: 16 client threads x 50 PATCHes, all 200, final state consistent", "[mock][threads]") {
  MockServerOptions options;
  for (int i = 0; i < 16; ++i) {
    json customer = default_customer();
    customer["id"] = "cust_t" + std::to_string(i);
    customer["aliases"] = json{"t" + std::to_string(i)};
    options.mock.customers.push_back(customer);
  }
  options.mock.customers.push_back(default_customer());
  auto server = start(options);

  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<int> nonconforming{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client cli("127.0.0.1", server->port());
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);  // the client writes head and body separately
      cli.set_read_timeout(10);
      for (int j = 0; j < 50; ++j) {
        // Each thread owns one customer (by id or alias) and also writes the shared one.
        const std::string own = j % 2 == 0 ? "/customers/cust_t" + std::to_string(t) : "/customers/t" + std::to_string(t);
        const std::string target = j % 5 == 4 ? std::string("/customers/acme") : own;
        const json body = {{"name", "T" + std::to_string(t) + "-" + std::to_string(j)}};
        auto result = cli.Patch(target, good(), body.dump(), "application/json");
        if (!result || result->status != 200) {
          ++failed;
          continue;
        }
        ++ok;
        if (!shared_validator().is_valid(Target::customer, json::parse(result->body))) ++nonconforming;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(ok == 16 * 50);
  CHECK(failed == 0);
  CHECK(nonconforming == 0);

  auto cli = client(*server);
  std::set<std::string> shared_names;
  for (int t = 0; t < 16; ++t) {
    // The last own write of thread t is j = 48 (j = 49 went to the shared customer).
    const json customer = conforming(cli.Get("/customers/t" + std::to_string(t), good()));
    CHECK(customer["name"] == "T" + std::to_string(t) + "-48");
    CHECK(customer["id"] == "cust_t" + std::to_string(t));
    for (int j = 4; j < 50; j += 5) shared_names.insert("T" + std::to_string(t) + "-" + std::to_string(j));
  }
  const json shared = conforming(cli.Get("/customers/acme", good()));
  CHECK(shared_names.count(shared["name"].get<std::string>()) == 1);
}

TEST_CASE("TLS: HTTPS with a certificate made at test time, verified by the client", "[mock][tls]") {
  TempDir dir;
  const TestCertificate made = make_test_certificate(dir);
  const std::string& cert = made.cert_file;
  const std::string& key = made.key_file;

  MockServerOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto server = start(options);
  CHECK(server->url() == "https://127.0.0.1:" + std::to_string(server->port()));

  httplib::SSLClient cli("127.0.0.1", server->port());
  cli.set_ca_cert_path(cert.c_str());
  cli.enable_server_certificate_verification(true);
  cli.set_connection_timeout(2);
  cli.set_keep_alive(true);
  const json customer = conforming(cli.Get("/customers/acme", good()));
  CHECK(customer["id"] == "cust_abc123");
  auto patched = cli.Patch("/customers/acme", good(), R"({"name": "Secure"})", "application/json");
  REQUIRE(patched);
  CHECK(patched->status == 200);
  CHECK(conforming(patched)["name"] == "Secure");
  auto unknown = cli.Get("/nope", good());
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  conforming(unknown);

  // A client that does not trust the certificate is refused; plain HTTP gets no HTTP answer.
  httplib::SSLClient untrusting("127.0.0.1", server->port());
  untrusting.enable_server_certificate_verification(true);
  untrusting.set_ca_cert_path((dir / "nothing.pem").c_str());
  CHECK_FALSE(untrusting.Get("/customers/acme", good()));
  RawSocket plain(server->port());
  plain.send("GET /customers/acme HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(plain.read_all(std::chrono::milliseconds(3000)).rfind("HTTP/1.1", 0) == std::string::npos);

  // The server is still fine.
  httplib::SSLClient again("127.0.0.1", server->port());
  again.set_ca_cert_path(cert.c_str());
  again.enable_server_certificate_verification(true);
  CHECK(again.Get("/customers/acme", good())->status == 200);
}
