// Internal to the library and its fuzz harnesses (not installed, not public API): MockServer's
// HTTP handling without sockets.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <alguna/contract/error.hpp>
#include <alguna/contract/mock.hpp>

namespace alguna::contract::detail {

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
