// fuzz_mock: any bytes, as what a client sends on one connection to the mock server.
//
// Invariant: for any bytes handed to the mock's HTTP layer (httplib's parser, our Connection
// stream and handlers, MockService: detail::InMemoryMockServer, which is MockServer's connection
// loop over a string instead of a socket), every byte written back is a sequence of well-formed
// HTTP/1.1 responses, and each one
//   - is never a 5xx (no fault is injected: faults are off by default), nor a 1xx other than
//     "100 Continue", nor a 3xx;
//   - has a body that is JSON (Content-Type application/json, parsed with our strict limits, no
//     duplicate keys) and conforms to the Customer schema for a 2xx, or to the error schema, with
//     "status" equal to the response's status, for a 4xx (a HEAD answer has no body), and never the
//     last-resort {"status":400,"detail":"bad request"} that stands for an exception caught;
// and nothing crashes, hangs, leaks or escapes as an exception. The harness catches nothing.
//
// The mock keeps state across inputs (accounts per API key, idempotency keys): it is created once,
// as a server is, with a fixed clock and small limits, so that the state stays small and varied.
// A finding is confirmed by replaying the single input (fuzz_mock_replay FILE, or fuzz_mock FILE),
// which starts from a fresh mock.
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <alguna/contract/json.hpp>
#include <alguna/contract/mock.hpp>
#include <alguna/contract/validator.hpp>

#include "fuzz_check.hpp"
#include "mock_server_internal.hpp"

namespace {

using namespace alguna::contract;

const Validator& validator() {
  static const Validator instance = [] {
    auto created = Validator::create();
    FUZZ_CHECK(created.has_value(), "Validator::create failed: " + created.error().message);
    return std::move(created).value();
  }();
  return instance;
}

detail::InMemoryMockServer& server() {
  static detail::InMemoryMockServer instance = [] {
    MockOptions options;
    // 2026-04-01T12:00:00Z: updated_at, and idempotency expiry, do not depend on the wall clock.
    options.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1775044800)); };
    options.max_accounts = 8;
    options.idempotency_capacity = 64;
    // Small enough that inputs of a few KiB reach the 413 paths, of every framing.
    options.max_body_bytes = 2048;
    auto created = detail::InMemoryMockServer::create(options);
    FUZZ_CHECK(created.has_value(), "InMemoryMockServer::create failed: " + created.error().message);
    return std::move(created).value();
  }();
  return instance;
}

std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 300)) {
    const auto u = static_cast<unsigned char>(c);
    if (u == '\r') {
      out += "\\r";
    } else if (u == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u >= 0x7f) {
      static const char digits[] = "0123456789abcdef";
      out += "\\x";
      out += digits[u >> 4];
      out += digits[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// Checks one response starting at `pos`; returns where the next one starts.
std::size_t check_response(const std::string& out, std::size_t pos) {
  const std::string rest = excerpt(std::string_view(out).substr(pos));
  const std::size_t head_end = out.find("\r\n\r\n", pos);
  FUZZ_CHECK(head_end != std::string::npos, "a response head does not end: " + rest);
  const std::string_view head(out.data() + pos, head_end - pos);
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  FUZZ_CHECK(status_line.size() >= 12 && status_line.substr(0, 9) == "HTTP/1.1 " &&
                 std::isdigit(static_cast<unsigned char>(status_line[9])) &&
                 std::isdigit(static_cast<unsigned char>(status_line[10])) &&
                 std::isdigit(static_cast<unsigned char>(status_line[11])) &&
                 (status_line.size() == 12 || status_line[12] == ' '),
             "not an HTTP/1.1 status line: " + rest);
  const int status = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  FUZZ_CHECK(status < 500, "a 5xx answer: " + rest);
  FUZZ_CHECK(status == 100 || (status >= 200 && status < 300) || (status >= 400 && status < 500),
             "an unexpected status: " + rest);
  std::size_t next = head_end + 4;
  if (status == 100) {
    FUZZ_CHECK(line_end == std::string_view::npos, "100 Continue with header fields: " + rest);
    return next;
  }

  std::string content_type;
  std::size_t content_length = 0;
  bool has_length = false;
  std::size_t start = line_end + 2;
  while (start < head.size()) {
    std::size_t end = head.find("\r\n", start);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view field = head.substr(start, end - start);
    start = end + 2;
    const std::size_t colon = field.find(':');
    FUZZ_CHECK(colon != std::string_view::npos && colon > 0, "a header line is not \"Name: value\": " + rest);
    const std::string_view name = field.substr(0, colon);
    std::string_view value = field.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (alguna_fuzz::iequals(name, "Content-Type")) content_type = std::string(value);
    if (alguna_fuzz::iequals(name, "Transfer-Encoding")) FUZZ_CHECK(false, "a response with Transfer-Encoding: " + rest);
    if (alguna_fuzz::iequals(name, "Content-Length")) {
      FUZZ_CHECK(!has_length, "two Content-Length fields: " + rest);
      FUZZ_CHECK(!value.empty() && value.size() < 10, "a bad Content-Length: " + rest);
      for (char c : value) FUZZ_CHECK(c >= '0' && c <= '9', "a bad Content-Length: " + rest);
      has_length = true;
      content_length = std::stoul(std::string(value));
    }
  }
  // Our bodies are JSON objects. A HEAD answer announces the length of the body it leaves out:
  // what follows its head is the next response (or nothing), never a '{'.
  if (content_length == 0 || next >= out.size() || out[next] != '{') return next;
  FUZZ_CHECK(next + content_length <= out.size(), "a body shorter than its Content-Length: " + rest);
  const std::string_view body(out.data() + next, content_length);
  FUZZ_CHECK(content_type.rfind("application/json", 0) == 0, "a body that is not JSON: " + rest);
  const ParseResult parsed = parse_json(body);
  FUZZ_CHECK(parsed.ok(), "a body that does not parse: " + rest);
  const Target target = status < 300 ? Target::customer : Target::error;
  const Report report = validator().validate(target, *parsed.document);
  FUZZ_CHECK(report.valid, std::string("a body that is not a valid ") + target_name(target) + " (" +
                               report.errors.front().path + ": " + report.errors.front().message + "): " + rest);
  if (target == Target::error) {
    FUZZ_CHECK(parsed.document->at("status") == status, "the body's status differs from the answer's: " + rest);
    // The last resorts (MockService::handle and the server's exception handler answer this when an
    // exception escaped the code that should have answered): a bug, not an answer.
    FUZZ_CHECK(parsed.document->at("detail") != "bad request", "an exception was turned into a 400: " + rest);
  }
  return next + content_length;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string out = server().exchange(input);
  // FUZZ_MOCK_PRINT=1: show what the server answered (to look at a seed or a finding).
  static const bool print = std::getenv("FUZZ_MOCK_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "--- %zu bytes in, %zu bytes out:\n%s\n", size, out.size(), out.c_str());
  std::size_t pos = 0;
  while (pos < out.size()) pos = check_response(out, pos);
  return 0;
}
