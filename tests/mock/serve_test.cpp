// `alguna-contract serve`, run as a process: the first line, requests over HTTP, SIGTERM and SIGINT,
// the flags, and the refusals (exit code 2). Requests go over plain sockets (raw_http.hpp), so that
// only server_http_test.cpp pays for httplib.h.
#ifdef ALGUNA_CONTRACT_CLI

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "raw_http.hpp"
#include "test_support.hpp"

#include <alguna/contract/mock.hpp>

extern char** environ;

using namespace alguna::contract;
using namespace alguna::contract::testing;
using namespace mock_test;
using nlohmann::json;

namespace {

// `alguna-contract serve ARGS...` with stdout on a pipe and stderr in a file; killed if still
// running when the test ends.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    out_ = out[0];
    std::vector<std::string> argv_strings{ALGUNA_CONTRACT_CLI, "serve"};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(out[1]);
    if (spawned != 0) throw std::runtime_error("cannot run " + argv_strings[0]);
  }
  ~ServeProcess() {
    if (pid_ > 0 && exit_code_ == kRunning) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    ::close(out_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // The first line on stdout (without its newline), or what came before end of output or timeout.
  std::string first_line(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = SteadyClock::now() + timeout;
    while (out_text_.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) break;
      pollfd descriptor{out_, POLLIN, 0};
      if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[512];
      const ssize_t n = ::read(out_, buffer, sizeof buffer);
      if (n <= 0) break;
      out_text_.append(buffer, static_cast<std::size_t>(n));
    }
    return out_text_.substr(0, out_text_.find('\n'));
  }

  // The port in "listening on http://127.0.0.1:PORT", or 0.
  int port() {
    static const std::regex pattern(R"(listening on https?://127\.0\.0\.1:([0-9]+))");
    std::smatch match;
    const std::string line = first_line();
    return std::regex_match(line, match, pattern) ? std::stoi(match[1].str()) : 0;
  }

  void signal(int number) const { ::kill(pid_, number); }

  // The exit code once it exits within `timeout`; -1 if killed by a signal; kRunning if still running.
  int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto deadline = SteadyClock::now() + timeout;
    while (exit_code_ == kRunning) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      if (SteadyClock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return exit_code_;
  }

  // Everything written to stdout so far (call after wait()).
  std::string out() {
    char buffer[4096];
    for (;;) {
      pollfd descriptor{out_, POLLIN, 0};
      if (::poll(&descriptor, 1, 100) <= 0) break;
      const ssize_t n = ::read(out_, buffer, sizeof buffer);
      if (n <= 0) break;
      out_text_.append(buffer, static_cast<std::size_t>(n));
    }
    return out_text_;
  }
  std::string err() const { return read_text(err_path_); }

  static constexpr int kRunning = -2;

 private:
  TempDir dir_;
  std::string err_path_ = dir_ / "stderr";
  pid_t pid_ = 0;
  int out_ = -1;
  std::string out_text_;
  int exit_code_ = kRunning;
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
