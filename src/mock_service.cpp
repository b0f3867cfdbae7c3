// The mock's behaviour, with no sockets (MockServer in mock_server.cpp puts it behind HTTP).
//
// Choices where the published docs are silent (README "The mock"):
//   - `null` in the body leaves a field unchanged;
//   - a contact sent with the id of one of the customer's contacts keeps it; any other contact
//     (no id, or an id the customer does not have, like the doc's "<string>") gets a fresh one;
//   - checks run in this order: route (404/405), Authorization (401), other headers (400),
//     Content-Type (415), idempotency key (409/422/replay), size (413), JSON (400), id (404),
//     body schema (422);
//   - an idempotent result is stored only for requests that executed (200, and 404 for an
//     unknown id); a request refused by validation leaves the key free for a corrected retry;
//   - each API key is its own account with its own copy of the starting customers (a real key
//     belongs to one account), at most max_accounts of them, the least recently used forgotten.
#include <alguna/contract/mock.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <alguna/contract/formats.hpp>
#include <alguna/contract/json.hpp>
#include <alguna/contract/validator.hpp>
#include <alguna/contract/version.hpp>

#include "text.hpp"

namespace alguna::contract {

using nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

using detail::iequals;

namespace {

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

// RFC 3339 in UTC with milliseconds: "2026-04-01T12:30:00.123Z".
std::string rfc3339(TimePoint time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  std::time_t t = static_cast<std::time_t>(seconds.count());
  if (millis < 0) {
    millis += 1000;
    --t;
  }
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return text;
}

HttpResponse json_response(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

// {"status": N, "detail": "..."}: the published error shape (error.schema.json).
HttpResponse error_response(int status, const std::string& detail) {
  return json_response(status, {{"status", status}, {"detail", detail.empty() ? "error" : detail}});
}

// Compares without an early exit, so the time taken says nothing about where keys differ.
bool constant_time_equals(std::string_view a, std::string_view b) {
  const std::size_t length = std::max(a.size(), b.size());
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < length; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    difference = static_cast<unsigned char>(difference | (x ^ y));
  }
  return difference == 0;
}

// The token of "Bearer <token>", the scheme case-insensitive (RFC 9110 section 11.1).
std::string_view bearer_token(std::string_view value) {
  if (value.size() < 7 || !iequals(value.substr(0, 6), "Bearer") || value[6] != ' ') return {};
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The decoded {id} of "/customers/{id}" (RFC 3986 percent-encoding), or nothing.
std::optional<std::string> customer_id_of(std::string_view path) {
  if (!check_format(Format::customer_path, path)) return std::nullopt;
  const std::string_view segment = path.substr(std::string_view("/customers/").size());
  std::string id;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size()) {
      const int high = hex_value(segment[i + 1]);
      const int low = hex_value(segment[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      id += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      id += segment[i];
    }
  }
  return id;
}

// "/contacts/0/email: message" for details; the pointer "(root)" for the document.
std::string describe(const Violation& violation) {
  return display_path(violation.path) + ": " + violation.message;
}

}  // namespace

const std::string* HttpResponse::header(std::string_view name) const noexcept {
  return find_header(headers, name);
}

json default_customer() {
  json customer = {
      {"created_at", "2026-04-01T10:00:00Z"},
      {"currency", "USD"},
      {"id", "cust_abc123"},
      {"name", "Acme Corp"},
      {"updated_at", "2026-04-01T12:30:00Z"},
      {"aliases", {"acme"}},
      {"billing_address",
       {{"city", "San Francisco"},
        {"country", "USA"},
        {"line1", "123 Main St"},
        {"postal_code", "94105"},
        {"state", "CA"},
        {"line2", "Suite 100"}}},
      {"contacts",
       {{{"email", "john@example.com"},
         {"id", "cont_abc123"},
         {"is_primary", true},
         {"email_preferences", {"<string>"}},
         {"first_name", "John"},
         {"last_name", "Doe"}}}},
      {"tax_country", "DE"},
      {"tax_id", "DE123456789"},
      {"tax_rate", "0.20"},
      {"tax_reason", "standard_rated"},
      {"tax_status", "taxable"},
      {"tax_type", "vat"}};
  return customer;
}

namespace {

// Ids and aliases must each name one customer.
Error check_customers(const std::vector<json>& customers, const Validator& validator, const std::string& origin) {
  std::map<std::string, std::size_t> names;  // id or alias -> entry
  for (std::size_t i = 0; i < customers.size(); ++i) {
    const std::string where = origin + "entry " + std::to_string(i);
    const Report report = validator.validate(Target::customer, customers[i]);
    if (!report.valid) {
      return Error{Errc::invalid_argument, where + " is not a valid Customer: " + describe(report.errors.front())};
    }
    std::vector<std::string> own = {customers[i]["id"].get<std::string>()};
    if (auto aliases = customers[i].find("aliases"); aliases != customers[i].end()) {
      for (const auto& alias : *aliases) own.push_back(alias.get<std::string>());
    }
    for (const auto& name : own) {
      auto [it, inserted] = names.emplace(name, i);
      if (!inserted) {
        return Error{Errc::invalid_argument, where + ": \"" + detail::shorten(name) + "\" already names entry " +
                                                 std::to_string(it->second)};
      }
    }
  }
  return {};
}

}  // namespace

Result<std::vector<json>> load_customers(const std::string& path) noexcept {
  try {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{Errc::io_error, "cannot read " + path};
    std::ostringstream text;
    text << in.rdbuf();
    ParseResult parsed = parse_json(text.str());
    if (!parsed.ok()) {
      const std::string reason = parsed.errors.empty() ? "not JSON" : describe(parsed.errors.front());
      return Error{Errc::invalid_argument, path + ": " + reason};
    }
    if (!parsed.document->is_array()) {
      return Error{Errc::invalid_argument, path + ": expected a JSON array of Customer objects"};
    }
    std::vector<json> customers(parsed.document->begin(), parsed.document->end());
    auto validator = Validator::create();
    if (!validator) return validator.error();
    if (Error e = check_customers(customers, *validator, path + ": ")) return e;
    return customers;
  } catch (const std::exception& e) {
    return Error{Errc::internal, path + ": " + e.what()};
  }
}

struct MockService::Impl {
  MockOptions options;
  Validator validator;

  // One API key's customers. Every member function expects store_mutex held.
  struct Account {
    std::map<std::string, json, std::less<>> customers;  // by id
    std::map<std::string, std::string, std::less<>> alias_to_id;
    std::list<std::string>::iterator recency{};  // this account's place in by_recency (value-initialized: copyable)

    void index_aliases_locked() {
      alias_to_id.clear();
      for (const auto& [id, customer] : customers) {
        if (auto aliases = customer.find("aliases"); aliases != customer.end()) {
          for (const auto& alias : *aliases) alias_to_id.emplace(alias.get<std::string>(), id);
        }
      }
    }

    // By id, then by alias.
    const json* find_locked(std::string_view id_or_alias) const {
      if (auto it = customers.find(id_or_alias); it != customers.end()) return &it->second;
      if (auto alias = alias_to_id.find(id_or_alias); alias != alias_to_id.end()) {
        return &customers.find(alias->second)->second;
      }
      return nullptr;
    }
    json* find_locked(std::string_view id_or_alias) {
      return const_cast<json*>(static_cast<const Account&>(*this).find_locked(id_or_alias));
    }
  };

  mutable std::mutex store_mutex;
  Account seed;                                          // options.customers, validated and indexed once
  std::map<std::string, Account, std::less<>> accounts;  // by API key (the bearer token)
  std::list<std::string> by_recency;                     // the keys of `accounts`, most recently used first

  struct Remembered {
    std::string fingerprint;
    bool in_flight = true;
    TimePoint stored_at;
    std::uint64_t sequence = 0;
    HttpResponse response;
  };
  mutable std::mutex idempotency_mutex;
  mutable std::map<std::string, Remembered> remembered;         // scope + '\n' + key
  mutable std::map<std::uint64_t, std::string> by_age;          // sequence -> map key
  mutable std::uint64_t next_sequence = 0;

  mutable std::mutex random_mutex;
  mutable std::mt19937_64 random;

  Impl(MockOptions opts, Validator v) : options(std::move(opts)), validator(std::move(v)), random(options.seed) {}

  TimePoint now() const { return options.clock ? options.clock() : std::chrono::system_clock::now(); }

  // The account of `api_key`, now the most recently used: O(log n) to find, O(1) to reorder.
  // Created from the seed on first use; at the limit, the least recently used is forgotten first.
  Account& account_locked(std::string_view api_key) {
    if (auto it = accounts.find(api_key); it != accounts.end()) {
      by_recency.splice(by_recency.begin(), by_recency, it->second.recency);
      return it->second;
    }
    if (accounts.size() >= options.max_accounts && !by_recency.empty()) {
      accounts.erase(by_recency.back());
      by_recency.pop_back();
    }
    const auto created = accounts.emplace(std::string(api_key), seed).first;
    try {
      by_recency.push_front(created->first);
    } catch (...) {
      accounts.erase(created);  // an account is never left outside the recency order
      throw;
    }
    created->second.recency = by_recency.begin();
    return created->second;
  }

  // Every contact id of the account's customers: the ids a fresh one must avoid. Collected once
  // per update (O(n log n)), not once per fresh id (that was O(n^2) under store_mutex).
  static std::set<std::string> contact_ids_locked(const Account& account) {
    std::set<std::string> used;
    for (const auto& [id, customer] : account.customers) {
      if (auto contacts = customer.find("contacts"); contacts != customer.end()) {
        for (const auto& contact : *contacts) {
          if (auto contact_id = contact.find("id"); contact_id != contact.end()) {
            used.insert(contact_id->get<std::string>());
          }
        }
      }
    }
    return used;
  }

  // Unique among the account's contacts (`used`: contact_ids_locked() plus the ids given out
  // since); other accounts do not matter (they never meet). The new id is added to `used`.
  std::string fresh_contact_id_locked(std::set<std::string>& used) {
    while (true) {
      std::uint64_t bits;
      {
        std::lock_guard<std::mutex> lock(random_mutex);
        bits = random();
      }
      char text[32];
      std::snprintf(text, sizeof text, "cont_%012llx", static_cast<unsigned long long>(bits & 0xFFFFFFFFFFFFull));
      if (used.insert(text).second) return text;
    }
  }

  void sleep_latency() const {
    if (options.latency.count() > 0) std::this_thread::sleep_for(options.latency);
  }

  // An injected fault, or nothing.
  std::optional<HttpResponse> maybe_fault() const {
    if (options.fault_rate <= 0.0) return std::nullopt;
    int status = 0;
    {
      std::lock_guard<std::mutex> lock(random_mutex);
      if (std::uniform_real_distribution<double>(0.0, 1.0)(random) >= options.fault_rate) return std::nullopt;
      static constexpr int kStatuses[] = {500, 503, 429};
      status = kStatuses[std::uniform_int_distribution<int>(0, 2)(random)];
    }
    HttpResponse response = error_response(status, status == 429 ? "rate limited (injected fault)"
                                                                 : "temporarily unavailable (injected fault)");
    if (status != 500) response.headers.emplace_back("Retry-After", "1");
    // As the API does: the idempotency key was released, a retry with it is safe.
    response.headers.emplace_back("Transient-Error", "true");
    return response;
  }

  HttpResponse handle(const HttpRequest& request);
  // On the account of `api_key`, an authorized caller's bearer token.
  HttpResponse execute(std::string_view api_key, const std::string& method, const std::string& id,
                       const HttpRequest& request);
  HttpResponse apply_update(std::string_view api_key, const std::string& id, const json& body);

  // Idempotency (published table): returns an answer when the key decides it, or reserves it.
  std::optional<HttpResponse> reserve(const std::string& slot, const std::string& fingerprint) const;
  void settle(const std::string& slot, const HttpResponse& response, bool store) const;
};

std::optional<HttpResponse> MockService::Impl::reserve(const std::string& slot, const std::string& fingerprint) const {
  std::lock_guard<std::mutex> lock(idempotency_mutex);
  const TimePoint time = now();
  // Expired keys first (oldest first), then the size cap.
  while (!by_age.empty()) {
    auto oldest = remembered.find(by_age.begin()->second);
    const bool expired = oldest != remembered.end() && !oldest->second.in_flight &&
                         time - oldest->second.stored_at >= options.idempotency_ttl;
    const bool over_capacity = remembered.size() >= std::max<std::size_t>(options.idempotency_capacity, 1) &&
                               oldest != remembered.end() && !oldest->second.in_flight;
    if (!expired && !over_capacity) break;
    remembered.erase(oldest);
    by_age.erase(by_age.begin());
  }
  auto it = remembered.find(slot);
  if (it != remembered.end()) {
    if (it->second.in_flight) {
      return error_response(409, "a request with this Idempotency-Key is currently being processed");
    }
    if (it->second.fingerprint != fingerprint) {
      return error_response(422, "this Idempotency-Key was already used with different parameters");
    }
    HttpResponse replay = it->second.response;
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }
  Remembered entry;
  entry.fingerprint = fingerprint;
  entry.sequence = next_sequence++;
  by_age.emplace(entry.sequence, slot);
  remembered.emplace(slot, std::move(entry));
  return std::nullopt;
}

void MockService::Impl::settle(const std::string& slot, const HttpResponse& response, bool store) const {
  std::lock_guard<std::mutex> lock(idempotency_mutex);
  auto it = remembered.find(slot);
  if (it == remembered.end()) return;
  if (!store) {
    by_age.erase(it->second.sequence);
    remembered.erase(it);
    return;
  }
  // Re-filed as the newest: expiry counts from the stored answer.
  by_age.erase(it->second.sequence);
  it->second.sequence = next_sequence++;
  by_age.emplace(it->second.sequence, slot);
  it->second.in_flight = false;
  it->second.stored_at = now();
  it->second.response = response;
}

HttpResponse MockService::Impl::handle(const HttpRequest& request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  const std::optional<std::string> id = customer_id_of(path);
  if (!id) {
    sleep_latency();
    return error_response(404, "no route for " + detail::shorten(path, 80));
  }
  if (request.method != "GET" && request.method != "PATCH") {
    sleep_latency();
    HttpResponse response = error_response(405, "method " + detail::shorten(request.method, 20) +
                                                    " is not allowed here; use GET or PATCH");
    response.headers.emplace_back("Allow", "GET, PATCH");
    return response;
  }

  // The headers, checked by the same schema as pre-send validation.
  json headers = json::object();
  std::string repeated;
  for (const auto& [name, value] : request.headers) {
    if (headers.contains(name)) repeated = name;
    headers[name] = value;
  }
  const std::string* authorization = find_header(request.headers, "Authorization");
  const std::string* idempotency_key = find_header(request.headers, "Idempotency-Key");
  const Report header_report = validator.validate(Target::headers, headers);

  // Only a key that passed the schema is echoed (it goes back into a response header).
  bool key_is_valid = idempotency_key != nullptr;
  std::optional<std::string> unauthorized;   // 401
  std::optional<std::string> bad_header;     // 400
  std::optional<std::string> bad_media_type; // 415, for a PATCH (a GET has no body)
  for (const Violation& violation : header_report.errors) {
    const std::string name = violation.path.empty() ? "" : violation.path.substr(1);
    if (iequals(name, "Authorization")) {
      if (!unauthorized) unauthorized = describe(violation);
    } else if (iequals(name, "Content-Type")) {
      if (!bad_media_type && request.method == "PATCH") bad_media_type = describe(violation);
    } else {
      if (iequals(name, "Idempotency-Key")) key_is_valid = false;
      if (!bad_header) bad_header = describe(violation);
    }
  }
  if (authorization == nullptr) unauthorized = "missing Authorization header; send \"Authorization: Bearer <api key>\"";
  const std::string_view token = authorization != nullptr ? bearer_token(*authorization) : std::string_view();
  if (!unauthorized && !options.api_keys.empty()) {
    bool known = false;
    for (const auto& key : options.api_keys) known |= constant_time_equals(key, token);
    if (!known) unauthorized = "invalid API key";
  }
  if (!repeated.empty() && !bad_header) bad_header = "header \"" + detail::shorten(repeated) + "\" sent more than once";
  if (request.method == "PATCH" && !bad_media_type && find_header(request.headers, "Content-Type") == nullptr) {
    bad_media_type = "missing Content-Type; send \"Content-Type: application/json\"";
  }
  int status = 0;
  std::string detail;
  if (unauthorized) {
    status = 401;
    detail = "unauthorized: " + *unauthorized;
  } else if (bad_header) {
    status = 400;
    detail = *bad_header;
  } else if (bad_media_type) {
    status = 415;
    detail = "unsupported media type: " + *bad_media_type;
  }

  const auto with_key_headers = [&](HttpResponse response, bool replayed) {
    if (idempotency_key != nullptr && key_is_valid) {
      response.headers.emplace_back("Idempotency-Key", *idempotency_key);
      if (response.header("Idempotent-Replayed") == nullptr) {
        response.headers.emplace_back("Idempotent-Replayed", replayed ? "true" : "false");
      }
    }
    return response;
  };

  if (status != 0) {
    sleep_latency();
    return with_key_headers(error_response(status, detail), false);
  }

  // Idempotency applies to PATCH; a GET has no side effect to protect.
  std::string slot;
  if (idempotency_key != nullptr && request.method == "PATCH") {
    // Scoped per API key: two accounts may use the same key.
    slot = std::string(token) + '\n' + *idempotency_key;
    const ParseResult canonical = parse_json(request.body);
    const std::string fingerprint = request.method + ' ' + *id + '\n' +
                                    (canonical.ok() ? canonical.document->dump() : request.body);
    if (auto decided = reserve(slot, fingerprint)) {
      sleep_latency();
      return with_key_headers(std::move(*decided), false);
    }
  }

  sleep_latency();
  if (auto fault = maybe_fault()) {
    if (!slot.empty()) settle(slot, *fault, false);
    return with_key_headers(std::move(*fault), false);
  }
  HttpResponse response = execute(token, request.method, *id, request);
  if (!slot.empty()) settle(slot, response, response.status == 200 || response.status == 404);
  return with_key_headers(std::move(response), false);
}

HttpResponse MockService::Impl::execute(std::string_view api_key, const std::string& method, const std::string& id,
                                        const HttpRequest& request) {
  if (method == "GET") {
    std::lock_guard<std::mutex> lock(store_mutex);
    const json* customer = account_locked(api_key).find_locked(id);
    if (customer == nullptr) return error_response(404, "no customer with id or alias \"" + detail::shorten(id) + "\"");
    return json_response(200, *customer);
  }

  if (request.body.size() > options.max_body_bytes) {
    return error_response(413, "the body is " + std::to_string(request.body.size()) + " bytes; the limit is " +
                                   std::to_string(options.max_body_bytes));
  }
  ParseLimits limits;
  limits.max_bytes = options.max_body_bytes;
  ParseResult parsed = parse_json(request.body, limits);
  if (!parsed.ok()) {
    const Violation& first = parsed.errors.front();
    return error_response(400, "malformed JSON body: " +
                                   (first.path.empty() ? first.message : describe(first)));
  }
  {
    std::lock_guard<std::mutex> lock(store_mutex);
    if (account_locked(api_key).find_locked(id) == nullptr) {
      return error_response(404, "no customer with id or alias \"" + detail::shorten(id) + "\"");
    }
  }
  const Report report = validator.validate(Target::update_request, *parsed.document);
  if (!report.valid) {
    json errors = json::array();
    for (const Violation& violation : report.errors) {
      errors.push_back({{"path", violation.path}, {"message", violation.message}});
    }
    const std::string more = report.errors.size() > 1
                                 ? " (and " + std::to_string(report.errors.size() - 1) + " more)"
                                 : std::string();
    return json_response(422, {{"status", 422},
                               {"detail", "Validation failed: " + describe(report.errors.front()) + more},
                               {"errors", std::move(errors)}});
  }
  return apply_update(api_key, id, *parsed.document);
}

HttpResponse MockService::Impl::apply_update(std::string_view api_key, const std::string& id, const json& body) {
  std::lock_guard<std::mutex> lock(store_mutex);
  // Looked up again: the lock was released for validation, and the account may have been
  // forgotten meanwhile (then the update applies to a fresh copy of the seed, as for a new key).
  Account& account = account_locked(api_key);
  json* stored = account.find_locked(id);
  if (stored == nullptr) return error_response(404, "no customer with id or alias \"" + detail::shorten(id) + "\"");
  json updated = *stored;
  const std::string own_id = updated["id"].get<std::string>();

  for (const char* field : {"name", "currency", "billing_address"}) {
    if (auto it = body.find(field); it != body.end() && !it->is_null()) updated[field] = *it;
  }
  if (auto aliases = body.find("aliases"); aliases != body.end() && !aliases->is_null()) {
    std::set<std::string> seen;
    for (const auto& alias : *aliases) {
      const std::string& name = alias.get_ref<const std::string&>();
      if (!seen.insert(name).second) {
        return error_response(422, "Validation failed: /aliases: \"" + detail::shorten(name) + "\" is listed twice");
      }
      auto owner = account.alias_to_id.find(name);
      const bool taken = (owner != account.alias_to_id.end() && owner->second != own_id) ||
                         (account.customers.count(name) != 0 && name != own_id);
      if (taken) {
        return error_response(422, "Validation failed: /aliases: \"" + detail::shorten(name) +
                                       "\" already names another customer");
      }
    }
    updated["aliases"] = *aliases;
  }
  if (auto contacts = body.find("contacts"); contacts != body.end() && !contacts->is_null()) {
    std::set<std::string> existing;
    if (auto current = updated.find("contacts"); current != updated.end()) {
      for (const auto& contact : *current) {
        if (contact.contains("id")) existing.insert(contact["id"].get<std::string>());
      }
    }
    json replaced = json::array();
    std::set<std::string> kept;
    std::optional<std::set<std::string>> used;  // collected on the first fresh id, then grown
    for (const auto& sent : *contacts) {
      json contact = sent;
      auto sent_id = sent.find("id");
      if (sent_id != sent.end() && existing.count(sent_id->get<std::string>()) != 0) {
        if (!kept.insert(sent_id->get<std::string>()).second) {
          return error_response(422, "Validation failed: /contacts: contact id \"" +
                                         detail::shorten(sent_id->get<std::string>()) + "\" is listed twice");
        }
      } else {
        if (!used) used = contact_ids_locked(account);
        contact["id"] = fresh_contact_id_locked(*used);
      }
      replaced.push_back(std::move(contact));
    }
    updated["contacts"] = std::move(replaced);
  }
  if (updated != *stored) {
    updated["updated_at"] = rfc3339(now());
    *stored = std::move(updated);
    account.index_aliases_locked();
  }
  return json_response(200, *stored);
}

Result<MockService> MockService::create(MockOptions options) noexcept {
  try {
    if (!(options.fault_rate >= 0.0 && options.fault_rate <= 1.0)) {
      return Error{Errc::invalid_argument, "the fault rate must be between 0 and 1"};
    }
    if (options.max_body_bytes == 0) return Error{Errc::invalid_argument, "the body limit must be positive"};
    if (options.latency.count() < 0) return Error{Errc::invalid_argument, "the latency must not be negative"};
    if (options.max_accounts == 0) return Error{Errc::invalid_argument, "the account limit must be positive"};
    auto validator = Validator::create();
    if (!validator) return validator.error();
    if (options.customers.empty()) options.customers.push_back(default_customer());
    if (Error e = check_customers(options.customers, *validator, "customers: ")) return e;
    auto impl = std::make_shared<Impl>(std::move(options), std::move(validator).value());
    for (const auto& customer : impl->options.customers) {
      impl->seed.customers.emplace(customer["id"].get<std::string>(), customer);
    }
    impl->seed.index_aliases_locked();
    return MockService(std::move(impl));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("creating the mock failed: ") + e.what()};
  }
}

MockService::MockService(std::shared_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

HttpResponse MockService::handle(const HttpRequest& request) const noexcept {
  try {
    return impl_->handle(request);
  } catch (...) {
    // Never a 5xx for input, and never an exception's text in an answer.
    try {
      return error_response(400, "bad request");
    } catch (...) {
      HttpResponse response;
      response.status = 400;
      response.body = R"({"status":400,"detail":"bad request"})";
      return response;
    }
  }
}

std::optional<json> MockService::customer(std::string_view api_key, std::string_view id_or_alias) const {
  std::lock_guard<std::mutex> lock(impl_->store_mutex);
  // Not account_locked(): looking must neither create an account nor reorder them.
  const auto account = impl_->accounts.find(api_key);
  const Impl::Account& view = account != impl_->accounts.end() ? account->second : impl_->seed;
  const json* customer = view.find_locked(id_or_alias);
  if (customer == nullptr) return std::nullopt;
  return *customer;
}

const MockOptions& MockService::options() const noexcept { return impl_->options; }

}  // namespace alguna::contract
