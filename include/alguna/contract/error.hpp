// Operational failures (as opposed to violations, which are data in a Report).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace alguna::contract {

enum class Errc {
  ok = 0,
  schema_not_found,    // a schema file or $ref target could not be found
  schema_parse_error,  // a schema file is not valid JSON
  schema_invalid,      // a schema uses a construct we cannot honour
  invalid_argument,    // bad options or arguments
  io_error,            // a file could not be read
  corpus_error,        // a replay corpus file is malformed (the message starts with "file:line: ")
  internal,            // an unexpected failure; a bug
};

const char* to_string(Errc code) noexcept;

struct Error {
  Errc code = Errc::ok;
  std::string message;

  explicit operator bool() const noexcept { return code != Errc::ok; }
};

// A value or an Error, in the style of cpp-httplib's Result: converts to bool.
template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}       // NOLINT(google-explicit-constructor)

  explicit operator bool() const noexcept { return std::holds_alternative<T>(state_); }
  bool has_value() const noexcept { return static_cast<bool>(*this); }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error; an Error with Errc::ok when there is a value.
  Error error() const {
    if (const Error* e = std::get_if<Error>(&state_)) return *e;
    return {};
  }

 private:
  std::variant<T, Error> state_;
};

}  // namespace alguna::contract
