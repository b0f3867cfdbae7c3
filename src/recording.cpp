// The rules are in recording.hpp and corpus/README.md ("Importing and recording").
#include <alguna/contract/recording.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include <alguna/contract/formats.hpp>

#include "text.hpp"

namespace alguna::contract {

namespace {

using nlohmann::json;
using detail::iequals;

constexpr std::string_view kApiKeyVariable = "${ALGUNA_API_KEY}";
constexpr std::string_view kIdempotencyVariable = "${IDEMPOTENCY_KEY}";
constexpr const char* kRedacted = "[redacted]";

// The contract's request headers (update-customer-headers.schema.json), as they are written out.
constexpr const char* kRequestHeaders[] = {"Alguna-Version", "Authorization", "Idempotency-Key", "Content-Type"};
// The response headers the contract promises (API-FACTS.md "Idempotency"; Allow on a 405).
constexpr const char* kResponseHeaders[] = {"Idempotent-Replayed", "Transient-Error", "Allow"};

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

struct Credentials {
  std::string scheme;      // empty when the value is a bare credential
  std::string credential;  // empty when there is none ("Bearer", "")
};

// RFC 9110 section 11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ].
Credentials split_credentials(std::string_view value) {
  value = trim(value);
  const std::size_t space = value.find_first_of(" \t");
  if (space == std::string_view::npos) {
    // A lone word is a scheme with nothing after it only when it names one; otherwise it is the
    // credential itself (some clients send the bare key).
    for (const char* scheme : {"Bearer", "Basic", "Digest", "Token"}) {
      if (iequals(value, scheme)) return {std::string(value), {}};
    }
    return {{}, std::string(value)};
  }
  return {std::string(value.substr(0, space)), std::string(trim(value.substr(space)))};
}

// "${" would start a variable in a recorded request: "$${" is the literal (corpus/README.md).
std::string escape_variables(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') out += '$';
    out += text[i];
  }
  return out;
}

class Scrubber {
 public:
  // Longest first, so that a secret holding another is replaced whole.
  void add(std::string secret) {
    if (secret.empty() || std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    secrets_.push_back(std::move(secret));
    std::stable_sort(secrets_.begin(), secrets_.end(),
                     [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }

  bool holds_secret(std::string_view text) const {
    return std::any_of(secrets_.begin(), secrets_.end(),
                       [&](const std::string& s) { return text.find(s) != std::string_view::npos; });
  }

  // A request string: literal text escaped, each secret as ${ALGUNA_API_KEY}.
  std::string request_text(std::string_view text) const {
    std::string out;
    std::size_t from = 0;
    while (from <= text.size()) {
      std::size_t at = std::string_view::npos;
      std::size_t length = 0;
      for (const std::string& secret : secrets_) {
        const std::size_t found = text.find(secret, from);
        if (found < at) {
          at = found;
          length = secret.size();
        }
      }
      if (at == std::string_view::npos) {
        out += escape_variables(text.substr(from));
        break;
      }
      out += escape_variables(text.substr(from, at - from));
      out += kApiKeyVariable;
      from = at + length;
    }
    return out;
  }

  // Text where no variable is substituted (object keys, responses): each secret as "[redacted]".
  std::string literal_text(std::string_view text) const {
    std::string out(text);
    const std::size_t redacted_size = std::string_view(kRedacted).size();
    for (const std::string& secret : secrets_) {
      // Searching on after the replacement: a secret found inside "[redacted]" would never end.
      for (std::size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + redacted_size)) {
        out.replace(at, secret.size(), kRedacted);
      }
    }
    return out;
  }

  // A request body: string values as request_text(), keys (never substituted) as literal_text().
  json request_json(const json& value) const {
    if (value.is_string()) return request_text(value.get_ref<const std::string&>());
    if (value.is_array()) {
      json out = json::array();
      for (const auto& item : value) out.push_back(request_json(item));
      return out;
    }
    if (value.is_object()) {
      json out = json::object();
      for (const auto& item : value.items()) out[literal_text(item.key())] = request_json(item.value());
      return out;
    }
    return value;
  }

  // A response body: a string holding a secret becomes "[redacted]", its pointer added to
  // `redacted` (a "type" rule then accepts whatever string the endpoint sends there).
  json response_json(const json& value, const std::string& pointer, std::vector<std::string>& redacted) const {
    if (value.is_string()) {
      if (!holds_secret(value.get_ref<const std::string&>())) return value;
      redacted.push_back(pointer);
      return kRedacted;
    }
    if (value.is_array()) {
      json out = json::array();
      for (std::size_t i = 0; i < value.size(); ++i) {
        out.push_back(response_json(value[i], pointer + "/" + std::to_string(i), redacted));
      }
      return out;
    }
    if (value.is_object()) {
      json out = json::object();
      for (const auto& item : value.items()) {
        const std::string key = literal_text(item.key());
        out[key] = response_json(item.value(), pointer + "/" + escape_pointer_token(key), redacted);
      }
      return out;
    }
    return value;
  }

 private:
  std::vector<std::string> secrets_;
};

// A key the endpoint would store (1 to 255 visible characters): replaced by a fresh one on each
// run. Any other value is refused without being stored, so it is kept as recorded (a negative
// scenario about the key itself).
bool is_storable_key(std::string_view key) {
  const std::size_t length = detail::count_code_points(key);
  return length >= 1 && length <= 255 && check_format(Format::header_value, key);
}

bool is_preflight(const HttpExchange& exchange) {
  return exchange.method == "OPTIONS" && find_header(exchange.request_headers, "Access-Control-Request-Method") != nullptr;
}

bool is_json_body(const std::string* content_type) {
  return content_type != nullptr && check_format(Format::json_media_type, *content_type);
}

std::string path_only(std::string_view target) {
  const std::string form = origin_form(target);
  return form.substr(0, form.find('?'));
}

}  // namespace

std::string origin_form(std::string_view target) {
  std::string_view rest = target;
  const std::size_t scheme_end = rest.find("://");
  const std::size_t first_slash = rest.find('/');
  if (scheme_end != std::string_view::npos && scheme_end < first_slash) {
    rest.remove_prefix(scheme_end + 3);
    const std::size_t path_start = rest.find_first_of("/?#");
    rest = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  }
  rest = rest.substr(0, rest.find('#'));
  std::string out(rest);
  if (out.empty() || out.front() == '?') out.insert(out.begin(), '/');
  return out;
}

bool is_customer_path(std::string_view target) noexcept {
  try {
    const std::string path = path_only(target);
    constexpr std::string_view prefix = "/customers/";
    if (path.compare(0, prefix.size(), prefix) != 0) return false;
    const std::string_view segment = std::string_view(path).substr(prefix.size());
    return !segment.empty() && segment.find('/') == std::string_view::npos && segment != "." && segment != "..";
  } catch (...) {
    return false;
  }
}

std::vector<std::string> credentials_in(const HttpExchange& exchange) {
  std::vector<std::string> found;
  for (const auto& [name, value] : exchange.request_headers) {
    if (!iequals(name, "Authorization") && !iequals(name, "Proxy-Authorization")) continue;
    Credentials credentials = split_credentials(value);
    if (!credentials.credential.empty()) found.push_back(std::move(credentials.credential));
  }
  return found;
}

struct ScenarioRecorder::Impl {
  RecorderOptions options;
  RecorderStats stats;
  Scrubber scrubber;
  std::optional<Scenario> pending;   // steps sharing one recorded Idempotency-Key
  std::string pending_key;
  std::vector<int> pending_statuses;
  std::vector<std::string> pending_summaries;
  std::set<std::string> seen_keys;   // recorded keys already turned into ${IDEMPOTENCY_KEY}

  explicit Impl(RecorderOptions opts) : options(std::move(opts)) {
    for (const std::string& secret : options.secrets) scrubber.add(secret);
  }

  Step make_step(const HttpExchange& exchange) const {
    Step step;
    RecordedRequest& request = step.request;
    request.method = exchange.method;
    request.path = scrubber.request_text(origin_form(exchange.target));
    for (const char* name : kRequestHeaders) {
      const std::string* value = find_header(exchange.request_headers, name);
      if (value == nullptr) continue;
      std::string recorded;
      if (iequals(name, "Authorization")) {
        const Credentials credentials = split_credentials(*value);
        if (credentials.credential.empty()) {
          recorded = scrubber.request_text(*value);
        } else if (credentials.scheme.empty()) {
          recorded = std::string(kApiKeyVariable);
        } else {
          recorded = escape_variables(credentials.scheme) + " " + std::string(kApiKeyVariable);
        }
      } else if (iequals(name, "Idempotency-Key") && is_storable_key(*value)) {
        recorded = std::string(kIdempotencyVariable);
      } else {
        recorded = scrubber.request_text(*value);
      }
      request.headers.emplace(name, std::move(recorded));
    }
    std::optional<json> sent_body;
    if (!exchange.request_body.empty()) {
      ParseResult parsed = parse_json(exchange.request_body);
      if (parsed.ok()) {
        sent_body = std::move(parsed.document);
        request.body = scrubber.request_json(*sent_body);
      } else {
        request.raw_body = scrubber.request_text(exchange.request_body);
      }
    }

    RecordedResponse& response = step.response;
    response.status.code = exchange.status;
    for (const char* name : kResponseHeaders) {
      const std::string* value = find_header(exchange.response_headers, name);
      if (value != nullptr && !scrubber.holds_secret(*value)) response.headers.emplace(name, *value);
    }
    if (!exchange.response_body.empty() && is_json_body(find_header(exchange.response_headers, "Content-Type"))) {
      ParseResult parsed = parse_json(exchange.response_body);
      if (parsed.ok()) {
        std::vector<std::string> redacted;
        response.body = scrubber.response_json(*parsed.document, "", redacted);
        for (std::string& pointer : redacted) step.match.push_back(MatchRule{std::move(pointer), MatchKind::type, {}, {}});
        add_generated_rules(step, sent_body);
      }
    }
    return step;
  }

  // What the endpoint generates on every run (API-FACTS.md: updated_at is a date-time; contacts
  // not sent with an id they keep get a fresh one).
  static void add_generated_rules(Step& step, const std::optional<json>& sent_body) {
    const json& body = *step.response.body;
    if (!body.is_object() || !body.contains("updated_at")) return;
    const auto add_rule = [&](std::string pointer, MatchKind kind) {
      const bool present = std::any_of(step.match.begin(), step.match.end(),
                                       [&](const MatchRule& rule) { return rule.pointer == pointer; });
      if (!present) step.match.push_back(MatchRule{std::move(pointer), kind, {}, {}});
    };
    add_rule("/updated_at", MatchKind::date_time);
    const auto contacts = body.find("contacts");
    if (contacts == body.end() || !contacts->is_array()) return;
    std::set<std::string> sent_ids;
    if (sent_body && sent_body->is_object()) {
      const auto sent = sent_body->find("contacts");
      if (sent != sent_body->end() && sent->is_array()) {
        for (const json& contact : *sent) {
          if (contact.is_object() && contact.contains("id") && contact["id"].is_string()) {
            sent_ids.insert(contact["id"].get<std::string>());
          }
        }
      }
    }
    for (std::size_t i = 0; i < contacts->size(); ++i) {
      const json& contact = (*contacts)[i];
      if (!contact.is_object() || !contact.contains("id")) continue;
      const json& id = contact["id"];
      if (id.is_string() && sent_ids.count(id.get<std::string>()) != 0) continue;
      add_rule("/contacts/" + std::to_string(i) + "/id", MatchKind::type);
    }
  }

  static std::string summary(const Step& step) {
    return step.request.method + " " + step.request.path + " -> " + std::to_string(step.response.status.code);
  }

  Scenario complete(Scenario scenario, const std::vector<int>& statuses, const std::vector<std::string>& summaries) {
    ++stats.scenarios;
    scenario.id = options.id_prefix + "-" + std::to_string(stats.scenarios);
    scenario.file = options.source;
    scenario.line = stats.scenarios;
    scenario.tags = options.tags;
    const auto failed = std::find_if(statuses.begin(), statuses.end(), [](int s) { return s < 200 || s > 299; });
    if (failed == statuses.end()) {
      scenario.tags.push_back("positive");
    } else {
      scenario.tags.push_back("negative");
      scenario.tags.push_back(std::to_string(*failed));
    }
    for (std::size_t i = 0; i < summaries.size(); ++i) {
      scenario.description += (i == 0 ? "" : ", then ") + summaries[i];
    }
    if (summaries.size() > 1) scenario.description += " (one Idempotency-Key)";
    return scenario;
  }

  void flush(std::vector<Scenario>& out) {
    if (!pending) return;
    out.push_back(complete(std::move(*pending), pending_statuses, pending_summaries));
    pending.reset();
    pending_key.clear();
    pending_statuses.clear();
    pending_summaries.clear();
  }

  std::vector<Scenario> add(const HttpExchange& exchange) {
    ++stats.exchanges;
    std::vector<Scenario> out;
    if (exchange.status < 100 || exchange.status > 599) {
      ++stats.skipped_no_response;
      return out;
    }
    if (is_preflight(exchange)) {
      ++stats.skipped_preflight;
      return out;
    }
    if (!is_customer_path(exchange.target)) {
      ++stats.skipped_other_path;
      return out;
    }
    ++stats.kept;
    for (std::string& secret : credentials_in(exchange)) scrubber.add(std::move(secret));
    Step step = make_step(exchange);

    const std::string* key = find_header(exchange.request_headers, "Idempotency-Key");
    const bool keyed = key != nullptr && is_storable_key(*key);
    if (keyed && pending && *key == pending_key) {
      pending_statuses.push_back(exchange.status);
      pending_summaries.push_back(summary(step));
      pending->steps.push_back(std::move(step));
      return out;
    }
    flush(out);
    std::vector<int> statuses = {exchange.status};
    std::vector<std::string> summaries = {summary(step)};
    Scenario scenario;
    scenario.steps.push_back(std::move(step));
    if (!keyed) {
      out.push_back(complete(std::move(scenario), statuses, summaries));
      return out;
    }
    if (!seen_keys.insert(*key).second) ++stats.reused_keys;
    pending = std::move(scenario);
    pending_key = *key;
    pending_statuses = std::move(statuses);
    pending_summaries = std::move(summaries);
    return out;
  }
};

ScenarioRecorder::ScenarioRecorder(RecorderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
ScenarioRecorder::ScenarioRecorder(ScenarioRecorder&&) noexcept = default;
ScenarioRecorder& ScenarioRecorder::operator=(ScenarioRecorder&&) noexcept = default;
ScenarioRecorder::~ScenarioRecorder() = default;

Result<std::vector<Scenario>> ScenarioRecorder::add(const HttpExchange& exchange) noexcept {
  try {
    return impl_->add(exchange);
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("recording an exchange failed: ") + e.what()};
  }
}

Result<std::vector<Scenario>> ScenarioRecorder::finish() noexcept {
  try {
    std::vector<Scenario> out;
    impl_->flush(out);
    return out;
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("recording failed: ") + e.what()};
  }
}

const RecorderStats& ScenarioRecorder::stats() const noexcept { return impl_->stats; }

// --- HAR -----------------------------------------------------------------------------------------

namespace {

struct HarProblem {
  std::string message;
};

[[noreturn]] void har_fail(std::string message) { throw HarProblem{std::move(message)}; }

const char* kind_of(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    default: return "something else";
  }
}

const json& member_object(const json& parent, const char* key, const std::string& where) {
  const auto it = parent.find(key);
  if (it == parent.end()) har_fail(where + ": missing \"" + key + "\"");
  if (!it->is_object()) har_fail(where + "." + key + ": expected an object, got " + kind_of(*it));
  return *it;
}

// An optional string member: absent or null gives nothing.
std::optional<std::string> optional_string(const json& parent, const char* key, const std::string& where) {
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) har_fail(where + "." + key + ": expected a string, got " + kind_of(*it));
  return it->get<std::string>();
}

std::string required_string(const json& parent, const char* key, const std::string& where) {
  if (!parent.contains(key)) har_fail(where + ": missing \"" + key + "\"");
  return *optional_string(parent, key, where);
}

Headers read_headers(const json& parent, const std::string& where) {
  Headers headers;
  const auto it = parent.find("headers");
  if (it == parent.end() || it->is_null()) return headers;
  if (!it->is_array()) har_fail(where + ".headers: expected an array of {\"name\", \"value\"}, got " + kind_of(*it));
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& header = (*it)[i];
    const std::string at = where + ".headers[" + std::to_string(i) + "]";
    if (!header.is_object()) har_fail(at + ": expected an object {\"name\", \"value\"}, got " + kind_of(header));
    std::string name = required_string(header, "name", at);
    std::string value = optional_string(header, "value", at).value_or("");
    headers.emplace_back(std::move(name), std::move(value));
  }
  return headers;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// RFC 4648 base64 (and its URL-safe alphabet); padding optional, line breaks ignored (some
// exporters wrap long values).
std::optional<std::string> decode_base64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int count = 0;
  bool padding = false;
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int value = base64_value(c);
    if (value < 0 || padding) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
      count = 0;
    }
  }
  if (count == 1) return std::nullopt;
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xFF);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xFF);
    out += static_cast<char>((bits >> 2) & 0xFF);
  }
  return out;
}

// A body's text (postData or content): "text" when given, decoded per "encoding".
std::string read_text(const json& holder, const std::string& where) {
  std::optional<std::string> text = optional_string(holder, "text", where);
  if (!text) return {};
  const std::optional<std::string> encoding = optional_string(holder, "encoding", where);
  if (!encoding || encoding->empty()) return std::move(*text);
  if (!iequals(*encoding, "base64")) {
    har_fail(where + ".encoding: " + detail::quote(*encoding) + " is not supported (HAR 1.2 defines \"base64\")");
  }
  std::optional<std::string> decoded = decode_base64(*text);
  if (!decoded) har_fail(where + ".text: not valid base64 (encoding is \"base64\")");
  return std::move(*decoded);
}

// An RFC 3339 date-time as nanoseconds since 1970-01-01T00:00:00Z (fraction digits past the ninth
// are dropped), or nothing when it is not one.
std::optional<std::int64_t> instant_of(std::string_view text) {
  if (!is_rfc3339_date_time(text)) return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t digits) {
    std::int64_t value = 0;
    for (std::size_t i = at; i < at + digits; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  // Days from 1970-01-01 in the proleptic Gregorian calendar: count from a year that starts in
  // March, so that the leap day ends a year, in 400-year eras of 146097 days.
  const std::int64_t month = number(5, 2);
  const std::int64_t year = number(0, 4) - (month <= 2 ? 1 : 0);
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + number(8, 2) - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const std::int64_t days = era * 146097 + day_of_era - 719468;
  std::int64_t seconds = days * 86400 + number(11, 2) * 3600 + number(14, 2) * 60 + number(17, 2);
  std::int64_t nanos = 0;
  std::size_t at = 19;
  if (text[at] == '.') {
    std::int64_t scale = 100000000;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10) {
      nanos += (text[at] - '0') * scale;
    }
  }
  if (text[at] == '+' || text[at] == '-') {  // local time = UTC + offset
    const std::int64_t offset = number(at + 1, 2) * 3600 + number(at + 4, 2) * 60;
    seconds += text[at] == '+' ? -offset : offset;
  }
  return seconds * 1000000000 + nanos;
}

HttpExchange read_entry(const json& entry, const std::string& where) {
  if (!entry.is_object()) har_fail(where + ": expected an object, got " + kind_of(entry));
  HttpExchange exchange;
  exchange.started_at = optional_string(entry, "startedDateTime", where);
  const std::string request_at = where + ".request";
  const json& request = member_object(entry, "request", where);
  exchange.method = required_string(request, "method", request_at);
  exchange.target = required_string(request, "url", request_at);
  exchange.request_headers = read_headers(request, request_at);
  if (const auto post = request.find("postData"); post != request.end() && !post->is_null()) {
    if (!post->is_object()) har_fail(request_at + ".postData: expected an object, got " + kind_of(*post));
    exchange.request_body = read_text(*post, request_at + ".postData");
  }
  // Exporters write an aborted or blocked request with status 0 (Chrome, Firefox) or -1
  // (Playwright), some with no response at all: all of them mean "no response".
  const auto response = entry.find("response");
  if (response == entry.end() || response->is_null()) return exchange;
  const std::string response_at = where + ".response";
  if (!response->is_object()) har_fail(response_at + ": expected an object, got " + kind_of(*response));
  if (const auto status = response->find("status"); status != response->end() && !status->is_null()) {
    if (!status->is_number()) har_fail(response_at + ".status: expected a number, got " + kind_of(*status));
    const double code = status->get<double>();
    exchange.status = code >= 0 && code <= 999 ? static_cast<int>(code) : -1;
  }
  exchange.response_headers = read_headers(*response, response_at);
  if (const auto content = response->find("content"); content != response->end() && !content->is_null()) {
    if (!content->is_object()) har_fail(response_at + ".content: expected an object, got " + kind_of(*content));
    exchange.response_body = read_text(*content, response_at + ".content");
  }
  return exchange;
}

}  // namespace

Result<HarLog> read_har(std::string_view text, const ParseLimits& limits) noexcept {
  try {
    ParseResult parsed = parse_json(text, limits);
    if (!parsed.document) {
      std::string reason = "not JSON";
      if (!parsed.errors.empty()) {
        const Violation& first = parsed.errors.front();
        reason += ": ";
        if (first.line > 0) reason += "line " + std::to_string(first.line) + ", column " + std::to_string(first.column) + ": ";
        reason += first.message;
      }
      return Error{Errc::invalid_argument, "not a HAR file: " + reason};
    }
    const json& root = *parsed.document;
    if (!root.is_object()) return Error{Errc::invalid_argument, std::string("not a HAR file: the top level is ") + kind_of(root) + ", expected an object with \"log\""};
    const auto log = root.find("log");
    if (log == root.end()) return Error{Errc::invalid_argument, "not a HAR file: the top-level object has no \"log\""};
    if (!log->is_object()) return Error{Errc::invalid_argument, std::string("not a HAR file: \"log\" is ") + kind_of(*log) + ", expected an object"};
    const auto entries = log->find("entries");
    if (entries == log->end()) return Error{Errc::invalid_argument, "not a HAR file: log: missing \"entries\""};
    if (!entries->is_array()) return Error{Errc::invalid_argument, std::string("not a HAR file: log.entries is ") + kind_of(*entries) + ", expected an array"};

    HarLog har;
    if (const auto creator = log->find("creator"); creator != log->end() && creator->is_object()) {
      const auto name = creator->find("name");
      const auto version = creator->find("version");
      if (name != creator->end() && name->is_string()) har.creator = name->get<std::string>();
      if (version != creator->end() && version->is_string() && !version->get_ref<const std::string&>().empty()) {
        har.creator += (har.creator.empty() ? "" : " ") + version->get<std::string>();
      }
    }
    har.exchanges.reserve(entries->size());
    for (std::size_t i = 0; i < entries->size(); ++i) {
      har.exchanges.push_back(read_entry((*entries)[i], "log.entries[" + std::to_string(i) + "]"));
    }
    std::vector<std::pair<std::int64_t, std::size_t>> order;  // (start, index in the file)
    order.reserve(har.exchanges.size());
    for (const HttpExchange& exchange : har.exchanges) {
      const std::optional<std::int64_t> start = exchange.started_at ? instant_of(*exchange.started_at) : std::nullopt;
      if (!start) break;
      order.emplace_back(*start, order.size());
    }
    if (order.size() == har.exchanges.size() && !std::is_sorted(order.begin(), order.end())) {
      std::sort(order.begin(), order.end());  // the index breaks ties: stable
      std::vector<HttpExchange> sorted;
      sorted.reserve(order.size());
      for (const auto& [start, index] : order) sorted.push_back(std::move(har.exchanges[index]));
      har.exchanges = std::move(sorted);
      har.reordered = true;
    }
    return har;
  } catch (const HarProblem& problem) {
    return Error{Errc::invalid_argument, "not a valid HAR file: " + problem.message};
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("reading the HAR failed: ") + e.what()};
  }
}

}  // namespace alguna::contract
