// Shared pieces of the soak tests: child processes (`alguna-contract serve` and `replay`) with
// bounded waits and their resident memory, a small seeded generator, and an incremental reader of
// HTTP/1.1 responses as raw bytes. Loopback only; every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "child_process.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace soak {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using alguna::contract::testing::TempDir;

inline double seconds_since(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_text(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// An environment variable as a number, or `fallback` when unset, empty or not a number.
inline double env_number(const char* name, double fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  return end != text && *end == '\0' ? value : fallback;
}

// A process's resident set and its peak (kB, from /proc/PID/status); 0 when it is gone.
inline long proc_status_kib(pid_t pid, const char* field) {
  const std::string status = read_text("/proc/" + std::to_string(pid) + "/status");
  const std::size_t at = status.find(field);
  return at == std::string::npos ? 0 : std::atol(status.c_str() + at + std::char_traits<char>::length(field));
}
inline long rss_kib(pid_t pid) { return proc_status_kib(pid, "VmRSS:"); }
inline long peak_rss_kib(pid_t pid) { return proc_status_kib(pid, "VmHWM:"); }
inline long thread_count(pid_t pid) { return proc_status_kib(pid, "Threads:"); }

// splitmix64: the same stream on every platform (std::uniform_*_distribution is not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n).
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
  bool chance(double p) { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0) < p; }
  std::string bytes(std::size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(next() & 0xff);
    return out;
  }

 private:
  std::uint64_t state_;
};

// --- Child processes ---------------------------------------------------------------------------

using alguna::contract::testing::Child;
using alguna::contract::testing::Ended;

// `alguna-contract serve ARGS...` on a free port of 127.0.0.1.
class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> args) : child_(argv(std::move(args)), true) {
    line_ = child_.first_line();
    static const std::regex pattern(R"(listening on http://127\.0\.0\.1:([0-9]+))");
    std::smatch match;
    if (std::regex_match(line_, match, pattern)) port_ = std::stoi(match[1].str());
  }
  int port() const { return port_; }            // 0 if it did not start
  const std::string& first_line() const { return line_; }
  Child& child() { return child_; }

 private:
  // ALGUNA_CONTRACT_SOAK_CLI runs another build of the command (a sanitizer build, say).
  static std::vector<std::string> argv(std::vector<std::string> args) {
    const char* other = std::getenv("ALGUNA_CONTRACT_SOAK_CLI");
    const std::string cli = other != nullptr && *other != '\0' ? other : ALGUNA_CONTRACT_CLI;
    std::vector<std::string> all{cli, "serve", "--host", "127.0.0.1", "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }
  Child child_;
  std::string line_;
  int port_ = 0;
};

// Runs ALGUNA_CONTRACT_CLI ARGS to its end (killed after `limit`): how it ended, stdout, stderr.
struct CliRun {
  Ended ended;
  std::string out;
  std::string err;
  double seconds = 0.0;
};
inline CliRun run_cli(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  std::vector<std::string> argv{ALGUNA_CONTRACT_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto start = SteadyClock::now();
  Child child(argv, false);
  CliRun run;
  run.ended = child.wait(limit);
  run.seconds = seconds_since(start);
  run.out = child.out();
  run.err = child.err();
  return run;
}

// --- Sockets -----------------------------------------------------------------------------------

// A TCP connection to 127.0.0.1:port (blocking connect: loopback answers at once), then
// non-blocking, TCP_NODELAY; -1 on failure.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  const int yes = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  return fd;
}

// A listening socket on 127.0.0.1, port 0; sets `port`.
inline int listen_loopback(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, SOMAXCONN) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(address.sin_port);
  return fd;
}

// --- Responses as bytes ------------------------------------------------------------------------

inline bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

struct Response {
  std::string status_line;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  const std::string* header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (iequals(key, name)) return &value;
    }
    return nullptr;
  }
  std::size_t count(const std::string& name) const {
    std::size_t n = 0;
    for (const auto& header : headers) n += iequals(header.first, name) ? 1 : 0;
    return n;
  }
};

// Takes one whole response off the front of `data`, if one is there. A response must be framed by
// a Content-Length (the mock frames every answer so): `problem` says what is wrong otherwise, and
// then nothing is taken.
enum class Take { none, response, malformed };
inline Take take_response(std::string& data, Response& out, std::string& problem) {
  const std::size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (data.size() > 64 * 1024) {
      problem = "a response head over 64 KiB";
      return Take::malformed;
    }
    // Not even the start of a status line: no use waiting for the rest.
    const std::string prefix = "HTTP/1.1 ";
    if (data.compare(0, std::min(data.size(), prefix.size()), prefix, 0, std::min(data.size(), prefix.size())) != 0) {
      problem = "bytes that are not an HTTP/1.1 response";
      return Take::malformed;
    }
    return Take::none;
  }
  Response response;
  const std::size_t line_end = data.find("\r\n");
  response.status_line = data.substr(0, line_end);
  static const std::regex status_line(R"(HTTP/1\.1 ([1-5][0-9][0-9]) [\x20-\x7e]*)");
  std::smatch match;
  if (!std::regex_match(response.status_line, match, status_line)) {
    problem = "a bad status line: " + response.status_line.substr(0, 200);
    return Take::malformed;
  }
  response.status = std::stoi(match[1].str());
  std::size_t pos = line_end + 2;
  while (pos < head_end) {
    const std::size_t end = data.find("\r\n", pos);
    const std::string line = data.substr(pos, end - pos);
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) {
      problem = "a bad header line: " + line.substr(0, 200);
      return Take::malformed;
    }
    std::size_t value_start = colon + 1;
    while (value_start < line.size() && line[value_start] == ' ') ++value_start;
    response.headers.emplace_back(line.substr(0, colon), line.substr(value_start));
    pos = end + 2;
  }
  std::size_t length = 0;
  if (response.status / 100 != 1 && response.status != 204) {
    const std::string* content_length = response.header("Content-Length");
    if (content_length == nullptr || response.count("Content-Length") != 1 || content_length->empty() ||
        content_length->size() > 9 || content_length->find_first_not_of("0123456789") != std::string::npos) {
      problem = "a response without one valid Content-Length: " + response.status_line;
      return Take::malformed;
    }
    if (response.header("Transfer-Encoding") != nullptr) {
      problem = "a response with Transfer-Encoding: " + response.status_line;
      return Take::malformed;
    }
    length = static_cast<std::size_t>(std::stoul(*content_length));
  }
  if (data.size() < head_end + 4 + length) return Take::none;
  response.body = data.substr(head_end + 4, length);
  data.erase(0, head_end + 4 + length);
  out = std::move(response);
  return Take::response;
}

}  // namespace soak
