// Recorded HTTP exchanges into replay scenarios (corpus.hpp), with the secrets taken out: what
// `alguna-contract import-har` does to a HAR file and what a recording proxy does to live traffic.
// Both feed HttpExchange values, in the order they happened, to one ScenarioRecorder, so that the
// two apply the same rules (corpus/README.md, "Importing and recording"):
//
//   - Kept: exchanges whose path is /customers/{one segment}, whatever the scheme and host, with
//     the query kept. Skipped and counted: other paths, CORS preflights (OPTIONS carrying
//     Access-Control-Request-Method), and exchanges with no usable response (status outside
//     100-599: HAR's 0 or -1 for aborted or blocked requests).
//   - Request headers: only the contract's (Alguna-Version, Authorization, Idempotency-Key,
//     Content-Type), under those spellings; everything else (browser headers, HTTP/2 pseudo-headers,
//     Cookie, Host, Content-Length...) is dropped. Of a header sent twice the first is kept.
//   - Authorization: "Bearer <key>" becomes "Bearer ${ALGUNA_API_KEY}"; another scheme keeps its
//     name with the credential replaced ("Basic ${ALGUNA_API_KEY}"); a value with no scheme becomes
//     "${ALGUNA_API_KEY}". Every credential seen (Authorization, Proxy-Authorization, and
//     RecorderOptions::secrets) is scrubbed everywhere else too: in request strings it becomes
//     ${ALGUNA_API_KEY}; a response body string holding it becomes "[redacted]" with a "type"
//     match rule (nothing is substituted in responses); a response header holding it is dropped.
//   - Idempotency-Key becomes ${IDEMPOTENCY_KEY}. Consecutive kept exchanges carrying the same
//     recorded key become one scenario with one step each: the replayer gives each scenario run
//     one fresh key shared by its steps, so a recorded replay (Idempotent-Replayed: true) or a
//     mismatch (422) happens again. Every other exchange is a scenario of its own.
//   - Response headers: an allowlist, Idempotent-Replayed, Transient-Error and Allow (what the
//     contract promises). A denylist of volatile headers (Date, Server, request ids, rate-limit
//     counters, CDN and tracing headers...) can never be complete, and one it misses fails every
//     replay. The Idempotency-Key echo is dropped: the replayer substitutes no variable in a
//     recorded response, and the key is fresh on every run. Content-Type is left to the
//     replayer's own content-type check.
//   - Bodies: a request body that is JSON (parse_json, no duplicate key) is recorded as `body`,
//     any other as `raw_body`; a literal "${" in a request string is written "$${". A response
//     body is recorded when its Content-Type is JSON and it parses. When it is an object holding
//     `updated_at`, that gets a "date-time" rule, and each /contacts/N/id the request did not send
//     gets a "type" rule: the endpoint generates both on every run.
//   - Scenarios: id "<prefix>-<n>" (n from 1, in the order they complete), a description with
//     each step's method, path and status, tags: RecorderOptions::tags, then "positive" (every
//     status 2xx) or "negative" and the first status that is not 2xx.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/error.hpp>
#include <alguna/contract/json.hpp>
#include <alguna/contract/mock.hpp>

namespace alguna::contract {

// One request and its response, as recorded.
struct HttpExchange {
  std::string method;
  std::string target;  // as sent: "/customers/x?y", or an absolute URL "https://host/customers/x?y"
  Headers request_headers;  // in the order sent, names as sent
  std::string request_body;
  int status = 0;  // outside 100-599 (HAR: 0 or -1): no response was received
  Headers response_headers;
  std::string response_body;  // decoded (no content coding, no base64)
  std::optional<std::string> started_at;  // when the request started, as recorded (HAR: ISO 8601)
};

// True when the path of `target` (an origin-form target or an absolute URL; query and fragment
// ignored) is "/customers/" followed by one non-empty segment other than "." and "..".
bool is_customer_path(std::string_view target) noexcept;

// The path and query of `target` (an absolute URL loses its scheme and authority; a fragment is
// dropped): what a recorded request's `path` holds.
std::string origin_form(std::string_view target);

// The credentials an exchange carries (the part of Authorization and Proxy-Authorization after the
// scheme, or the whole value when it has no scheme). A caller that sees every exchange before
// recording (a file importer) gives them all to RecorderOptions::secrets, so that one that first
// appears late is scrubbed from earlier exchanges too.
std::vector<std::string> credentials_in(const HttpExchange& exchange);

struct RecorderOptions {
  std::string id_prefix = "recorded";  // ids are "<id_prefix>-<n>"
  std::vector<std::string> tags = {"recorded"};  // first tags of every scenario
  // Strings to scrub besides the credentials the exchanges carry (empty strings are ignored).
  std::vector<std::string> secrets;
  // Where the scenarios say they were read from (Scenario::file); line counts the scenarios.
  std::string source = "recording";
};

struct RecorderStats {
  std::size_t exchanges = 0;             // given to add()
  std::size_t kept = 0;                  // became steps
  std::size_t skipped_other_path = 0;    // not /customers/{id}
  std::size_t skipped_preflight = 0;     // CORS preflight
  std::size_t skipped_no_response = 0;   // status outside 100-599
  std::size_t scenarios = 0;             // returned so far
  // Exchanges whose recorded Idempotency-Key had been used before, but not by the exchange just
  // before it (kept ones only): on replay it gets a fresh key, so a recorded replay or mismatch
  // will not happen again.
  std::size_t reused_keys = 0;

  std::size_t skipped() const noexcept { return skipped_other_path + skipped_preflight + skipped_no_response; }
};

// Turns exchanges, given in the order they happened, into scenarios. Not thread-safe.
class ScenarioRecorder {
 public:
  explicit ScenarioRecorder(RecorderOptions options = {});

  // The scenarios this exchange completed (none, one or two, in order): an exchange with an
  // Idempotency-Key stays pending until one with another key (or none) arrives, or finish().
  Result<std::vector<Scenario>> add(const HttpExchange& exchange) noexcept;

  // The pending scenario, if any. add() may be called again afterwards.
  Result<std::vector<Scenario>> finish() noexcept;

  const RecorderStats& stats() const noexcept;

  ScenarioRecorder(ScenarioRecorder&&) noexcept;
  ScenarioRecorder& operator=(ScenarioRecorder&&) noexcept;
  ~ScenarioRecorder();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// --- HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) ----------------------------------

struct HarLog {
  std::string creator;  // log.creator.name and version, when given ("Playwright 1.65.1")
  // log.entries in the order they started. HAR 1.2 prefers but does not promise that order ("the
  // reader application should always make sure the array is sorted"): when every entry has an
  // RFC 3339 startedDateTime, they are stably sorted by that instant (offsets taken into account);
  // otherwise they keep the file's order.
  std::vector<HttpExchange> exchanges;
  bool reordered = false;  // the file's order was not the order they started
};

// Reads a HAR file's text (parse_json with `limits`). Tolerates what exporters leave out: a
// missing response, headers, postData, postData.text or content.text. Decodes
// content.encoding "base64". Error invalid_argument for text that is not JSON or not a HAR,
// saying what is missing or wrong and where ("log.entries[3].request: missing \"url\"").
Result<HarLog> read_har(std::string_view text, const ParseLimits& limits = {}) noexcept;

}  // namespace alguna::contract
