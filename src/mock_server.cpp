// MockServer: MockService behind HTTP(S), on cpp-httplib 0.11.4 (Debian 12's libcpp-httplib-dev).
// The server itself (detail::HttpServer, mock_server_internal.hpp) takes any handler: the recording
// proxy (recording_proxy.cpp) runs on the same hardened connections.
//
// The only file of the library that includes <httplib.h>. httplib parses the request line and the
// headers, decodes chunked and compressed bodies, and writes the responses; this file owns the
// connections, because httplib 0.11 cannot be configured out of its defects
// (../shared/DEPENDENCY-NOTES.md). Each accepted socket runs our own keep-alive loop
// (`GuardedServer::process_and_close_socket`) over our own Stream (`Connection`), which:
//   - bounds the request head: at most kHeadMaxBytes bytes (0.11 grows a header line without
//     limit) and kHeadDeadline from its first byte (0.11's read timeout is per read, so a client
//     sending a byte every few seconds held a worker forever);
//   - bounds the whole request by kRequestDeadline, and every wait by kReadIdle / kWriteTimeout;
//   - checks chunked framing strictly as httplib reads it (0.11 accepts garbage after a chunk, and
//     reads a chunk-size line of any length): trailers, bad sizes and long lines are refused;
//   - caps the raw body bytes at 2 x the limit + 64 KiB whatever the framing;
//   - keeps bytes read ahead for the next request (0.11 drops them: no pipelining);
//   - hides Range header lines from httplib (it sees "Xange:"): 0.11 matches a Range value with a
//     std::regex before any callback of ours runs, recursing once per character, and the stack a
//     worker touched stays resident (64 requests with a 7.6 KB Range: +241 MB). The mock answers
//     whole documents anyway, as RFC 9110 section 14.2 allows a server to; MockService still sees
//     the header as sent;
//   - closes the connection whenever a body was not read to its end, so that unread bytes are
//     never parsed as a request, after a short lingering drain so that the client gets the answer;
//   - aborts its waits within kPollSlice of stop(), so stop() never waits on a slow client.
// The body goes to our own receiver (httplib's content-reader handler form), which stops at
// max_body_bytes after decompression: a chunked, or compressed, body over the limit gets 413 having
// buffered at most the limit. Framing is checked before any body byte is read: two Content-Lengths,
// Content-Length with Transfer-Encoding, or a Transfer-Encoding other than "chunked" get 400.
//
// Headers reach MockService exactly as sent, in order: they are parsed from the raw head that the
// Connection recorded, because httplib keeps them in a multimap sorted by name, percent-decodes
// their values, drops empty ones and adds REMOTE_ADDR and friends.
//
// Workers: httplib holds one pool task per connection for the life of the connection. The pool
// (ElasticPool) starts empty and adds a thread whenever no worker is idle, up to kMaxWorkers = 256
// (threads are cheap on Linux; 256 idle ones reserve address space, not memory). With the deadlines
// above a slow or idle connection holds a worker for at most kHeadDeadline (10 s; 2 s between
// requests on a kept-alive connection), so 50 connections trickling their headers leave more than
// 200 workers for everyone else. Past 256 connections new ones wait in the pool's queue, and while
// any wait, a connection that has been idle, or in its head, for kUnderPressure (1 s) gives its
// worker up (it is closed, or answered 408 mid-head): a flood of idle or trickling connections
// delays a real request by about a second, not by their deadlines. The listen backlog is raised
// from httplib's 5 to SOMAXCONN, so that a burst of connections is not met with SYN retries.
//
// No response ever says 5xx unless the handler answered it (MockService's injected faults, the
// proxy's 502 and 504): httplib's own errors (a bad request line, a header line over 8 KiB) are
// rendered as JSON 4xx by the error handler, and an exception in a handler (MockService::handle is
// noexcept, so this is a last resort) becomes {"status":400,"detail":"bad request"} without its
// message.
//
// InMemoryMockServer (mock_server_internal.hpp, not public API) runs the same connection loop over
// a Connection that reads from a string and writes into another instead of a socket: the fuzz
// harness fuzz/fuzz_mock.cpp drives the whole HTTP layer with it, with no sockets or threads.
#include <alguna/contract/mock.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "mock_server_internal.hpp"
#include "text.hpp"

namespace alguna::contract {

namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

// --- Limits (see the comment at the top) -------------------------------------------------------
constexpr auto kReadIdle = 5s;             // longest wait for the next bytes of a request
constexpr auto kWriteTimeout = 5s;         // longest wait for the client to take a response
constexpr auto kHeadDeadline = 10s;        // request line + headers, from the first byte
constexpr auto kRequestDeadline = 30s;     // the whole request, body included
constexpr auto kKeepAliveTimeout = 2s;     // idle time allowed between two requests
constexpr std::size_t kKeepAliveMax = 1000;  // requests per connection
constexpr auto kTlsHandshakeDeadline = 10s;
constexpr auto kLingerDeadline = 2s;       // draining unread input before closing
constexpr auto kPollSlice = 100ms;         // how soon a wait notices stop() or a queue
constexpr auto kUnderPressure = 1s;        // idle or in its head this long, while connections wait
                                           // for a worker: the connection gives its worker up
constexpr std::size_t kHeadMaxBytes = 64 * 1024;
constexpr std::size_t kMaxHeaders = 200;
constexpr std::size_t kMaxTargetBytes = 4096;  // longer targets get 414 (httplib allows 8 KiB)
constexpr std::size_t kChunkLineMax = 1024;    // a chunk-size line with its extensions
constexpr std::size_t kMaxWorkers = 256;
constexpr std::size_t kReadBufferBytes = 16 * 1024;

using detail::iequals;

// {"status": N, "detail": "..."}, the error shape MockService answers with.
std::string error_body(int status, const std::string& detail) {
  const nlohmann::json body = {{"status", status}, {"detail", detail}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpResponse error_response(int status, const std::string& detail) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = error_body(status, detail);
  return response;
}

// --- The worker pool ---------------------------------------------------------------------------

// A thread pool that grows on demand: a thread is added whenever a task arrives and no worker is
// idle, up to `max_threads`; beyond that tasks wait in the queue, and `waiting` says how many do
// (connections read it to give their worker up when they are idle, see kUnderPressure). Threads
// live until shutdown().
class ElasticPool final : public httplib::TaskQueue {
 public:
  ElasticPool(std::size_t max_threads, std::atomic<std::size_t>& waiting)
      : max_threads_(max_threads), waiting_(waiting) {}
  ~ElasticPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    try {
      std::unique_lock<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(fn));
      if (jobs_.size() > idle_ + starting_ && threads_.size() < max_threads_) {
        try {
          threads_.emplace_back([this] { work(); });
          ++starting_;
        } catch (...) {
          // Out of threads (or memory): the task waits for a busy worker, or runs here if none.
          if (threads_.empty()) {
            std::function<void()> job = std::move(jobs_.back());
            jobs_.pop_back();
            lock.unlock();
            job();
            return;
          }
        }
      }
      publish_waiting();
      lock.unlock();
      cond_.notify_one();
    } catch (...) {
      // Allocation failed before the task was queued: run it here rather than leak its socket.
      if (fn) fn();
    }
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (shutdown_) return;
      shutdown_ = true;
    }
    cond_.notify_all();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

 private:
  void work() {
    bool started = false;
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!started) {
          started = true;
          --starting_;
        }
        ++idle_;
        cond_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
        --idle_;
        if (jobs_.empty()) return;  // shut down, nothing left to do
        job = std::move(jobs_.front());
        jobs_.pop_front();
        publish_waiting();
      }
      try {
        job();
      } catch (...) {
        // process_and_close_socket catches everything; nothing may end a worker.
      }
    }
  }

  // Tasks that no idle or starting worker will take (mutex_ held).
  void publish_waiting() {
    const std::size_t ready = idle_ + starting_;
    waiting_.store(jobs_.size() > ready ? jobs_.size() - ready : 0, std::memory_order_relaxed);
  }

  const std::size_t max_threads_;
  std::atomic<std::size_t>& waiting_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;  // stable while workers start
  std::size_t idle_ = 0;
  std::size_t starting_ = 0;  // threads created that have not yet asked for work
  bool shutdown_ = false;
};

// --- Chunked framing ---------------------------------------------------------------------------

// RFC 9112 section 7.1 chunked framing, checked byte by byte as httplib reads the body, so that
// whatever httplib accepts is well-formed: hex sizes of at most 16 digits, extensions of printable
// characters, CRLF everywhere, no trailer fields, and nothing read after the final CRLF.
class ChunkedFraming {
 public:
  // The number of bytes of [data, data + size) that are valid; fewer than `size` means an error.
  std::size_t feed(const char* data, std::size_t size) {
    std::size_t i = 0;
    while (i < size) {
      if (state_ == State::data) {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - i));
        remaining_ -= take;
        i += take;
        if (remaining_ == 0) state_ = State::data_cr;
        continue;
      }
      if (!step(static_cast<unsigned char>(data[i]))) {
        state_ = State::bad;
        return i;
      }
      ++i;
    }
    return i;
  }
  bool done() const { return state_ == State::done; }

 private:
  enum class State { size_start, size, extension, size_lf, data, data_cr, data_lf, last_cr, last_lf, done, bad };

  static int hex(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool step(unsigned char c) {
    switch (state_) {
      case State::size_start:
        if (hex(c) < 0) return false;
        size_ = static_cast<std::uint64_t>(hex(c));
        digits_ = 1;
        line_ = 1;
        state_ = State::size;
        return true;
      case State::size:
        ++line_;
        if (hex(c) >= 0) {
          if (++digits_ > 16) return false;
          size_ = size_ * 16 + static_cast<std::uint64_t>(hex(c));
          return true;
        }
        if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::extension;
          return true;
        }
        if (c == '\r') {
          state_ = State::size_lf;
          return true;
        }
        return false;
      case State::extension:
        if (++line_ > kChunkLineMax) return false;
        if (c == '\r') {
          state_ = State::size_lf;
          return true;
        }
        return c == '\t' || c >= 0x20;  // no control characters, no bare LF
      case State::size_lf:
        if (c != '\n') return false;
        if (size_ == 0) {
          state_ = State::last_cr;
        } else {
          remaining_ = size_;
          state_ = State::data;
        }
        return true;
      case State::data_cr:
        if (c != '\r') return false;
        state_ = State::data_lf;
        return true;
      case State::data_lf:
        if (c != '\n') return false;
        state_ = State::size_start;
        return true;
      case State::last_cr:  // a trailer field would start here: refused
        if (c != '\r') return false;
        state_ = State::last_lf;
        return true;
      case State::last_lf:
        if (c != '\n') return false;
        state_ = State::done;
        return true;
      case State::data:  // handled in feed()
      case State::done:
      case State::bad:
        return false;
    }
    return false;
  }

  State state_ = State::size_start;
  std::uint64_t size_ = 0;
  std::uint64_t remaining_ = 0;
  std::size_t digits_ = 0;
  std::size_t line_ = 0;
};

// --- The raw head ------------------------------------------------------------------------------

bool is_tchar(unsigned char c) {
  if (std::isalnum(c)) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

// Parses the header fields of a raw request head ("request-line CRLF *(field CRLF) CRLF") strictly:
// every line ends in CRLF, names are tokens, no obsolete line folding, no control characters in
// values (tab aside). Values lose their surrounding spaces and tabs, nothing else.
bool parse_head_fields(std::string_view head, Headers& fields, std::string& problem) {
  std::size_t line_end = head.find("\r\n");
  if (line_end == std::string_view::npos) {
    problem = "the request line does not end with CRLF";
    return false;
  }
  std::size_t pos = line_end + 2;
  for (;;) {
    line_end = head.find("\r\n", pos);
    if (line_end == std::string_view::npos) {
      problem = "a header line does not end with CRLF";
      return false;
    }
    std::string_view line = head.substr(pos, line_end - pos);
    pos = line_end + 2;
    if (line.empty()) return true;  // the blank line that ends the head
    if (fields.size() == kMaxHeaders) {
      problem = "more than " + std::to_string(kMaxHeaders) + " header fields";
      return false;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      problem = "obsolete line folding in a header field";
      return false;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      problem = "a header line is not \"Name: value\"";
      return false;
    }
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!is_tchar(static_cast<unsigned char>(c))) {
        problem = "a header name holds a character that is not allowed";
        return false;
      }
    }
    std::string_view value = line.substr(colon + 1);
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) {
        problem = "a header value holds a control character";
        return false;
      }
    }
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    fields.emplace_back(std::string(name), std::string(value));
  }
}

// --- A connection: our Stream over a socket, or over TLS ---------------------------------------

enum class Failure { none, closed, timeout, stopping, head_too_large, body_too_large, bad_framing, io };

class Connection final : public httplib::Stream {
 public:
  Connection(int fd, SSL* ssl, const std::atomic<bool>& stopping, const std::atomic<std::size_t>& waiting,
             std::size_t max_body_bytes)
      : fd_(fd),
        ssl_(ssl),
        stopping_(stopping),
        waiting_(waiting),
        max_body_bytes_(max_body_bytes),
        buffer_(kReadBufferBytes) {
    address_of(fd, true, remote_ip_, remote_port_);
    address_of(fd, false, local_ip_, local_port_);
  }
  // In memory: reads `input` (then end of stream, as from a client that shut its write side),
  // appends what is written to `output`. Nothing ever waits.
  Connection(std::string_view input, std::string& output, const std::atomic<bool>& stopping,
             const std::atomic<std::size_t>& waiting, std::size_t max_body_bytes)
      : fd_(-1),
        ssl_(nullptr),
        stopping_(stopping),
        waiting_(waiting),
        max_body_bytes_(max_body_bytes),
        memory_input_(input),
        memory_output_(&output),
        buffer_(kReadBufferBytes) {}

  // httplib::Stream
  bool is_readable() const override {
    return buffered() > 0 || wait_io(POLLIN, SteadyClock::now() + kReadIdle);
  }
  bool is_writable() const override {
    return failure_ == Failure::none && wait_io(POLLOUT, SteadyClock::now() + kWriteTimeout);
  }
  ssize_t read(char* out, size_t size) override;
  ssize_t write(const char* data, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return fd_; }

  // Waits up to `timeout` for the first byte of the next request.
  bool wait_for_request(SteadyClock::duration timeout) {
    if (buffered() > 0) return true;
    if (memory_output_ != nullptr) return !memory_input_.empty();
    const auto now = SteadyClock::now();
    yield_after_ = now + kUnderPressure;
    return wait_io(POLLIN, now + timeout);
  }

  // A new request starts: its head is recorded, and bounded in size and time.
  void begin_request() {
    const auto now = SteadyClock::now();
    head_deadline_ = now + kHeadDeadline;
    request_deadline_ = now + kRequestDeadline;
    yield_after_ = now + kUnderPressure;
    in_request_ = true;
    in_head_ = true;
    head_.clear();
    head_complete_ = false;
    chunked_.reset();
    body_raw_bytes_ = 0;
    body_pending_ = false;
    answered_ = false;
    fields_.clear();
    head_problem_.clear();
    framing_problem_.clear();
    content_length_ = 0;
    has_content_length_ = false;
    chunked_body_ = false;
  }

  // httplib has read the head (its setup_request callback): parse the fields and the framing.
  void end_head() {
    in_head_ = false;
    head_complete_ = true;
    yield_after_ = SteadyClock::time_point::max();  // a request under way keeps its worker
    if (!parse_head_fields(head_, fields_, head_problem_)) {
      if (head_problem_.empty()) head_problem_ = "malformed request head";
      return;
    }
    check_framing();
    if (!framing_problem_.empty()) return;
    if (chunked_body_) chunked_.emplace();
    body_pending_ = chunked_body_ || content_length_ > 0;
  }

  const Headers& fields() const { return fields_; }
  const std::string& head_problem() const { return head_problem_; }
  const std::string& framing_problem() const { return framing_problem_; }
  bool has_content_length() const { return has_content_length_; }
  std::uint64_t content_length() const { return content_length_; }
  bool body_pending() const { return body_pending_; }
  Failure failure() const { return failure_; }
  std::size_t max_body_bytes() const { return max_body_bytes_; }

  // The body was read to its end (and, when chunked, its framing ended properly).
  void body_consumed() {
    if (!chunked_ || chunked_->done()) body_pending_ = false;
  }
  // The response is ours (MockService or our own checks), not one of httplib's.
  void mark_answered() { answered_ = true; }
  bool answered() const { return answered_; }
  // The connection ends after this response.
  void close_after() { close_after_ = true; }
  bool must_close() const {
    return close_after_ || failure_ != Failure::none || !head_complete_ || body_pending_;
  }

  // Ends the connection. When input may still be arriving (an unread body), the write side is shut
  // first and the input drained for a moment: closing a socket with unread input sends a reset,
  // which can destroy the answer before the client has read it.
  void finish() {
    const bool unread_input =
        in_request_ && (body_pending_ || !head_complete_ || failure_ == Failure::body_too_large ||
                        failure_ == Failure::bad_framing || failure_ == Failure::head_too_large);
    if (memory_output_ != nullptr) return;  // in memory: nothing to shut down or drain
    if (ssl_ != nullptr) {
      ERR_clear_error();
      SSL_shutdown(ssl_);  // sends close_notify; we do not wait for the peer's
    }
    // A client that timed out, or went away, gets no lingering.
    if (!unread_input || failure_ == Failure::io || failure_ == Failure::closed ||
        failure_ == Failure::timeout || failure_ == Failure::stopping) {
      return;
    }
    ::shutdown(fd_, SHUT_WR);
    const auto deadline = SteadyClock::now() + kLingerDeadline;
    yield_after_ = SteadyClock::now();  // under pressure, no lingering
    char sink[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, sink, sizeof sink, MSG_DONTWAIT);
      if (n > 0) continue;
      if (n == 0) return;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return;
      if (!wait_io(POLLIN, deadline)) return;
    }
  }

 private:
  static void address_of(int fd, bool peer, std::string& ip, int& port) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length)
                        : ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    if (rc != 0) return;
    char host[NI_MAXHOST] = {};
    char service[NI_MAXSERV] = {};
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof host, service, sizeof service,
                      NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
      ip = host;
      port = std::atoi(service);
    }
  }

  std::size_t buffered() const {
    std::size_t pending = end_ - begin_;
    // SSL_has_pending: decrypted bytes, or a record already taken off the socket.
    if (ssl_ != nullptr && SSL_has_pending(ssl_) == 1) ++pending;
    return pending;
  }

  // Waits for `events` on the socket until `deadline`, in slices so that stop() is noticed, and
  // so is a queue of connections waiting for a worker while this one idles (kUnderPressure).
  bool wait_io(short events, SteadyClock::time_point deadline) const {
    if (memory_output_ != nullptr) return true;  // in memory: always ready (read() then says end)
    for (;;) {
      if (stopping_.load(std::memory_order_relaxed)) return false;
      const auto now = SteadyClock::now();
      if (now >= deadline) return false;
      if (now >= yield_after_ && waiting_.load(std::memory_order_relaxed) > 0) return false;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - now) + 1ms;
      const int timeout = static_cast<int>(std::min<milliseconds>(left, kPollSlice).count());
      pollfd descriptor{fd_, events, 0};
      const int ready = ::poll(&descriptor, 1, timeout);
      if (ready > 0) return true;  // readable, writable, or an error/hang-up the next call reports
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  void fail(Failure failure) {
    if (failure_ == Failure::none) failure_ = failure;
  }

  // Reads more bytes into the buffer, after those not yet handed out; false on end of stream,
  // timeout, stop or error.
  bool fill() {
    if (begin_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == buffer_.size()) return true;
    char* const into = buffer_.data() + end_;
    const std::size_t room = buffer_.size() - end_;
    if (memory_output_ != nullptr) {
      if (memory_input_.empty()) {
        fail(Failure::closed);
        return false;
      }
      const std::size_t n = std::min(memory_input_.size(), room);
      std::memcpy(into, memory_input_.data(), n);
      memory_input_.remove_prefix(n);
      end_ += n;
      return true;
    }
    const auto deadline =
        std::min(SteadyClock::now() + kReadIdle, in_head_ ? head_deadline_ : request_deadline_);
    for (;;) {
      short wait_for = POLLIN;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int n = SSL_read(ssl_, into, static_cast<int>(std::min<std::size_t>(room, INT_MAX)));
        if (n > 0) {
          end_ += static_cast<std::size_t>(n);
          return true;
        }
        const int error = SSL_get_error(ssl_, n);
        if (error == SSL_ERROR_ZERO_RETURN) {
          fail(Failure::closed);
          return false;
        }
        if (error == SSL_ERROR_WANT_WRITE) {
          wait_for = POLLOUT;
        } else if (error != SSL_ERROR_WANT_READ) {
          fail(Failure::io);
          return false;
        }
      } else {
        const ssize_t n = ::recv(fd_, into, room, MSG_DONTWAIT);
        if (n > 0) {
          end_ += static_cast<std::size_t>(n);
          return true;
        }
        if (n == 0) {
          fail(Failure::closed);
          return false;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          fail(Failure::io);
          return false;
        }
      }
      if (!wait_io(wait_for, deadline)) {
        fail(stopping_.load() ? Failure::stopping : Failure::timeout);
        return false;
      }
    }
  }

  // At the start of a header line (the request line is not one), whether it is a Range field:
  // reads ahead until its first 6 bytes are in, or those in already say no.
  bool range_field_ahead() {
    if (head_.empty() || head_.back() != '\n') return false;
    static constexpr std::string_view kName = "range:";
    for (;;) {
      const std::size_t have = std::min(end_ - begin_, kName.size());
      for (std::size_t i = 0; i < have; ++i) {
        const char c = buffer_[begin_ + i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kName[i]) return false;
      }
      if (have == kName.size()) return true;
      if (!fill()) return false;
    }
  }

  void check_framing() {
    std::size_t lengths = 0;
    std::size_t encodings = 0;
    const std::string* length = nullptr;
    const std::string* encoding = nullptr;
    for (const auto& [name, value] : fields_) {
      if (iequals(name, "Content-Length")) {
        ++lengths;
        length = &value;
      } else if (iequals(name, "Transfer-Encoding")) {
        ++encodings;
        encoding = &value;
      }
    }
    if (lengths > 1) {
      framing_problem_ = "Content-Length sent more than once";
    } else if (lengths == 1 && encodings > 0) {
      framing_problem_ = "both Content-Length and Transfer-Encoding: the body's length is ambiguous";
    } else if (encodings > 1) {
      framing_problem_ = "Transfer-Encoding sent more than once";
    } else if (encodings == 1) {
      if (iequals(*encoding, "chunked")) {
        chunked_body_ = true;
      } else {
        framing_problem_ = "unsupported Transfer-Encoding; only \"chunked\" is accepted";
      }
    } else if (lengths == 1) {
      const std::string& text = *length;
      const bool digits = !text.empty() && text.size() <= 19 &&
                          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) {
        framing_problem_ = "Content-Length is not a decimal number";
      } else {
        has_content_length_ = true;
        content_length_ = std::stoull(text);
      }
    }
  }

  const int fd_;
  SSL* const ssl_;
  const std::atomic<bool>& stopping_;
  const std::atomic<std::size_t>& waiting_;
  const std::size_t max_body_bytes_;
  std::string_view memory_input_;          // in memory: the bytes not yet read
  std::string* memory_output_ = nullptr;   // in memory: where writes go; nullptr over a socket
  std::string remote_ip_;
  int remote_port_ = -1;
  std::string local_ip_;
  int local_port_ = -1;

  std::vector<char> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  Failure failure_ = Failure::none;

  // The current request.
  bool in_request_ = false;  // a request has begun on this connection
  SteadyClock::time_point head_deadline_{};
  SteadyClock::time_point yield_after_ = SteadyClock::time_point::max();
  SteadyClock::time_point request_deadline_{};
  bool in_head_ = false;
  std::string head_;
  bool head_complete_ = false;
  Headers fields_;
  std::string head_problem_;
  std::string framing_problem_;
  bool has_content_length_ = false;
  std::uint64_t content_length_ = 0;
  bool chunked_body_ = false;
  std::optional<ChunkedFraming> chunked_;
  std::uint64_t body_raw_bytes_ = 0;
  bool body_pending_ = false;
  bool answered_ = false;
  bool close_after_ = false;
};

ssize_t Connection::read(char* out, size_t size) {
  if (failure_ != Failure::none || size == 0) return failure_ == Failure::none ? 0 : -1;
  if (in_head_ && head_.size() >= kHeadMaxBytes) {
    fail(Failure::head_too_large);
    return -1;
  }
  if (begin_ == end_ && !fill()) return failure_ == Failure::closed ? 0 : -1;
  const bool hide_range = in_head_ && range_field_ahead();
  std::size_t n = std::min(size, end_ - begin_);
  const char* data = buffer_.data() + begin_;
  if (in_head_) {
    n = std::min(n, kHeadMaxBytes - head_.size());
    head_.append(data, n);
  } else {
    if (chunked_) {
      const std::size_t valid = chunked_->feed(data, n);
      if (valid < n) {
        fail(Failure::bad_framing);
        return -1;
      }
    }
    body_raw_bytes_ += n;
    if (body_raw_bytes_ > 2 * static_cast<std::uint64_t>(max_body_bytes_) + 64 * 1024) {
      fail(Failure::body_too_large);
      return -1;
    }
  }
  std::memcpy(out, data, n);
  if (hide_range) out[0] = 'X';
  begin_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t Connection::write(const char* data, size_t size) {
  if (failure_ == Failure::io || failure_ == Failure::closed) return -1;
  if (size == 0) return 0;
  if (memory_output_ != nullptr) {
    memory_output_->append(data, size);
    return static_cast<ssize_t>(size);
  }
  const auto deadline = SteadyClock::now() + kWriteTimeout;
  for (;;) {
    short wait_for = POLLOUT;
    if (ssl_ != nullptr) {
      ERR_clear_error();
      const int chunk = static_cast<int>(std::min<size_t>(size, INT_MAX));
      const int n = SSL_write(ssl_, data, chunk);
      if (n > 0) return n;
      const int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_WANT_READ) {
        wait_for = POLLIN;
      } else if (error != SSL_ERROR_WANT_WRITE) {
        fail(Failure::io);
        return -1;
      }
    } else {
      const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) return n;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        fail(Failure::io);
        return -1;
      }
    }
    if (!wait_io(wait_for, deadline)) {
      fail(Failure::io);
      return -1;
    }
  }
}

// The connection a worker thread is serving, for the handlers httplib calls on that thread.
thread_local Connection* current_connection = nullptr;

struct CurrentConnection {
  explicit CurrentConnection(Connection* connection) { current_connection = connection; }
  ~CurrentConnection() { current_connection = nullptr; }
  CurrentConnection(const CurrentConnection&) = delete;
  CurrentConnection& operator=(const CurrentConnection&) = delete;
};

// --- Requests and responses --------------------------------------------------------------------

// What every handler shares: what answers a request, and the stop flag.
struct Core {
  Core(detail::HttpHandler h, std::size_t max_body) : handle(std::move(h)), max_body_bytes(max_body) {}
  detail::HttpHandler handle;
  std::size_t max_body_bytes;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> waiting{0};  // connections waiting for a worker
};

// Writes `response` into httplib's; the framing headers are httplib's to write.
void render(const HttpResponse& response, httplib::Response& res) {
  res.status = response.status;
  std::string content_type;
  for (const auto& [name, value] : response.headers) {
    const bool unsafe = name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
                        value.find_first_of("\r\n") != std::string::npos ||
                        name.find('\0') != std::string::npos || value.find('\0') != std::string::npos;
    if (unsafe) continue;
    if (iequals(name, "Content-Type")) {
      if (content_type.empty()) content_type = value;
    } else if (!iequals(name, "Content-Length") && !iequals(name, "Transfer-Encoding") &&
               !iequals(name, "Connection") && !iequals(name, "Keep-Alive")) {
      res.headers.emplace(name, value);
    }
  }
  if (!response.body.empty()) {
    res.set_content(response.body, content_type.empty() ? "application/octet-stream" : content_type);
  } else if (!content_type.empty()) {
    res.set_header("Content-Type", content_type);
  }
}

void render_error(int status, const std::string& detail, httplib::Response& res) {
  res.headers.erase("Content-Type");
  render(error_response(status, detail), res);
}

// A refusal decided from the head alone, before any body byte is read.
std::optional<HttpResponse> refusal(const Connection& connection, const httplib::Request& req) {
  if (!connection.head_problem().empty()) return error_response(400, "malformed request: " + connection.head_problem());
  if (!connection.framing_problem().empty()) {
    return error_response(400, "malformed request: " + connection.framing_problem());
  }
  if (req.target.size() > kMaxTargetBytes) {
    return error_response(414, "the request target is longer than " + std::to_string(kMaxTargetBytes) + " bytes");
  }
  if (connection.has_content_length() && connection.content_length() > connection.max_body_bytes()) {
    return error_response(413, "the body is " + std::to_string(connection.content_length()) +
                                   " bytes; the limit is " + std::to_string(connection.max_body_bytes()));
  }
  return std::nullopt;
}

HttpRequest to_request(const Connection& connection, const httplib::Request& req, std::string body) {
  HttpRequest request;
  request.method = req.method;
  request.target = req.target;
  request.headers = connection.fields();
  request.body = std::move(body);
  return request;
}

// Methods whose body httplib hands to a content-reader handler.
bool reads_body(const httplib::Request& req) {
  return req.method == "POST" || req.method == "PUT" || req.method == "PATCH" ||
         (req.method == "DELETE" && req.has_header("Content-Length"));
}

// --- The server --------------------------------------------------------------------------------

template <class Base>
class GuardedServer final : public Base {
 public:
  template <class... Args>
  explicit GuardedServer(Core& core, Args&&... args) : Base(std::forward<Args>(args)...), core_(core) {}

  // httplib listens with a backlog of 5: a burst of connections would meet SYN retries.
  void enlarge_backlog() { ::listen(this->svr_sock_, SOMAXCONN); }

 private:
  bool process_and_close_socket(socket_t sock) override {
    try {
      serve(sock);
    } catch (...) {
      // An allocation failure, say: the connection ends, the server goes on.
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return true;
  }

  void serve(int fd) {
    const int flags = ::fcntl(fd, F_GETFL, 0);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);

    SSL* ssl = nullptr;
    if constexpr (std::is_same_v<Base, httplib::SSLServer>) {
      ssl = SSL_new(this->ssl_context());
      if (ssl == nullptr) return;
    }
    struct SslFree {
      SSL* ssl;
      ~SslFree() {
        if (ssl != nullptr) SSL_free(ssl);
      }
    } ssl_guard{ssl};

    Connection connection(fd, ssl, core_.stopping, core_.waiting, core_.max_body_bytes);
    if (ssl != nullptr && !handshake(ssl, fd)) return;
    run(connection);
  }

 public:
  // The keep-alive loop of one connection, then its end (serve(), and InMemoryMockServer).
  void run(Connection& connection) {
    CurrentConnection current(&connection);
    for (std::size_t served = 0; served < kKeepAliveMax; ++served) {
      const SteadyClock::duration idle = served == 0 ? SteadyClock::duration(kHeadDeadline)
                                                     : SteadyClock::duration(kKeepAliveTimeout);
      if (!connection.wait_for_request(idle)) break;
      connection.begin_request();
      const bool last = served + 1 == kKeepAliveMax || core_.stopping.load();
      bool connection_closed = false;
      const bool written = this->process_request(connection, last, connection_closed,
                                                 [&](httplib::Request& req) {
                                                   // We answer whole JSON documents, never ranges.
                                                   req.ranges.clear();
                                                   // Routing is ours (install_handlers): httplib's
                                                   // router only matches req.path against
                                                   // [\s\S]* with std::regex, which recurses per
                                                   // character (~300 B of stack each, left resident
                                                   // in the worker). Nothing else reads req.path;
                                                   // MockService routes on req.target.
                                                   req.path.clear();
                                                   connection.end_head();
                                                 });
      if (!written || connection_closed || last || connection.must_close()) break;
    }
    connection.finish();
  }

 private:
  bool handshake(SSL* ssl, int fd) {
    if (SSL_set_fd(ssl, fd) != 1) return false;
    SSL_set_accept_state(ssl);
    const auto started = SteadyClock::now();
    const auto deadline = started + kTlsHandshakeDeadline;
    for (;;) {
      ERR_clear_error();
      const int rc = SSL_accept(ssl);
      if (rc == 1) return true;
      const int error = SSL_get_error(ssl, rc);
      short events = 0;
      if (error == SSL_ERROR_WANT_READ) {
        events = POLLIN;
      } else if (error == SSL_ERROR_WANT_WRITE) {
        events = POLLOUT;
      } else {
        return false;
      }
      for (;;) {
        if (core_.stopping.load()) return false;
        const auto now = SteadyClock::now();
        if (now >= deadline) return false;
        if (now - started >= kUnderPressure && core_.waiting.load() > 0) return false;
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - now) + 1ms;
        pollfd descriptor{fd, events, 0};
        const int ready = ::poll(&descriptor, 1, static_cast<int>(std::min<milliseconds>(left, kPollSlice).count()));
        if (ready > 0) break;
        if (ready < 0 && errno != EINTR) return false;
      }
    }
  }

  Core& core_;
};

// Registers our handlers on `server` (a GuardedServer<Server or SSLServer>).
void install_handlers(httplib::Server& server, Core& core) {
  // Every request passes here once its head is read and before any body byte is.
  server.set_pre_routing_handler([&core](const httplib::Request& req, httplib::Response& res) {
    Connection* connection = current_connection;
    if (connection == nullptr) {  // not one of our connections: cannot happen
      render_error(400, "bad request", res);
      return httplib::Server::HandlerResponse::Handled;
    }
    if (auto refused = refusal(*connection, req)) {
      render(*refused, res);
      connection->mark_answered();
      connection->close_after();
      return httplib::Server::HandlerResponse::Handled;
    }
    // A body to read goes on to the content-reader handlers below; httplib reads a body only for
    // these methods. multipart/form-data would go to httplib's multipart parser instead of ours.
    if (reads_body(req) && connection->body_pending() && !req.is_multipart_form_data()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    // Everything else is answered here without a body. A body left unread (a GET that carries
    // one, say) ends the connection after the answer: its bytes must not be read as a request.
    render(core.handle(to_request(*connection, req, std::string())), res);
    connection->mark_answered();
    if (connection->body_pending()) connection->close_after();
    return httplib::Server::HandlerResponse::Handled;
  });

  const auto with_body = [&core](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& content_reader) {
    Connection* connection = current_connection;
    if (connection == nullptr) {
      render_error(400, "bad request", res);
      return;
    }
    const std::size_t limit = connection->max_body_bytes();
    std::string body;
    body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(connection->content_length(), limit)));
    bool over_limit = false;
    const bool read = content_reader([&](const char* data, size_t size) {
      if (size > limit - body.size()) {
        over_limit = true;
        return false;  // stop reading: nothing past the limit is buffered
      }
      body.append(data, size);
      return true;
    });
    if (read && connection->failure() == Failure::none) connection->body_consumed();
    connection->mark_answered();
    if (!read || connection->body_pending()) {
      connection->close_after();
      if (over_limit || connection->failure() == Failure::body_too_large) {
        render_error(413, "the body is larger than the limit of " + std::to_string(limit) + " bytes", res);
      } else if (connection->failure() == Failure::timeout) {
        render_error(408, "the body did not arrive in time", res);
      } else if (connection->failure() == Failure::bad_framing) {
        render_error(400, "malformed request: invalid chunked framing", res);
      } else {
        render_error(400, "malformed request: the body could not be read", res);
      }
      return;
    }
    render(core.handle(to_request(*connection, req, std::move(body))), res);
  };
  const auto without_body = [&core](const httplib::Request& req, httplib::Response& res) {
    // Not reached: the pre-routing handler answers these. Kept so that no method falls through to
    // httplib's own 404.
    Connection* connection = current_connection;
    if (connection == nullptr) {
      render_error(400, "bad request", res);
      return;
    }
    render(core.handle(to_request(*connection, req, std::string())), res);
    connection->mark_answered();
    if (connection->body_pending()) connection->close_after();
  };
  // [\s\S] rather than '.', which does not match a decoded %0A. The router matches it against an
  // empty req.path (cleared in GuardedServer::run: std::regex recurses once per character); these
  // routes only exist to hand a body-reading request its ContentReader, which a pre-routing
  // handler cannot get in 0.11 (the reader is built in the private Server::routing()).
  const std::string any = R"([\s\S]*)";
  server.Post(any, with_body);
  server.Put(any, with_body);
  server.Patch(any, with_body);
  server.Delete(any, with_body);
  server.Get(any, without_body);  // GET and HEAD
  server.Post(any, without_body);
  server.Put(any, without_body);
  server.Patch(any, without_body);
  server.Delete(any, without_body);
  server.Options(any, without_body);

  // Expect: 100-continue: refuse before the client sends the body when the head already says no.
  server.set_expect_100_continue_handler([](const httplib::Request& req, httplib::Response& res) {
    Connection* connection = current_connection;
    if (connection == nullptr) return 100;
    if (auto refused = refusal(*connection, req)) {
      render(*refused, res);
      connection->mark_answered();
      connection->close_after();
      return refused->status;
    }
    return 100;
  });

  // Last resort: MockService::handle does not throw, but nothing may leak an exception's message.
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.headers.clear();
    res.body.clear();
    render_error(400, "bad request", res);
    if (Connection* connection = current_connection) {
      connection->mark_answered();
      connection->close_after();
    }
  });

  // Called for every response with status >= 400 before it is written. Ours pass untouched (an
  // injected 5xx included); httplib's own (a malformed request line, a header line over 8 KiB, a
  // request target over its limits) become JSON 4xx and end the connection.
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&,
                                                                   httplib::Response& res) {
    Connection* connection = current_connection;
    if (connection != nullptr && connection->answered()) return httplib::Server::HandlerResponse::Handled;
    int status = res.status;
    if (status < 400 || status > 499) status = 400;
    std::string detail = "malformed request line or header";
    if (status == 404) detail = "not found";
    if (status == 413) detail = "the body is too large";
    if (status == 414) detail = "the request target is too long";
    const Failure failure = connection != nullptr ? connection->failure() : Failure::none;
    if (failure == Failure::head_too_large) {
      status = 431;
      detail = "the request line and headers are larger than " + std::to_string(kHeadMaxBytes) + " bytes";
    } else if (failure == Failure::timeout) {
      status = 408;
      detail = "the request did not arrive in time";
    }
    res.headers.clear();
    res.body.clear();
    render_error(status, detail, res);
    if (connection != nullptr) connection->close_after();
    return httplib::Server::HandlerResponse::Handled;
  }));

  // Every response: say so when the connection ends after it.
  server.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    Connection* connection = current_connection;
    if (connection == nullptr) return;
    // HTTP/1.0 closes unless the client asked for keep-alive (our loop stops after this response).
    if (req.version == "HTTP/1.0" && !iequals(req.get_header_value("Connection"), "keep-alive")) {
      connection->close_after();
    }
    if (!connection->must_close()) return;
    res.headers.erase("Keep-Alive");
    if (res.get_header_value("Connection") != "close") {
      res.headers.erase("Connection");
      res.set_header("Connection", "close");
    }
  });

  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, with which a second server on a
  // port in use would start and share its connections instead of failing.
  server.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_tcp_nodelay(true);
  // Our connection loop applies these; httplib only announces them (Keep-Alive: timeout, max).
  server.set_keep_alive_max_count(kKeepAliveMax);
  server.set_keep_alive_timeout(std::chrono::duration_cast<std::chrono::seconds>(kKeepAliveTimeout).count());
  server.set_read_timeout(kReadIdle);
  server.set_write_timeout(kWriteTimeout);
  server.set_payload_max_length(core.max_body_bytes);
  server.new_task_queue = [&core] { return new ElasticPool(kMaxWorkers, core.waiting); };
}

bool readable_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return static_cast<bool>(in);
}

}  // namespace

namespace detail {

struct HttpServer::Impl {
  std::unique_ptr<Core> core;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
  std::string host;
  int port = 0;
  bool tls = false;
  std::mutex stop_mutex;
  bool stopped = false;

  void stop() noexcept {
    std::lock_guard<std::mutex> lock(stop_mutex);
    if (stopped) return;
    stopped = true;
    core->stopping = true;
    if (server) server->stop();
    if (thread.joinable()) thread.join();
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options, HttpHandler handler) noexcept {
  try {
    if (options.port < 0 || options.port > 65535) {
      return Error{Errc::invalid_argument, "the port must be between 0 and 65535, got " + std::to_string(options.port)};
    }
    if (options.host.empty()) return Error{Errc::invalid_argument, "the host is empty"};
    if (options.max_body_bytes == 0) return Error{Errc::invalid_argument, "the body limit must be positive"};
    if (!handler) return Error{Errc::invalid_argument, "no handler"};
    const bool has_cert = !options.tls_cert_file.empty();
    const bool has_key = !options.tls_key_file.empty();
    if (has_cert != has_key) {
      return Error{Errc::invalid_argument, "TLS needs both a certificate file and a key file"};
    }
    if (has_cert && !readable_file(options.tls_cert_file)) {
      return Error{Errc::io_error, "cannot read the TLS certificate " + options.tls_cert_file};
    }
    if (has_key && !readable_file(options.tls_key_file)) {
      return Error{Errc::io_error, "cannot read the TLS key " + options.tls_key_file};
    }

    auto impl = std::make_unique<Impl>();
    impl->core = std::make_unique<Core>(std::move(handler), options.max_body_bytes);
    impl->host = options.host;
    impl->tls = has_cert;
    if (impl->tls) {
      auto server = std::make_unique<GuardedServer<httplib::SSLServer>>(
          *impl->core, options.tls_cert_file.c_str(), options.tls_key_file.c_str());
      if (!server->is_valid()) {
        return Error{Errc::invalid_argument, "the TLS certificate " + options.tls_cert_file + " and key " +
                                                 options.tls_key_file + " are not a valid PEM pair"};
      }
      impl->server = std::move(server);
    } else {
      impl->server = std::make_unique<GuardedServer<httplib::Server>>(*impl->core);
    }
    install_handlers(*impl->server, *impl->core);

    errno = 0;
    int port = options.port;
    if (port == 0) {
      port = impl->server->bind_to_any_port(options.host);
    } else if (!impl->server->bind_to_port(options.host, port)) {
      port = -1;
    }
    if (port <= 0) {
      const int error = errno;
      std::string reason = error != 0 ? std::string(": ") + std::strerror(error) : std::string();
      return Error{Errc::io_error, "cannot listen on " + options.host + ":" + std::to_string(options.port) + reason};
    }
    impl->port = port;
    if (impl->tls) {
      static_cast<GuardedServer<httplib::SSLServer>&>(*impl->server).enlarge_backlog();
    } else {
      static_cast<GuardedServer<httplib::Server>&>(*impl->server).enlarge_backlog();
    }

    httplib::Server* server = impl->server.get();
    std::atomic<bool>* returned = &impl->listen_returned;
    impl->thread = std::thread([server, returned] {
      server->listen_after_bind();
      returned->store(true);
    });
    // httplib 0.11 has no wait_until_ready: poll.
    const auto give_up = SteadyClock::now() + 10s;
    while (!server->is_running() && !impl->listen_returned.load() && SteadyClock::now() < give_up) {
      std::this_thread::sleep_for(1ms);
    }
    if (!server->is_running()) {
      impl->core->stopping = true;
      if (!impl->listen_returned.load()) server->stop();
      impl->stopped = true;
      if (impl->thread.joinable()) impl->thread.join();
      return Error{Errc::io_error, "the server on " + options.host + ":" + std::to_string(port) + " did not start"};
    }
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("starting the server failed: ") + e.what()};
  } catch (...) {
    return Error{Errc::internal, "starting the server failed"};
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const noexcept { return impl_->port; }

std::string HttpServer::url() const {
  const bool ipv6 = impl_->host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + impl_->host + "]" : impl_->host;
  return std::string(impl_->tls ? "https://" : "http://") + host + ":" + std::to_string(impl_->port);
}

void HttpServer::stop() noexcept {
  if (impl_) impl_->stop();
}

}  // namespace detail

// --- The mock over HTTP(S) ---------------------------------------------------------------------

struct MockServer::Impl {
  Impl(MockService s, std::unique_ptr<detail::HttpServer> h) : service(std::move(s)), server(std::move(h)) {}
  MockService service;
  std::unique_ptr<detail::HttpServer> server;
};

Result<std::unique_ptr<MockServer>> MockServer::start(const MockServerOptions& options) noexcept {
  try {
    auto service = MockService::create(options.mock);
    if (!service) return service.error();
    detail::HttpServerOptions server_options;
    server_options.host = options.host;
    server_options.port = options.port;
    server_options.tls_cert_file = options.tls_cert_file;
    server_options.tls_key_file = options.tls_key_file;
    server_options.max_body_bytes = service->options().max_body_bytes;
    // MockService is a shared handle, and handle() is const and thread-safe.
    const MockService handler_service = *service;
    auto server = detail::HttpServer::start(
        server_options, [handler_service](const HttpRequest& request) { return handler_service.handle(request); });
    if (!server) return server.error();
    return std::unique_ptr<MockServer>(
        new MockServer(std::make_unique<Impl>(std::move(service).value(), std::move(server).value())));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("starting the mock server failed: ") + e.what()};
  } catch (...) {
    return Error{Errc::internal, "starting the mock server failed"};
  }
}

MockServer::MockServer(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

MockServer::~MockServer() { stop(); }

int MockServer::port() const noexcept { return impl_->server->port(); }

std::string MockServer::url() const { return impl_->server->url(); }

const MockService& MockServer::service() const noexcept { return impl_->service; }

void MockServer::stop() noexcept {
  if (impl_) impl_->server->stop();
}

// --- Without sockets ---------------------------------------------------------------------------

namespace detail {

struct InMemoryMockServer::Impl {
  explicit Impl(MockService s)
      : service(std::move(s)),
        core([handler_service = service](const HttpRequest& request) { return handler_service.handle(request); },
             service.options().max_body_bytes),
        server(core) {
    install_handlers(server, core);
  }
  MockService service;
  Core core;
  GuardedServer<httplib::Server> server;
};

Result<InMemoryMockServer> InMemoryMockServer::create(const MockOptions& options) noexcept {
  try {
    auto service = MockService::create(options);
    if (!service) return service.error();
    return InMemoryMockServer(std::make_unique<Impl>(std::move(service).value()));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("creating the in-memory mock server failed: ") + e.what()};
  }
}

InMemoryMockServer::InMemoryMockServer(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
InMemoryMockServer::InMemoryMockServer(InMemoryMockServer&&) noexcept = default;
InMemoryMockServer& InMemoryMockServer::operator=(InMemoryMockServer&&) noexcept = default;
InMemoryMockServer::~InMemoryMockServer() = default;

std::string InMemoryMockServer::exchange(std::string_view input) {
  std::string output;
  Connection connection(input, output, impl_->core.stopping, impl_->core.waiting,
                        impl_->core.max_body_bytes);
  try {
    impl_->server.run(connection);
  } catch (...) {
    // As process_and_close_socket: the connection ends; what was written stays written.
  }
  return output;
}

const MockService& InMemoryMockServer::service() const noexcept { return impl_->service; }

}  // namespace detail

}  // namespace alguna::contract
