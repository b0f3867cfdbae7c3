// The replay engine: one scenario's steps sent over one kept-alive httplib client, each answer
// checked by match_response and the schemas. The second file of the library that includes
// httplib.h (the client side only).
#include <alguna/contract/replay.hpp>

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>
#include <utility>

#include <alguna/contract/mock.hpp>
#include <alguna/contract/validator.hpp>

#include "text.hpp"

namespace alguna::contract {

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  int port = 0;
};

Result<Endpoint> parse_base_url(const std::string& url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string::npos) return Error{Errc::invalid_argument, "the base URL must start with http:// or https://"};
  Endpoint endpoint;
  endpoint.scheme = detail::ascii_lower(url.substr(0, sep));
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return Error{Errc::invalid_argument, "the base URL must start with http:// or https://"};
  }
  std::string rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/?#@ \t\r\n") != std::string::npos) {
    return Error{Errc::invalid_argument, "the base URL may hold only a scheme, a host and a port"};
  }
  std::string port_text;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string::npos) return Error{Errc::invalid_argument, "the base URL has a bad IPv6 address"};
    endpoint.host = rest.substr(1, close - 1);
    const std::string after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error{Errc::invalid_argument, "the base URL has a bad port"};
      port_text = after.substr(1);
      if (port_text.empty()) return Error{Errc::invalid_argument, "the base URL has a bad port"};
    }
  } else {
    const std::size_t colon = rest.find(':');
    endpoint.host = rest.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return Error{Errc::invalid_argument, "the base URL has a bad port"};
    }
  }
  if (endpoint.host.empty()) return Error{Errc::invalid_argument, "the base URL has no host"};
  if (port_text.empty()) {
    endpoint.port = endpoint.scheme == "https" ? 443 : 80;
  } else {
    if (port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return Error{Errc::invalid_argument, "the base URL has a bad port"};
    }
    endpoint.port = std::atoi(port_text.c_str());
    if (endpoint.port < 1 || endpoint.port > 65535) return Error{Errc::invalid_argument, "the base URL has a bad port"};
  }
  return endpoint;
}

bool is_loopback(const std::string& host) {
  const std::string lower = detail::ascii_lower(host);
  if (lower == "localhost" || lower == "::1") return true;
  if (lower.size() > 10 && lower.compare(lower.size() - 10, 10, ".localhost") == 0) return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (lower.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : lower) {
    if (c == '.') ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dots == 3;
}

// Replaces the API key (and "Bearer <anything>") in every string that leaves the engine.
class Redactor {
 public:
  explicit Redactor(std::string key) : key_(std::move(key)) {}

  std::string operator()(std::string text) const {
    if (!key_.empty()) {
      for (std::size_t at = text.find(key_); at != std::string::npos; at = text.find(key_, at + 3)) {
        text.replace(at, key_.size(), "***");
      }
      // A value cut short ("sk_live_abc…") may end with a prefix of the key.
      static const std::string kEllipsis = "\xE2\x80\xA6";
      for (std::size_t at = text.find(kEllipsis); at != std::string::npos; at = text.find(kEllipsis, at + 1)) {
        for (std::size_t n = std::min(key_.size(), at); n >= 4; --n) {
          if (text.compare(at - n, n, key_, 0, n) == 0) {
            text.replace(at - n, n, "***");
            at = at - n + 3;
            break;
          }
        }
      }
    }
    // "Bearer <token>", whatever the token (a key from another variable, a recorded literal).
    for (std::size_t at = find_bearer(text, 0); at != std::string::npos; at = find_bearer(text, at)) {
      std::size_t end = at;
      while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '"' &&
             text[end] != '\'' && text[end] != ',') {
        ++end;
      }
      if (text.compare(at, end - at, "***") != 0) text.replace(at, end - at, "***");
      at += 3;
    }
    return text;
  }

  void apply(Failure& failure) const {
    failure.path = (*this)(std::move(failure.path));
    failure.expected = (*this)(std::move(failure.expected));
    failure.actual = (*this)(std::move(failure.actual));
    failure.message = (*this)(std::move(failure.message));
  }

 private:
  // The position just after "Bearer " (any case), or npos.
  static std::size_t find_bearer(const std::string& text, std::size_t from) {
    static const std::string kBearer = "bearer ";
    for (std::size_t i = from; i + kBearer.size() <= text.size(); ++i) {
      if (detail::iequals(std::string_view(text).substr(i, kBearer.size()), kBearer)) {
        std::size_t after = i + kBearer.size();
        while (after < text.size() && text[after] == ' ') ++after;
        if (after < text.size()) return after;
      }
    }
    return std::string::npos;
  }

  std::string key_;
};

std::chrono::milliseconds backoff(int attempt, const httplib::Result* answer) {
  if (answer != nullptr && *answer && (*answer)->has_header("Retry-After")) {
    const std::string value = (*answer)->get_header_value("Retry-After");
    if (!value.empty() && value.size() <= 9 &&
        std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return std::min(std::chrono::milliseconds(std::atol(value.c_str()) * 1000), std::chrono::milliseconds(30000));
    }
  }
  thread_local std::mt19937 random{std::random_device{}()};
  const double base = 100.0 * static_cast<double>(1u << std::min(attempt, 10));
  const double jittered = base * std::uniform_real_distribution<double>(0.5, 1.5)(random);
  return std::chrono::milliseconds(static_cast<long>(std::min(jittered, 5000.0)));
}

// `resendable`: the request may have reached the server and still be sent again — a GET, or a
// request with an Idempotency-Key (the API answers a repeat from its record instead of applying it
// twice). Only such a request is retried after a failure in the middle of an exchange (a reset or
// a timeout while sending or reading); a failure to connect is always safe to retry.
bool retryable(const httplib::Result& answer, bool resendable) {
  if (!answer) {
    switch (answer.error()) {
      case httplib::Error::Connection:
      case httplib::Error::ConnectionTimeout:
      case httplib::Error::SSLConnection: return true;
      case httplib::Error::Read:
      case httplib::Error::Write: return resendable;
      default: return false;
    }
  }
  if (answer->status == 429 || answer->status == 503) return true;
  return detail::iequals(answer->get_header_value("Transient-Error"), "true");
}

std::string describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "could not connect";
    case httplib::Error::ConnectionTimeout: return "timed out connecting";
    case httplib::Error::Read: return "no complete answer (the connection was reset or timed out)";
    case httplib::Error::Write: return "could not send the request (the connection was reset or timed out)";
    case httplib::Error::SSLConnection: return "the TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "could not load the CA certificates";
    case httplib::Error::SSLServerVerification: return "the server's certificate could not be verified";
    default: return "the request failed (" + httplib::to_string(error) + ")";
  }
}

bool recorded_2xx(const ExpectedStatus& status) {
  return status.code != 0 ? status.code / 100 == 2 : status.status_class == 2;
}

}  // namespace

const char* to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::passed: return "passed";
    case Outcome::failed: return "failed";
    case Outcome::error: return "error";
  }
  return "error";
}

struct Replayer::Impl {
  ReplayOptions options;
  Endpoint endpoint;
  std::string url;
  Validator validator;
  std::unique_ptr<MockServer> mock;  // when no base_url was given

  Impl(ReplayOptions o, Validator v) : options(std::move(o)), validator(std::move(v)) {}
  ~Impl() {
    if (mock) mock->stop();
  }

  ScenarioResult run(const Scenario& scenario, httplib::Client& client) const;

  std::unique_ptr<httplib::Client> make_client() const {
    auto client = std::make_unique<httplib::Client>(
        endpoint.scheme + "://" +
        (endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host) + ":" +
        std::to_string(endpoint.port));
    if (!client->is_valid()) return nullptr;
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    client->set_url_encode(false);  // the recorded target is sent as it is
    client->set_follow_location(false);
    client->set_connection_timeout(options.timeout);
    client->set_read_timeout(options.timeout);
    client->set_write_timeout(options.timeout);
    if (endpoint.scheme == "https") {
      if (!options.ca_file.empty()) client->set_ca_cert_path(options.ca_file);
      client->enable_server_certificate_verification(true);
    }
    return client;
  }
};

struct Replayer::Session::State {
  std::shared_ptr<const Replayer::Impl> impl;
  std::unique_ptr<httplib::Client> client;
};

Replayer::Replayer(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}

Result<Replayer> Replayer::create(ReplayOptions options) noexcept {
  try {
    if (options.retries < 0 || options.retries > 100) {
      return Error{Errc::invalid_argument, "retries must be between 0 and 100"};
    }
    if (options.timeout.count() <= 0) return Error{Errc::invalid_argument, "the timeout must be positive"};
    if (!options.ca_file.empty()) {
      std::ifstream in(options.ca_file, std::ios::binary);
      std::string head(64, '\0');
      if (!in || !in.read(head.data(), static_cast<std::streamsize>(head.size())) ||
          head.find("-----BEGIN") == std::string::npos) {
        std::ifstream again(options.ca_file, std::ios::binary);
        if (!again) return Error{Errc::io_error, "cannot read the CA file " + options.ca_file};
        return Error{Errc::invalid_argument, "the CA file " + options.ca_file + " is not a PEM certificate"};
      }
    }
    auto validator = Validator::create();
    if (!validator) return validator.error();
    auto impl = std::make_shared<Impl>(options, std::move(validator).value());
    if (impl->options.base_url.empty()) {
      MockServerOptions mock_options;
      mock_options.host = "127.0.0.1";
      mock_options.port = 0;
      // Every scenario run has a key of its own, used only while it runs: a short memory of
      // accounts and idempotency keys keeps a replay of millions of scenarios in flat memory.
      mock_options.mock.max_accounts = 10000;
      mock_options.mock.idempotency_capacity = 10000;
      auto server = MockServer::start(mock_options);
      if (!server) return Error{Errc::io_error, "the embedded mock could not start: " + server.error().message};
      impl->mock = std::move(server).value();
      impl->url = impl->mock->url();
    } else {
      impl->url = impl->options.base_url;
      if (impl->url.back() == '/') impl->url.pop_back();
    }
    auto endpoint = parse_base_url(impl->url);
    if (!endpoint) return endpoint.error();
    impl->endpoint = std::move(endpoint).value();
    return Replayer(std::move(impl));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("cannot create the replayer: ") + e.what()};
  }
}

ScenarioResult Replayer::run(const Scenario& scenario) const noexcept { return session().run(scenario); }

Replayer::Session Replayer::session() const noexcept { return Session(impl_); }

Replayer::Session::Session(std::shared_ptr<const Impl> impl) noexcept {
  try {
    state_ = std::make_unique<State>();
    state_->impl = std::move(impl);
  } catch (...) {
    state_.reset();  // run() reports it
  }
}
Replayer::Session::Session(Session&&) noexcept = default;
Replayer::Session& Replayer::Session::operator=(Session&&) noexcept = default;
Replayer::Session::~Session() = default;

ScenarioResult Replayer::Session::run(const Scenario& scenario) noexcept {
  const auto start = SteadyClock::now();
  ScenarioResult result;
  try {
    if (!state_) throw std::bad_alloc();
    if (!state_->client) state_->client = state_->impl->make_client();
    if (!state_->client) {
      result.id = scenario.id;
      result.source = scenario.source();
      result.outcome = Outcome::error;
      result.error = "cannot make a client for " + state_->impl->url;
    } else {
      result = state_->impl->run(scenario, *state_->client);
    }
  } catch (const std::exception& e) {
    result.id = scenario.id;
    result.outcome = Outcome::error;
    result.error = std::string("internal error: ") + e.what();
    if (state_ && state_->client) state_->client->stop();
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
  return result;
}

std::string Replayer::base_url() const { return impl_->url; }
const ReplayOptions& Replayer::options() const noexcept { return impl_->options; }

ScenarioResult Replayer::Impl::run(const Scenario& scenario, httplib::Client& client) const {
  ScenarioResult result;
  result.id = scenario.id;
  result.source = scenario.source();

  // The key as resolve_request will read it: only to take it out of every result string.
  const char* key = std::getenv(options.api_key_env.c_str());
  const Redactor redact(key != nullptr ? key : "");
  auto fail_scenario = [&](std::string message) {
    result.outcome = Outcome::error;
    result.error = redact(std::move(message));
    return result;
  };

  if (endpoint.scheme == "http" && !options.allow_insecure_http && !is_loopback(endpoint.host)) {
    for (const Step& step : scenario.steps) {
      for (const auto& header : step.request.headers) {
        if (detail::iequals(header.first, "Authorization")) {
          return fail_scenario("refusing to send an API key over plain http to " + endpoint.host +
                               " (use https, or allow insecure http)");
        }
      }
    }
  }

  VariableValues values;
  values.api_key_env = options.api_key_env;
  values.idempotency_key = make_idempotency_key();
  values.variables = options.variables;
  // The embedded mock keeps one account per API key: a fresh key is a fresh state, so scenarios
  // are independent whatever runs beside them.
  if (mock) values.api_key = "sk_test_replay_" + make_idempotency_key().substr(3);

  for (std::size_t index = 0; index < scenario.steps.size(); ++index) {
    const Step& step = scenario.steps[index];
    auto resolved = resolve_request(step.request, values);
    if (!resolved) {
      return fail_scenario("step " + std::to_string(index + 1) + ": " + resolved.error().message);
    }
    const HttpRequest& request = resolved.value();
    StepResult step_result;

    // The request contract is PATCH's; a GET recorded to look at the state is not held to it.
    if (recorded_2xx(step.response.status) && request.method == "PATCH") {
      nlohmann::json document = {{"method", request.method}, {"path", request.target}};
      nlohmann::json headers = nlohmann::json::object();
      for (const auto& header : request.headers) headers[header.first] = header.second;
      document["headers"] = std::move(headers);
      if (step.request.body) {
        document["body"] = nlohmann::json::parse(request.body, nullptr, false);
      } else if (step.request.raw_body) {
        ParseResult parsed = parse_json(request.body);
        document["body"] = parsed.document ? *parsed.document : nlohmann::json(request.body);
      }
      Report report = validator.validate(Target::request, document);
      for (Violation& violation : report.errors) {
        violation.message = redact(std::move(violation.message));
        step_result.request_warnings.push_back(std::move(violation));
      }
    }

    httplib::Request http_request;
    http_request.method = request.method;
    http_request.path = request.target;
    for (const auto& header : request.headers) http_request.headers.emplace(header.first, header.second);
    http_request.body = request.body;

    const bool resendable = request.method == "GET" || http_request.has_header("Idempotency-Key");
    httplib::Result answer = client.send(http_request);
    for (int attempt = 0; attempt < options.retries && retryable(answer, resendable); ++attempt) {
      std::this_thread::sleep_for(backoff(attempt, &answer));
      if (!answer) client.stop();  // a fresh connection for the next attempt
      answer = client.send(http_request);
    }

    if (!answer) {
      client.stop();  // the next scenario of this session starts on a fresh connection
      Failure failure;
      failure.check = "transport";
      failure.message = describe(answer.error()) + " (" + url + request.target + ")";
      redact.apply(failure);
      step_result.failures.push_back(failure);
      result.steps.push_back(std::move(step_result));
      return fail_scenario("step " + std::to_string(index + 1) + ": " + failure.message);
    }

    const httplib::Response& response = *answer;
    step_result.status_code = response.status;
    step_result.transient = detail::iequals(response.get_header_value("Transient-Error"), "true");
    Headers headers;
    headers.reserve(response.headers.size());
    for (const auto& header : response.headers) headers.emplace_back(header.first, header.second);
    step_result.failures = match_response(step, response.status, headers, response.body);

    const int status_class = response.status / 100;
    if (status_class == 2 || status_class == 4 || status_class == 5) {
      const Target target = status_class == 2 ? Target::customer : Target::error;
      const Report report = validator.validate_text(target, response.body);
      const bool not_json = std::any_of(report.errors.begin(), report.errors.end(),
                                        [](const Violation& v) { return v.keyword == "syntax"; });
      if (!not_json && !(status_class != 2 && response.body.empty())) {
        for (const Violation& violation : report.errors) {
          Failure failure;
          failure.check = "schema";
          failure.path = violation.path;
          failure.expected = target == Target::customer ? "a Customer" : "an error body";
          failure.message = violation.message;
          step_result.failures.push_back(std::move(failure));
        }
      }
    }
    for (Failure& failure : step_result.failures) redact.apply(failure);
    if (!step_result.failures.empty()) result.outcome = Outcome::failed;
    result.steps.push_back(std::move(step_result));
  }
  return result;
}

}  // namespace alguna::contract
