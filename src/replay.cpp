// The replay engine: one scenario's steps sent over one kept-alive libcurl handle (http_client.hpp),
// each answer checked by match_response and the schemas.
#include <alguna/contract/replay.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include <alguna/contract/mock.hpp>
#include <alguna/contract/validator.hpp>

#include "http_client.hpp"
#include "text.hpp"

namespace alguna::contract {

namespace {

using SteadyClock = std::chrono::steady_clock;
using detail::Answer;
using detail::Endpoint;
using detail::HttpClient;
using detail::describe;
using detail::is_loopback;
using detail::parse_base_url;

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

std::chrono::milliseconds backoff(int attempt, const Answer& answer) {
  if (const std::string* value = answer ? answer.header("Retry-After") : nullptr) {
    if (!value->empty() && value->size() <= 9 &&
        std::all_of(value->begin(), value->end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
      return std::min(std::chrono::milliseconds(std::atol(value->c_str()) * 1000), std::chrono::milliseconds(30000));
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
bool retryable(const Answer& answer, bool resendable) {
  if (!answer) {
    switch (answer.code) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_SSL_CONNECT_ERROR: return true;
      case CURLE_OPERATION_TIMEDOUT: return !answer.connected || resendable;
      case CURLE_GOT_NOTHING:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_PARTIAL_FILE: return resendable;
      default: return false;
    }
  }
  if (answer.status == 429 || answer.status == 503) return true;
  const std::string* transient = answer.header("Transient-Error");
  return transient != nullptr && detail::iequals(*transient, "true");
}

bool recorded_2xx(const ExpectedStatus& status) {
  return status.code != 0 ? status.code / 100 == 2 : status.status_class == 2;
}

}  // namespace

const std::vector<std::string>& replay_check_names() {
  static const std::vector<std::string> names = {"status", "content-type", "schema", "body", "header"};
  return names;
}

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
  std::string account_key = "sk_test_replay_" + make_idempotency_key().substr(3);  // one_account

  Impl(ReplayOptions o, Validator v) : options(std::move(o)), validator(std::move(v)) {}
  ~Impl() {
    if (mock) mock->stop();
  }

  ScenarioResult run(const Scenario& scenario, HttpClient& client) const;

  std::unique_ptr<HttpClient> make_client() const {
    detail::HttpClientOptions client_options;
    client_options.timeout = options.timeout;
    client_options.ca_file = options.ca_file;
    auto client = std::make_unique<HttpClient>(endpoint.url(), client_options);
    if (!client->valid()) return nullptr;
    return client;
  }
};

struct Replayer::Session::State {
  std::shared_ptr<const Replayer::Impl> impl;
  std::unique_ptr<HttpClient> client;
};

Replayer::Replayer(std::shared_ptr<const Impl> impl) noexcept : impl_(std::move(impl)) {}

Result<Replayer> Replayer::create(ReplayOptions options) noexcept {
  try {
    // Before any thread makes a handle.
    if (!detail::curl_ready()) return Error{Errc::internal, "libcurl could not be initialised"};
    if (options.retries < 0 || options.retries > 100) {
      return Error{Errc::invalid_argument, "retries must be between 0 and 100"};
    }
    if (options.timeout.count() <= 0) return Error{Errc::invalid_argument, "the timeout must be positive"};
    const auto& check_names = replay_check_names();
    for (const std::string& check : options.checks) {
      if (std::find(check_names.begin(), check_names.end(), check) == check_names.end()) {
        return Error{Errc::invalid_argument,
                     "unknown check \"" + detail::printable(check) + "\" (status, content-type, schema, body, header)"};
      }
    }
    if (!options.ca_file.empty()) {
      if (Error error = detail::check_ca_file(options.ca_file)) return error;
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
    if (state_ && state_->client) state_->client->drop_connection();
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
  return result;
}

std::string Replayer::base_url() const { return impl_->url; }
const ReplayOptions& Replayer::options() const noexcept { return impl_->options; }

ScenarioResult Replayer::Impl::run(const Scenario& scenario, HttpClient& client) const {
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
  if (mock) {
    values.api_key = options.one_account ? account_key : "sk_test_replay_" + make_idempotency_key().substr(3);
  }

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

    bool resendable = request.method == "GET";
    for (const auto& header : request.headers) resendable = resendable || detail::iequals(header.first, "Idempotency-Key");
    Answer answer = client.send(request, resendable);
    for (int attempt = 0; attempt < options.retries && retryable(answer, resendable); ++attempt) {
      std::this_thread::sleep_for(backoff(attempt, answer));
      answer = client.send(request, resendable);
    }

    if (!answer) {
      Failure failure;
      failure.check = "transport";
      failure.message = describe(answer) + " (" + url + detail::shorten(request.target, 200) + ")";
      redact.apply(failure);
      step_result.failures.push_back(failure);
      result.steps.push_back(std::move(step_result));
      return fail_scenario("step " + std::to_string(index + 1) + ": " + failure.message);
    }

    const Answer& response = answer;
    step_result.status_code = response.status;
    const std::string* transient = response.header("Transient-Error");
    step_result.transient = transient != nullptr && detail::iequals(*transient, "true");
    step_result.failures = match_response(step, response.status, response.headers, response.body);

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
    if (!options.checks.empty()) {
      auto& failures = step_result.failures;
      failures.erase(std::remove_if(failures.begin(), failures.end(),
                                    [&](const Failure& failure) { return options.checks.count(failure.check) == 0; }),
                     failures.end());
    }
    for (Failure& failure : step_result.failures) redact.apply(failure);
    if (!step_result.failures.empty()) result.outcome = Outcome::failed;
    result.steps.push_back(std::move(step_result));
  }
  return result;
}

}  // namespace alguna::contract
