// `alguna-contract serve`, run as a process: the first line, requests over HTTP, SIGTERM and SIGINT,
// the flags, and the refusals (exit code 2). Requests go over plain sockets (raw_http.hpp), so that
// only server_http_test.cpp pays for httplib.h.
#ifdef ALGUNA_CONTRACT_CLI

#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "raw_http.hpp"
#include "test_support.hpp"

#include <alguna/contract/mock.hpp>

using namespace alguna::contract;
using namespace alguna::contract::testing;
using namespace mock_test;
using nlohmann::json;

namespace {

// `alguna-contract serve ARGS...` with stdout on a pipe and stderr in a file; killed if still
// running when the test ends.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) : child_(argv(args), true) {}

  std::string first_line() { return child_.first_line(std::chrono::milliseconds(5000)); }

  // The port in "listening on http://127.0.0.1:PORT", or 0.
  int port() {
    static const std::regex pattern(R"(listening on https?://127\.0\.0\.1:([0-9]+))");
    std::smatch match;
    const std::string line = first_line();
    return std::regex_match(line, match, pattern) ? std::stoi(match[1].str()) : 0;
  }

  void signal(int number) const { child_.signal(number); }

  // The exit code once it exits within `timeout`; -1 if killed by a signal, or by us at the timeout.
  int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const Ended ended = child_.wait(timeout);
    return ended.exited && !ended.timed_out ? ended.code : -1;
  }

  std::string out() { return child_.out(); }
  std::string err() const { return child_.err(); }

 private:
  static std::vector<std::string> argv(const std::vector<std::string>& args) {
    std::vector<std::string> all{ALGUNA_CONTRACT_CLI, "serve"};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }
  Child child_;
};

RawResponse get(int port, const std::string& target, const std::string& key = "sk_test_51Hxyz") {
  RawSocket socket(port);
  REQUIRE(socket.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + good_headers(key) +
                      "Connection: close\r\n\r\n"));
  return parse_response(socket.read_response());
}

RawResponse patch(int port, const std::string& target, const std::string& body,
                  const std::string& extra_headers = "") {
  RawSocket socket(port);
  REQUIRE(socket.send("PATCH " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + good_headers() +
                      "Content-Type: application/json\r\n" + extra_headers +
                      "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body));
  return parse_response(socket.read_response());
}

json conforming(const RawResponse& response) {
  INFO(response.status << " " << response.body);
  REQUIRE(response.header("Content-Type") != nullptr);
  CHECK(*response.header("Content-Type") == "application/json");
  const Report report =
      shared_validator().validate_text(response.status / 100 == 2 ? Target::customer : Target::error, response.body);
  INFO(describe(report));
  CHECK(report.valid);
  return json::parse(response.body);
}

// Runs serve with arguments that must make it exit by itself; returns {exit code, stdout, stderr}.
struct Refusal {
  int exit_code;
  std::string out;
  std::string err;
};
Refusal refused(const std::vector<std::string>& args) {
  ServeProcess process(args);
  const int code = process.wait();
  return {code, process.out(), process.err()};
}

}  // namespace

TEST_CASE("serve: prints its URL first, answers the doc's example, exits 0 on SIGTERM", "[mock][serve]") {
  ServeProcess process({"--port", "0"});
  const std::string line = process.first_line();
  INFO(line << "\nstderr: " << process.err());
  const int port = process.port();
  REQUIRE(port > 0);
  CHECK(line == "listening on http://127.0.0.1:" + std::to_string(port));

  const RawResponse got = get(port, "/customers/cust_abc123");
  CHECK(got.status == 200);
  CHECK(conforming(got)["name"] == "Acme Corp");
  const RawResponse patched = patch(port, "/customers/cust_abc123", fixture_text("doc-example-request.json"));
  CHECK(patched.status == 200);
  conforming(patched);

  const auto stopping = SteadyClock::now();
  process.signal(SIGTERM);
  CHECK(process.wait() == 0);
  CHECK(std::chrono::duration<double>(SteadyClock::now() - stopping).count() < 2.0);
  CHECK(process.out() == line + "\n");
  CHECK(process.err().empty());
}

TEST_CASE("serve: SIGINT stops it with exit code 0, with a client still connected", "[mock][serve]") {
  ServeProcess process({});
  const int port = process.port();
  REQUIRE(port > 0);
  RawSocket idle(port);
  REQUIRE(idle.send("GET /customers/acme HTTP/1.1\r\nHo"));  // half a request, never finished
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  process.signal(SIGINT);
  CHECK(process.wait(std::chrono::milliseconds(3000)) == 0);
}

TEST_CASE("serve: --api-key accepts only the keys given, and never prints them", "[mock][serve]") {
  ServeProcess process({"--api-key", "sk_test_secret_one", "--api-key", "sk_test_secret_two"});
  const int port = process.port();
  REQUIRE(port > 0);
  const RawResponse wrong = get(port, "/customers/acme", "sk_test_wrong");
  CHECK(wrong.status == 401);
  conforming(wrong);
  CHECK(get(port, "/customers/acme", "sk_test_secret_one").status == 200);
  CHECK(get(port, "/customers/acme", "sk_test_secret_two").status == 200);
  process.signal(SIGTERM);
  CHECK(process.wait() == 0);
  CHECK(process.out().find("secret") == std::string::npos);
  CHECK(process.err().find("secret") == std::string::npos);

  // Nor in --help, nor when an argument after a key is not understood.
  const Refusal help = refused({"--api-key", "sk_test_secret_one", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--api-key") != std::string::npos);
  CHECK(help.out.find("secret") == std::string::npos);
  const Refusal typo = refused({"--api-key", "sk_test_secret_one", "sk_test_secret_two"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("secret") == std::string::npos);
  CHECK(typo.out.find("secret") == std::string::npos);
}

TEST_CASE("serve: an invalid --fixtures file exits 2 naming the path", "[mock][serve]") {
  TempDir dir;
  json not_a_customer = default_customer();
  not_a_customer.erase("currency");
  const std::vector<std::pair<std::string, std::string>> files = {
      {"not-json.json", "{\"oops\""},
      {"not-an-array.json", default_customer().dump()},
      {"invalid-customer.json", json::array({not_a_customer}).dump()},
      {"duplicate-ids.json", json::array({default_customer(), default_customer()}).dump()},
  };
  for (const auto& [name, content] : files) {
    INFO(name);
    write_file(dir / name, content);
    const Refusal result = refused({"--fixtures", dir / name});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(result.err.find(dir / name) != std::string::npos);
  }
  const Refusal missing = refused({"--fixtures", dir / "missing.json"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find(dir / "missing.json") != std::string::npos);
}

TEST_CASE("serve: --fixtures replaces the default customer", "[mock][serve]") {
  TempDir dir;
  json customer = default_customer();
  customer["id"] = "cust_fixture1";
  customer["aliases"] = json{"fixture"};
  write_file(dir / "customers.json", json::array({customer}).dump());
  ServeProcess process({"--fixtures", dir / "customers.json"});
  const int port = process.port();
  REQUIRE(port > 0);
  CHECK(conforming(get(port, "/customers/fixture"))["id"] == "cust_fixture1");
  CHECK(get(port, "/customers/cust_abc123").status == 404);
}

TEST_CASE("serve: the fault, latency and size flags reach the mock", "[mock][serve]") {
  {
    ServeProcess process({"--fault-rate", "1", "--seed", "7"});
    const int port = process.port();
    REQUIRE(port > 0);
    for (int i = 0; i < 5; ++i) {
      const RawResponse response =
          patch(port, "/customers/acme", R"({"name": "x"})", "Idempotency-Key: ik_" + std::to_string(i) + "\r\n");
      INFO(response.status);
      CHECK((response.status == 500 || response.status == 503 || response.status == 429));
      REQUIRE(response.header("Transient-Error") != nullptr);
      CHECK(*response.header("Transient-Error") == "true");
      REQUIRE(response.header("Idempotency-Key") != nullptr);
      CHECK(*response.header("Idempotency-Key") == "ik_" + std::to_string(i));
      if (response.status != 500) CHECK(response.header("Retry-After") != nullptr);
      conforming(response);
    }
  }
  {
    ServeProcess process({"--latency-ms", "300", "--max-body-bytes", "100"});
    const int port = process.port();
    REQUIRE(port > 0);
    const auto asked = SteadyClock::now();
    CHECK(get(port, "/customers/acme").status == 200);
    CHECK(std::chrono::duration<double>(SteadyClock::now() - asked).count() >= 0.3);
    const RawResponse too_big = patch(port, "/customers/acme", R"({"name": ")" + std::string(200, 'a') + "\"}");
    CHECK(too_big.status == 413);
    conforming(too_big);
  }
  {
    // One account only: another key's request makes the default key's account forgotten.
    ServeProcess process({"--max-accounts", "1"});
    const int port = process.port();
    REQUIRE(port > 0);
    CHECK(patch(port, "/customers/acme", R"({"name": "Renamed"})").status == 200);
    CHECK(conforming(get(port, "/customers/acme"))["name"] == "Renamed");
    CHECK(conforming(get(port, "/customers/acme", "sk_test_other"))["name"] == "Acme Corp");
    CHECK(conforming(get(port, "/customers/acme"))["name"] == "Acme Corp");
  }
}

TEST_CASE("serve: bad arguments exit 2", "[mock][serve]") {
  const std::vector<std::vector<std::string>> cases = {
      {"--tls-cert", "cert.pem"},
      {"--tls-key", "key.pem"},
      {"--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"},
      {"--port", "70000"},
      {"--port", "0x10"},
      {"--fault-rate", "2"},
      {"--fault-rate", "lots"},
      {"--latency-ms", "-1"},
      {"--max-body-bytes", "0"},
      {"--max-accounts", "0"},
      {"--api-key", ""},
      {"--host", "256.0.0.1"},
  };
  for (const auto& args : cases) {
    INFO(args[0] << " " << args[1]);
    const Refusal result = refused(args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK_FALSE(result.err.empty());
  }
}

TEST_CASE("serve: a port in use exits 2", "[mock][serve]") {
  ServeProcess first({});
  const int port = first.port();
  REQUIRE(port > 0);
  const Refusal second = refused({"--port", std::to_string(port)});
  CHECK(second.exit_code == 2);
  CHECK(second.err.find(std::to_string(port)) != std::string::npos);
}

#endif  // ALGUNA_CONTRACT_CLI
