// The libcurl client (http_client.hpp), moved out of the replayer so that the recording proxy
// sends requests the same way.
#include "http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <utility>

#include "text.hpp"

namespace alguna::contract::detail {

bool curl_ready() noexcept {
  static std::once_flag once;
  static CURLcode state = CURLE_OK;
  try {
    std::call_once(once, [] { state = curl_global_init(CURL_GLOBAL_DEFAULT); });
  } catch (...) {
    return false;
  }
  return state == CURLE_OK;
}

std::string Endpoint::url() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Endpoint> parse_base_url(const std::string& url) {
  const std::size_t sep = url.find("://");
  if (sep == std::string::npos) return Error{Errc::invalid_argument, "the base URL must start with http:// or https://"};
  Endpoint endpoint;
  endpoint.scheme = ascii_lower(url.substr(0, sep));
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

Error check_ca_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string head(64, '\0');
  if (!in || !in.read(head.data(), static_cast<std::streamsize>(head.size())) ||
      head.find("-----BEGIN") == std::string::npos) {
    std::ifstream again(path, std::ios::binary);
    if (!again) return Error{Errc::io_error, "cannot read the CA file " + path};
    return Error{Errc::invalid_argument, "the CA file " + path + " is not a PEM certificate"};
  }
  return {};
}

bool is_loopback(const std::string& host) {
  const std::string lower = ascii_lower(host);
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

const std::string* Answer::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return &value;
  }
  return nullptr;
}

HttpClient::HttpClient(std::string base_url, const HttpClientOptions& options)
    : base_(std::move(base_url)), handle_(curl_easy_init()) {
  if (handle_ == nullptr) return;
  curl_easy_setopt(handle_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(handle_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle_, CURLOPT_PATH_AS_IS, 1L);  // the target as given, not normalised
  curl_easy_setopt(handle_, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(handle_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
  // Per request, from connecting to the last byte: an answer that drips still ends in time.
  curl_easy_setopt(handle_, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle_, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.ca_file.empty()) curl_easy_setopt(handle_, CURLOPT_CAINFO, options.ca_file.c_str());
  // "": every coding this libcurl supports is offered, and undone on the way in.
  if (options.decode_content) curl_easy_setopt(handle_, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(handle_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(handle_, CURLOPT_HEADERFUNCTION, &HttpClient::on_header);
  curl_easy_setopt(handle_, CURLOPT_WRITEFUNCTION, &HttpClient::on_body);
  curl_easy_setopt(handle_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(handle_, CURLOPT_WRITEDATA, this);
}

HttpClient::~HttpClient() {
  if (handle_ != nullptr) curl_easy_cleanup(handle_);
}

Answer HttpClient::send(const HttpRequest& request, bool resendable) {
  answer_ = Answer{};
  header_bytes_ = 0;
  error_[0] = '\0';
  const std::string url = base_ + request.target;
  curl_easy_setopt(handle_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle_, CURLOPT_FRESH_CONNECT, fresh_ || !resendable ? 1L : 0L);
  fresh_ = false;
  // HTTPGET resets what the previous request set (a body, HEAD); then the method as given.
  curl_easy_setopt(handle_, CURLOPT_HTTPGET, 1L);
  if (request.method == "HEAD") curl_easy_setopt(handle_, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(handle_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (!request.body.empty()) {
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(handle_, CURLOPT_POSTFIELDS, request.body.data());
  }
  // The headers given, and none of libcurl's own but Host and Content-Length: "Name:" removes
  // one, "Name;" sends an empty value.
  curl_slist* list = nullptr;
  bool has_content_type = false;
  bool has_accept = false;
  for (const auto& [name, value] : request.headers) {
    has_content_type = has_content_type || iequals(name, "Content-Type");
    has_accept = has_accept || iequals(name, "Accept");
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  if (!has_accept) list = curl_slist_append(list, "Accept:");
  if (!has_content_type) list = curl_slist_append(list, "Content-Type:");
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, list);

  answer_.code = curl_easy_perform(handle_);
  curl_easy_setopt(handle_, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);
  if (request.method == "HEAD") curl_easy_setopt(handle_, CURLOPT_NOBODY, 0L);

  long status = 0;
  curl_easy_getinfo(handle_, CURLINFO_RESPONSE_CODE, &status);
  answer_.status = static_cast<int>(status);
  double connect_time = 0;
  curl_easy_getinfo(handle_, CURLINFO_CONNECT_TIME, &connect_time);
  answer_.connected = connect_time > 0;
  if (answer_.code != CURLE_OK) {
    answer_.detail = error_[0] != '\0' ? error_ : curl_easy_strerror(answer_.code);
    fresh_ = true;  // whatever state the connection is in, it is not reused
  }
  return std::move(answer_);
}

std::size_t HttpClient::on_header(char* data, std::size_t size, std::size_t count, void* self_pointer) {
  auto* self = static_cast<HttpClient*>(self_pointer);
  const std::size_t bytes = size * count;
  self->header_bytes_ += bytes;
  if (self->header_bytes_ > kMaxHeaderBytes) return 0;  // aborts: CURLE_WRITE_ERROR
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    self->answer_.headers.clear();  // a new status line (after a 100 Continue): its own headers
  } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    self->answer_.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return bytes;
}

std::size_t HttpClient::on_body(char* data, std::size_t size, std::size_t count, void* self_pointer) {
  auto* self = static_cast<HttpClient*>(self_pointer);
  const std::size_t bytes = size * count;
  if (self->answer_.body.size() + bytes > kMaxAnswerBytes) {
    self->answer_.too_large = true;
    return 0;  // aborts: CURLE_WRITE_ERROR
  }
  self->answer_.body.append(data, bytes);
  return bytes;
}

std::string describe(const Answer& answer) {
  switch (answer.code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST: return "could not connect: " + answer.detail;
    case CURLE_OPERATION_TIMEDOUT:
      return answer.connected ? "no complete answer within the timeout" : "timed out connecting";
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE: return "no complete answer (the connection was reset or closed): " + answer.detail;
    case CURLE_SEND_ERROR: return "could not send the request (the connection was reset): " + answer.detail;
    case CURLE_SSL_CONNECT_ERROR: return "the TLS handshake failed: " + answer.detail;
    case CURLE_PEER_FAILED_VERIFICATION: return "the server's certificate could not be verified: " + answer.detail;
    case CURLE_SSL_CACERT_BADFILE: return "could not load the CA certificates: " + answer.detail;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_HTTP2:
    case CURLE_HTTP3: return "the answer is not HTTP/1.1: " + answer.detail;
    case CURLE_URL_MALFORMAT: return "the recorded request target cannot be sent: " + answer.detail;
    case CURLE_WRITE_ERROR:
      if (answer.too_large) return "the answer is larger than " + std::to_string(kMaxAnswerBytes >> 20) + " MiB";
      return "the answer's headers are larger than " + std::to_string(kMaxHeaderBytes >> 10) + " KiB";
    default: return "the request failed: " + answer.detail;
  }
}

}  // namespace alguna::contract::detail
