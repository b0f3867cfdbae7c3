// Internal to the library (not installed, not public API): the libcurl client that the replayer
// and the recording proxy send requests with, and the base-URL rules they share.
//
// Why libcurl and not cpp-httplib's client (which the mock's server side uses): an endpoint under
// test may answer anything, and httplib 0.11's client matches the status line with std::regex,
// which overflows the stack on a long line (a 30 KB status line crashed the replayer), and bounds
// each read but not a whole request (an answer dripping one byte at a time never timed out).
// libcurl parses without regex, bounds header sizes, and has a total per-request timeout.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <alguna/contract/error.hpp>
#include <alguna/contract/mock.hpp>

namespace alguna::contract::detail {

// curl_global_init, once per process (it is not thread-safe): call before making any client.
bool curl_ready() noexcept;

struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets
  int port = 0;

  std::string url() const;  // "scheme://host:port", an IPv6 host in brackets
};

// "http://host[:port]" or "https://host[:port]", with an optional trailing "/" and no other path.
Result<Endpoint> parse_base_url(const std::string& url);

// A CA file for HttpClientOptions::ca_file: io_error when it cannot be read, invalid_argument
// when it does not start like a PEM certificate.
Error check_ca_file(const std::string& path);

// localhost, *.localhost, ::1 and 127.0.0.0/8 written as a dotted quad.
bool is_loopback(const std::string& host);

// One answer, or why there is none.
struct Answer {
  CURLcode code = CURLE_OK;
  bool connected = false;  // a connection was made (for a timeout: connecting, or waiting?)
  bool too_large = false;  // the answer went over kMaxAnswerBytes and was cut off
  int status = 0;
  Headers headers;
  std::string body;
  std::string detail;  // libcurl's own words, when it failed

  explicit operator bool() const { return code == CURLE_OK; }
  const std::string* header(std::string_view name) const;
};

// The same bound as the parser's: a larger answer could not be checked anyway.
constexpr std::size_t kMaxAnswerBytes = 64u * 1024 * 1024;
constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;

struct HttpClientOptions {
  // Connecting, and the whole request from connecting to the answer's last byte.
  std::chrono::milliseconds timeout{30000};
  std::string ca_file;  // trusted for https besides the system's; certificates are always verified
  // Ask for any content coding libcurl can undo, and undo it: the answer's body arrives decoded
  // (its Content-Encoding header still says how it was sent). Off: the body as sent.
  bool decode_content = false;
};

// One libcurl easy handle: it keeps its connection alive between requests. Not thread-safe.
//
// Requests go out as given (method, target unencoded and unnormalised, headers, body bytes), over
// HTTP/1.1, plus only Host and Content-Length (and Accept-Encoding with decode_content). Redirects
// are not followed; an answer is cut off (a transport error) past kMaxAnswerBytes of body or
// kMaxHeaderBytes of headers.
class HttpClient {
 public:
  HttpClient(std::string base_url, const HttpClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  bool valid() const { return handle_ != nullptr; }

  // The next request opens a new connection.
  void drop_connection() { fresh_ = true; }

  // `resendable`: the request may be sent twice without harm (a GET, or one with an
  // Idempotency-Key). libcurl sends a request again, once, on a new connection when a kept-alive
  // one turns out closed before any answer came; the request may have reached the server, so a
  // request that is not safe to send twice always goes on a new connection.
  Answer send(const HttpRequest& request, bool resendable);

 private:
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self_pointer);
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self_pointer);

  std::string base_;
  CURL* handle_;
  bool fresh_ = false;
  Answer answer_;
  std::size_t header_bytes_ = 0;
  char error_[CURL_ERROR_SIZE] = {};
};

// Why there is no answer, in a few words and libcurl's ("could not connect: ...").
std::string describe(const Answer& answer);

}  // namespace alguna::contract::detail
