// RecordingProxy (recording_proxy.hpp): the mock's hardened HTTP server (detail::HttpServer) with a
// handler that forwards over the replayer's libcurl client (detail::HttpClient) and records through
// a ScenarioRecorder.
#include <alguna/contract/recording_proxy.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <utility>

#include "http_client.hpp"
#include "mock_server_internal.hpp"
#include "text.hpp"

namespace alguna::contract {

namespace {

using detail::iequals;
using SteadyClock = std::chrono::steady_clock;

// RFC 9110 section 7.6.1: fields that concern one connection, never forwarded.
constexpr const char* kHopByHop[] = {"Connection", "Keep-Alive", "Proxy-Connection", "TE",
                                     "Trailer",    "Transfer-Encoding", "Upgrade"};
// Also not forwarded upstream: libcurl writes Host and Content-Length for the upstream; Expect is
// this hop's (our server answered any 100-continue); the body was decoded, so its
// Content-Encoding no longer applies; the proxy negotiates its own Accept-Encoding; and
// Proxy-Authorization is addressed to a proxy (RFC 9110 section 11.7.2), which takes none here.
constexpr const char* kNotForwarded[] = {"Host", "Content-Length", "Expect", "Content-Encoding", "Accept-Encoding",
                                         "Proxy-Authorization"};
// Not passed back: the server frames the body itself, which libcurl has decoded.
constexpr const char* kNotPassedBack[] = {"Content-Length", "Content-Encoding"};

constexpr std::size_t kMaxIdleClients = 32;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool named_in(std::string_view name, const char* const* begin, const char* const* end) {
  return std::any_of(begin, end, [&](const char* listed) { return iequals(name, listed); });
}

// The fields of `headers` but the hop-by-hop ones (with those the Connection field names) and
// those in [extra_begin, extra_end).
Headers without_hop_by_hop(const Headers& headers, const char* const* extra_begin, const char* const* extra_end) {
  std::set<std::string> named;  // lower case
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "Connection")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view token = trim(rest.substr(0, comma));
      if (!token.empty()) named.insert(detail::ascii_lower(token));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  Headers kept;
  for (const auto& field : headers) {
    const std::string& name = field.first;
    if (named_in(name, std::begin(kHopByHop), std::end(kHopByHop)) || named_in(name, extra_begin, extra_end) ||
        named.count(detail::ascii_lower(name)) != 0) {
      continue;
    }
    kept.push_back(field);
  }
  return kept;
}

bool has_header(const Headers& headers, std::string_view name) {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& field) { return iequals(field.first, name); });
}

std::string error_body(int status, const std::string& detail) {
  const nlohmann::json body = {{"status", status}, {"detail", detail}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// RFC 9209 section 2.3: the proxy error types for what libcurl reports.
const char* proxy_error_type(const detail::Answer& answer) {
  switch (answer.code) {
    case CURLE_COULDNT_RESOLVE_HOST: return "dns_error";
    case CURLE_COULDNT_CONNECT: return "connection_refused";
    case CURLE_OPERATION_TIMEDOUT: return answer.connected ? "http_response_timeout" : "connection_timeout";
    case CURLE_SSL_CONNECT_ERROR: return "tls_protocol_error";
    case CURLE_PEER_FAILED_VERIFICATION: return "tls_certificate_error";
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE: return "http_response_incomplete";
    case CURLE_WRITE_ERROR: return answer.too_large ? "http_response_content_length" : "http_response_header_section_size";
    default: return "proxy_internal_error";
  }
}

// The proxy's own answer; `error_type` (RFC 9209), when given, goes in a Proxy-Status field.
HttpResponse proxy_error(int status, const char* error_type, const std::string& detail) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  if (error_type != nullptr) {
    response.headers.emplace_back("Proxy-Status", std::string("alguna-contract; error=") + error_type);
  }
  response.body = error_body(status, detail);
  return response;
}

// "2026-04-01T12:00:00.123Z"
std::string utc_timestamp(std::chrono::system_clock::time_point when) {
  const auto since_epoch = when.time_since_epoch();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  const long millis = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];  // room for any int the format could meet
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return text;
}

// "recorded-20260401T120000Z"
std::string default_prefix() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[40];
  std::strftime(text, sizeof text, "recorded-%Y%m%dT%H%M%SZ", &tm);
  return text;
}

// Whether any scenario of the JSONL file `path` (when it exists) has an id "<prefix>-...". Lines
// that are not JSON objects with a string id are passed over: the replayer reports those.
bool file_uses_prefix(const std::string& path, const std::string& prefix) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::string start = prefix + "-";
  for (std::string line; std::getline(in, line);) {
    if (line.find(start) == std::string::npos) continue;  // most lines: no parse
    const ParseResult parsed = parse_json(line);
    if (!parsed.ok() || !parsed.document->is_object()) continue;
    const auto id = parsed.document->find("id");
    if (id != parsed.document->end() && id->is_string() && id->get_ref<const std::string&>().rfind(start, 0) == 0) {
      return true;
    }
  }
  return false;
}

bool write_all(int fd, const std::string& text, std::string& problem) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      problem = std::strerror(errno);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

struct RecordingProxy::Impl {
  RecordingProxyOptions options;
  detail::Endpoint endpoint;
  std::string upstream;  // as given, without a trailing "/"
  std::string id_prefix;
  std::unique_ptr<detail::HttpServer> server;

  // Upstream connections, kept alive between requests; one per request in flight.
  std::mutex clients_mutex;
  std::vector<std::unique_ptr<detail::HttpClient>> idle_clients;

  // The recorder, the file and the figures, one exchange at a time.
  mutable std::mutex record_mutex;
  ScenarioRecorder recorder;
  int fd = -1;
  RecordingProxyStats stats;
  bool pending_maybe = false;  // an exchange was recorded since the last finish()
  SteadyClock::time_point last_request = SteadyClock::now();

  // The idle flusher.
  std::mutex flusher_mutex;
  std::condition_variable flusher_wake;
  bool flusher_stop = false;
  std::thread flusher;

  std::mutex stop_mutex;
  bool stopped = false;

  Impl(RecordingProxyOptions o, RecorderOptions recorder_options)
      : options(std::move(o)), recorder(std::move(recorder_options)) {}

  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  std::unique_ptr<detail::HttpClient> take_client() {
    {
      std::lock_guard<std::mutex> lock(clients_mutex);
      if (!idle_clients.empty()) {
        std::unique_ptr<detail::HttpClient> client = std::move(idle_clients.back());
        idle_clients.pop_back();
        return client;
      }
    }
    detail::HttpClientOptions client_options;
    client_options.timeout = options.timeout;
    client_options.ca_file = options.ca_file;
    client_options.decode_content = true;
    auto client = std::make_unique<detail::HttpClient>(endpoint.url(), client_options);
    if (!client->valid()) return nullptr;
    return client;
  }

  void give_back(std::unique_ptr<detail::HttpClient> client) {
    std::lock_guard<std::mutex> lock(clients_mutex);
    if (idle_clients.size() < kMaxIdleClients) idle_clients.push_back(std::move(client));
  }

  // record_mutex held.
  void emit(std::vector<Scenario>& scenarios) {
    for (Scenario& scenario : scenarios) {
      bool written = true;
      if (fd >= 0) {
        std::string problem;
        const std::string line =
            to_json(scenario).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        if (!write_all(fd, line, problem)) {
          written = false;
          if (stats.write_errors++ == 0) stats.first_write_error = "cannot write " + options.out_file + ": " + problem;
        }
      }
      if (!written) continue;
      ++stats.written;
      if (options.on_scenario) {
        try {
          options.on_scenario(scenario);
        } catch (...) {
          // The caller's bug; the recording goes on.
        }
      }
    }
  }

  void note_recorder_error(const Error& error) {
    if (stats.write_errors++ == 0) stats.first_write_error = error.message;
  }

  void record(const HttpExchange& exchange) {
    std::lock_guard<std::mutex> lock(record_mutex);
    auto completed = recorder.add(exchange);
    stats.recorder = recorder.stats();
    if (!completed) {
      note_recorder_error(completed.error());
      return;
    }
    pending_maybe = true;
    emit(completed.value());
  }

  void flush() {
    std::lock_guard<std::mutex> lock(record_mutex);
    if (!pending_maybe) return;
    pending_maybe = false;
    auto completed = recorder.finish();
    stats.recorder = recorder.stats();
    if (!completed) {
      note_recorder_error(completed.error());
      return;
    }
    emit(completed.value());
  }

  HttpResponse handle(const HttpRequest& request) {
    const auto started = std::chrono::system_clock::now();
    {
      std::lock_guard<std::mutex> lock(record_mutex);
      ++stats.requests;
      last_request = SteadyClock::now();
    }
    auto fail = [&](HttpResponse response) {
      std::lock_guard<std::mutex> lock(record_mutex);
      ++stats.failed;
      last_request = SteadyClock::now();
      return response;
    };

    // Clients use the proxy as their base URL (origin form); one configured to use it as an
    // HTTP proxy sends the absolute form (RFC 9112 section 3.2.2), whose authority is replaced
    // by the upstream's.
    std::string target;
    if (!request.target.empty() && request.target.front() == '/') {
      target = request.target;
    } else if (request.target.find("://") != std::string::npos) {
      target = origin_form(request.target);
    } else {
      return fail(proxy_error(400, nullptr,
                                "the request target must be a path: the proxy forwards to " + upstream));
    }

    HttpRequest forwarded;
    forwarded.method = request.method;
    forwarded.target = target;
    forwarded.headers = without_hop_by_hop(request.headers, std::begin(kNotForwarded), std::end(kNotForwarded));
    forwarded.body = request.body;
    const bool resendable =
        request.method == "GET" || request.method == "HEAD" || has_header(request.headers, "Idempotency-Key");

    std::unique_ptr<detail::HttpClient> client = take_client();
    if (!client) return fail(proxy_error(502, "proxy_internal_error", "the proxy could not make an HTTP client"));
    detail::Answer answer = client->send(forwarded, resendable);
    give_back(std::move(client));

    if (!answer) {
      const bool timed_out = answer.code == CURLE_OPERATION_TIMEDOUT;
      return fail(proxy_error(timed_out ? 504 : 502, proxy_error_type(answer),
                                "the upstream " + upstream + " did not answer: " + detail::describe(answer)));
    }

    HttpResponse response;
    response.status = answer.status;
    response.headers = without_hop_by_hop(answer.headers, std::begin(kNotPassedBack), std::end(kNotPassedBack));
    response.body = std::move(answer.body);

    HttpExchange exchange;
    exchange.method = request.method;
    exchange.target = target;
    exchange.request_headers = request.headers;
    exchange.request_body = request.body;
    exchange.status = response.status;
    exchange.response_headers = response.headers;
    exchange.response_body = response.body;
    exchange.started_at = utc_timestamp(started);
    {
      std::lock_guard<std::mutex> lock(record_mutex);
      ++stats.forwarded;
      last_request = SteadyClock::now();
    }
    record(exchange);
    return response;
  }

  void run_flusher() {
    std::unique_lock<std::mutex> lock(flusher_mutex);
    while (!flusher_stop) {
      flusher_wake.wait_for(lock, options.idle_flush);
      if (flusher_stop) break;
      bool idle = false;
      {
        std::lock_guard<std::mutex> record_lock(record_mutex);
        idle = pending_maybe && SteadyClock::now() - last_request >= options.idle_flush;
      }
      if (idle) flush();
    }
  }

  void stop() {
    std::lock_guard<std::mutex> lock(stop_mutex);
    if (stopped) return;
    stopped = true;
    if (server) server->stop();
    {
      std::lock_guard<std::mutex> flusher_lock(flusher_mutex);
      flusher_stop = true;
    }
    flusher_wake.notify_all();
    if (flusher.joinable()) flusher.join();
    flush();
    std::lock_guard<std::mutex> record_lock(record_mutex);
    if (fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }
};

Result<std::unique_ptr<RecordingProxy>> RecordingProxy::start(RecordingProxyOptions options) noexcept {
  try {
    if (!detail::curl_ready()) return Error{Errc::internal, "libcurl could not be initialised"};
    if (options.upstream.empty()) return Error{Errc::invalid_argument, "no upstream URL"};
    auto endpoint = detail::parse_base_url(options.upstream);
    if (!endpoint) {
      Error error = endpoint.error();
      error.message = "the upstream URL: " + error.message;
      return error;
    }
    if (options.timeout.count() <= 0) return Error{Errc::invalid_argument, "the timeout must be positive"};
    if (options.idle_flush.count() < 0) return Error{Errc::invalid_argument, "the idle flush period must not be negative"};
    if (!options.ca_file.empty()) {
      if (Error error = detail::check_ca_file(options.ca_file)) return error;
    }
    if (!options.allow_insecure_http) {
      if (endpoint->scheme == "http" && !detail::is_loopback(endpoint->host)) {
        return Error{Errc::invalid_argument,
                     "refusing to forward API keys over plain http to " + endpoint->host +
                         " (use an https upstream, or allow insecure http)"};
      }
      if (options.tls_cert_file.empty() && !detail::is_loopback(options.host)) {
        return Error{Errc::invalid_argument,
                     "refusing to take API keys over plain http on " + options.host +
                         ", which is not loopback (serve TLS with a certificate and key, or allow insecure http)"};
      }
    }
    for (const std::string& tag : options.tags) {
      if (tag.empty()) return Error{Errc::invalid_argument, "a tag is empty"};
    }

    std::string prefix = options.id_prefix;
    if (prefix.empty()) {
      const std::string base = default_prefix();
      prefix = base;
      for (int n = 2; !options.out_file.empty() && file_uses_prefix(options.out_file, prefix); ++n) {
        if (n > 1000) return Error{Errc::invalid_argument, options.out_file + " already holds ids under " + base + "-2 to -1000"};
        prefix = base + "-" + std::to_string(n);
      }
    } else if (!options.out_file.empty() && file_uses_prefix(options.out_file, prefix)) {
      return Error{Errc::invalid_argument, options.out_file + " already holds scenarios with ids " + prefix +
                                               "-...: choose another id prefix, so that ids stay unique"};
    }

    RecorderOptions recorder_options;
    recorder_options.id_prefix = prefix;
    recorder_options.tags = options.tags;
    recorder_options.secrets = options.secrets;
    recorder_options.source = options.out_file.empty() ? std::string("recording") : options.out_file;

    auto impl = std::make_unique<Impl>(options, std::move(recorder_options));
    impl->endpoint = std::move(endpoint).value();
    impl->upstream = options.upstream;
    if (impl->upstream.back() == '/') impl->upstream.pop_back();
    impl->id_prefix = prefix;

    if (!options.out_file.empty()) {
      impl->fd = ::open(options.out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
      if (impl->fd < 0) {
        return Error{Errc::io_error, "cannot open " + options.out_file + " for appending: " + std::strerror(errno)};
      }
    }

    detail::HttpServerOptions server_options;
    server_options.host = options.host;
    server_options.port = options.port;
    server_options.tls_cert_file = options.tls_cert_file;
    server_options.tls_key_file = options.tls_key_file;
    server_options.max_body_bytes = options.max_body_bytes;
    Impl* state = impl.get();  // outlives the server: stop() stops the server first
    auto server = detail::HttpServer::start(server_options, [state](const HttpRequest& request) {
      try {
        return state->handle(request);
      } catch (const std::exception&) {
        return proxy_error(502, "proxy_internal_error", "the proxy failed while forwarding the request");
      }
    });
    if (!server) return server.error();
    impl->server = std::move(server).value();
    if (options.idle_flush.count() > 0) impl->flusher = std::thread([state] { state->run_flusher(); });
    return std::unique_ptr<RecordingProxy>(new RecordingProxy(std::move(impl)));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("starting the recording proxy failed: ") + e.what()};
  }
}

RecordingProxy::RecordingProxy(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

RecordingProxy::~RecordingProxy() { stop(); }

int RecordingProxy::port() const noexcept { return impl_->server->port(); }

std::string RecordingProxy::url() const { return impl_->server->url(); }

const std::string& RecordingProxy::upstream() const noexcept { return impl_->upstream; }

const std::string& RecordingProxy::id_prefix() const noexcept { return impl_->id_prefix; }

RecordingProxyStats RecordingProxy::stats() const {
  std::lock_guard<std::mutex> lock(impl_->record_mutex);
  return impl_->stats;
}

void RecordingProxy::flush() noexcept {
  try {
    impl_->flush();
  } catch (...) {
    // Only allocation can fail here; the scenario stays pending.
  }
}

RecordingProxyStats RecordingProxy::stop() noexcept {
  try {
    impl_->stop();
    return stats();
  } catch (...) {
    return {};
  }
}

}  // namespace alguna::contract
