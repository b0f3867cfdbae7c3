#include <alguna/contract/error.hpp>

namespace alguna::contract {

const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "ok";
    case Errc::schema_not_found: return "schema_not_found";
    case Errc::schema_parse_error: return "schema_parse_error";
    case Errc::schema_invalid: return "schema_invalid";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::io_error: return "io_error";
    case Errc::corpus_error: return "corpus_error";
    case Errc::internal: return "internal";
  }
  return "unknown";
}

}  // namespace alguna::contract
