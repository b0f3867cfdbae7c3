// An httplib::Server on 127.0.0.1, port 0, on its own thread, for tests that need an endpoint
// that breaks the contract on purpose. Include httplib.h first (the test binary gets the library's
// CPPHTTPLIB_* definitions from PkgConfig::ALGUNA_CONTRACT_HTTPLIB).
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

namespace alguna::contract::testing {

// An httplib::Server on 127.0.0.1, port 0, on its own thread; stopped when destroyed.
class TestServer {
 public:
  explicit TestServer(std::function<void(httplib::Server&)> routes) {
    server_.set_tcp_nodelay(true);
    routes(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    REQUIRE(server_.is_running());
  }
  ~TestServer() { stop(); }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace alguna::contract::testing
