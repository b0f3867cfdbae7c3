// The baseline for scripts/bench-mock.sh: a cpp-httplib server that answers every GET and PATCH
// with 200 and a small fixed JSON body, configured like MockServer (src/mock_server.cpp), so that
// the throughput ratio between the two measures the cost of our own code (MockServer's connection
// layer and MockService::handle) and not a difference in the library's settings.
//
//   alguna_contract_trivial_server [--host 127.0.0.1] [--port 0]
//
// The first line on stdout, flushed at once, is "listening on http://HOST:PORT" (port 0 picks a free
// port). SIGINT or SIGTERM stops it (exit 0). Exit 2 on a bad argument or a port it cannot bind.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

namespace {

constexpr const char* body = R"({"status":"ok"})";

void usage(const char* argv0) {
  std::cerr << "usage: " << argv0 << " [--host HOST] [--port PORT]\n";
}

// httplib listens with a backlog of 5; MockServer raises it to SOMAXCONN after binding (else wrk's
// 64 connections at once meet SYN retries of 1 s), and so does this.
class TrivialServer final : public httplib::Server {
 public:
  void enlarge_backlog() { ::listen(svr_sock_, SOMAXCONN); }
};

// The server settings of MockServer (install_handlers() in src/mock_server.cpp): keep them in step,
// or the comparison measures a configuration difference instead of our code. What differs on
// purpose is everything of ours: MockServer's own connection loop and stream (bounded heads,
// framing checks, its own keep-alive loop) and MockService::handle; this server uses httplib's.
void configure(httplib::Server& server) {
  server.set_socket_options([](socket_t sock) {
    const int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);  // kKeepAliveMax
  server.set_keep_alive_timeout(2);       // kKeepAliveTimeout
  server.set_read_timeout(5, 0);          // kReadIdle
  server.set_write_timeout(5, 0);         // kWriteTimeout
  server.set_payload_max_length(1024 * 1024);  // MockOptions::max_body_bytes
  // MockServer's pool grows to 256 workers, one per connection (httplib's default is 8, so 64
  // keep-alive connections would queue behind 8). httplib's own pool with the same ceiling starts
  // them all at once, which makes no difference under load.
  server.new_task_queue = [] { return new httplib::ThreadPool(256); };
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--host" || arg == "--port") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--host") {
        host = value;
        continue;
      }
      char* end = nullptr;
      const long parsed = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || parsed < 0 || parsed > 65535) {
        std::cerr << "trivial_server: --port must be 0..65535, got '" << value << "'\n";
        return 2;
      }
      port = static_cast<int>(parsed);
    } else if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      return 0;
    } else {
      usage(argv[0]);
      return 2;
    }
  }

  // SIGINT and SIGTERM are blocked in every thread (the server's workers inherit the mask) and
  // taken by sigwait() in main, where calling Server::stop() is safe.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  TrivialServer server;
  configure(server);
  const auto answer = [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content(body, "application/json");
  };
  server.Get(".*", answer);
  server.Patch(".*", answer);

  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    std::cerr << "trivial_server: cannot bind " << host << ":" << port << '\n';
    return 2;
  }
  server.enlarge_backlog();
  std::cout << "listening on http://" << host << ':' << bound << std::endl;

  std::thread listener([&server] {
    server.listen_after_bind();
    // Stopped by main, or failed on its own: wake main either way (the signal is blocked, so it
    // stays pending until sigwait takes it, or is dropped at exit).
    kill(getpid(), SIGTERM);
  });

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  listener.join();
  return 0;
}
