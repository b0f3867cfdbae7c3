// Plain sockets for the HTTP tests of the mock: requests written byte for byte (chunked bodies,
// conflicting framing, slow clients) that no HTTP client library would send, and a small response
// reader. Loopback only; every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

namespace mock_test {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A TCP connection to 127.0.0.1:port, closed by the destructor.
class RawSocket {
 public:
  explicit RawSocket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect() to 127.0.0.1:" + std::to_string(port) + " failed");
    }
    const int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  }
  ~RawSocket() { close(); }
  RawSocket(RawSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  RawSocket& operator=(RawSocket&&) = delete;
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends everything, or as much as the peer takes before it closes; false if it stopped early.
  bool send(const std::string& data, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = SteadyClock::now() + timeout;
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
      if (!wait(POLLOUT, deadline)) return false;
    }
    return true;
  }

  // Whatever arrives until the peer closes or `timeout` passes.
  std::string read_all(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = SteadyClock::now() + timeout;
    std::string data = std::move(pending_);
    pending_.clear();
    char buffer[16384];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        data.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) return data;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return data;  // a reset: keep what came
      if (!wait(POLLIN, deadline)) return data;
    }
  }

  // Reads until `data` holds one whole response (Content-Length framed), or `timeout` passes.
  std::string read_response(std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = SteadyClock::now() + timeout;
    std::string data = std::move(pending_);
    pending_.clear();
    char buffer[16384];
    for (;;) {
      const std::size_t head_end = data.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::size_t length = content_length(data.substr(0, head_end));
        if (data.size() >= head_end + 4 + length) {
          pending_ = data.substr(head_end + 4 + length);
          data.resize(head_end + 4 + length);
          return data;
        }
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n > 0) {
        data.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) return data;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return data;
      if (!wait(POLLIN, deadline)) return data;
    }
  }

  // True when the peer has closed the connection (reads give end of stream) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout = 3000ms) {
    const auto deadline = SteadyClock::now() + timeout;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0) return true;
      if (n > 0) continue;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return true;  // reset
      if (!wait(POLLIN, deadline)) return false;
    }
  }

  int fd() const { return fd_; }

 private:
  static std::size_t content_length(const std::string& head) {
    std::size_t pos = 0;
    while ((pos = head.find("\r\n", pos)) != std::string::npos) {
      pos += 2;
      const std::string name = "content-length:";
      if (head.size() - pos >= name.size()) {
        bool match = true;
        for (std::size_t i = 0; i < name.size(); ++i) {
          if (std::tolower(static_cast<unsigned char>(head[pos + i])) != name[i]) match = false;
        }
        if (match) return std::strtoul(head.c_str() + pos + name.size(), nullptr, 10);
      }
    }
    return 0;
  }

  bool wait(short events, SteadyClock::time_point deadline) const {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return false;
      pollfd descriptor{fd_, events, 0};
      const int ready = ::poll(&descriptor, 1, static_cast<int>(left.count()));
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  int fd_ = -1;
  std::string pending_;
};

// A response as raw text, taken apart.
struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  const std::string* header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() == name.size()) {
        bool same = true;
        for (std::size_t i = 0; i < key.size(); ++i) {
          if (std::tolower(static_cast<unsigned char>(key[i])) != std::tolower(static_cast<unsigned char>(name[i]))) {
            same = false;
          }
        }
        if (same) return &value;
      }
    }
    return nullptr;
  }
};

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\nbody"; status 0 if it is not a response.
inline RawResponse parse_response(const std::string& text) {
  RawResponse response;
  const std::size_t head_end = text.find("\r\n\r\n");
  if (text.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos || text.size() < 12) return response;
  response.status = std::atoi(text.c_str() + 9);
  std::size_t pos = text.find("\r\n") + 2;
  while (pos < head_end) {
    const std::size_t end = text.find("\r\n", pos);
    const std::string line = text.substr(pos, end - pos);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::size_t value_start = colon + 1;
      while (value_start < line.size() && line[value_start] == ' ') ++value_start;
      response.headers.emplace_back(line.substr(0, colon), line.substr(value_start));
    }
    pos = end + 2;
  }
  response.body = text.substr(head_end + 4);
  return response;
}

// The headers every valid request to the mock carries.
inline std::string good_headers(const std::string& key = "sk_test_51Hxyz") {
  return "Authorization: Bearer " + key + "\r\nAlguna-Version: 2026-04-01\r\n";
}

using alguna::contract::testing::TempDir;

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace mock_test
