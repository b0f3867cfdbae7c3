// The schema-driven validator for PATCH /customers/{id} (Alguna API version 2026-04-01).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/error.hpp>
#include <alguna/contract/json.hpp>
#include <alguna/contract/report.hpp>

namespace alguna::contract {

// What a document is checked as.
enum class Target {
  update_request,  // the PATCH body (schemas/customer-update.schema.json)
  customer,        // the Customer object in a 200 response (schemas/customer.schema.json)
  error,           // an error body {status, detail} (schemas/error.schema.json)
  request,         // a whole HTTP request {method, path, headers, body}
                   // (schemas/update-customer-request.schema.json)
  headers,         // request headers alone, as an object of name -> value
                   // (schemas/update-customer-headers.schema.json; Content-Type optional)
};

// "update-request", "customer", "error", "request", "headers", and back.
const char* target_name(Target target) noexcept;
std::optional<Target> target_from_name(std::string_view name) noexcept;

// Which code checks documents. Both give the same verdicts and the same reports.
enum class Engine {
  // Code generated from the schemas at build time, over simdjson (text) or the document given:
  // several times faster. It covers the PATCH body, the Customer and the error body, with the
  // embedded schemas; it answers valid or invalid, and the report of an invalid document (every
  // violation, with its message) is the reference engine's.
  fast,
  // valijson interpreting the schemas (any schema directory, every target).
  reference,
};

// "fast", "reference", and back.
const char* engine_name(Engine engine) noexcept;
std::optional<Engine> engine_from_name(std::string_view name) noexcept;

struct ValidatorOptions {
  // Empty: the schemas embedded at build time. Otherwise a directory holding the same file names
  // (then every document goes to the reference engine: the fast one is generated from the
  // embedded schemas).
  std::string schema_dir;
  ParseLimits limits;  // for validate_text
  Engine engine = Engine::fast;
};

struct ValidateOptions {
  // Unknown fields in a request become warnings instead of errors.
  bool lenient = false;
};

// Built once, then safe to share across threads: every member function is const and thread-safe.
// Copies are cheap and share the compiled schemas.
class Validator {
 public:
  static Result<Validator> create(const ValidatorOptions& options = {}) noexcept;

  // Every violation, each once, at its most specific JSON Pointer.
  Report validate(Target target, const nlohmann::json& document,
                  const ValidateOptions& options = {}) const noexcept;

  // Parses with the limits given at creation (depth, size, duplicate keys), then validates.
  // Syntax positions count lines from `first_line` (for a document taken from a JSONL file).
  Report validate_text(Target target, std::string_view text, const ValidateOptions& options = {},
                       std::size_t first_line = 1) const noexcept;

  // A fast yes/no that stops at the first failure and builds no messages.
  bool is_valid(Target target, const nlohmann::json& document,
                const ValidateOptions& options = {}) const noexcept;

  // The same from text, parsed with the limits given at creation: what validate_text(...).valid
  // says, without a report.
  bool is_valid_text(Target target, std::string_view text, const ValidateOptions& options = {}) const noexcept;

  // The engine in use: the one chosen at creation, but the reference one with a schema_dir.
  Engine engine() const noexcept;

  const ParseLimits& limits() const noexcept;

 private:
  struct Impl;
  explicit Validator(std::shared_ptr<const Impl> impl) noexcept;
  std::shared_ptr<const Impl> impl_;
};

// The schema files compiled into the library.
std::vector<std::string> embedded_schema_names();
std::optional<std::string_view> embedded_schema(std::string_view file_name) noexcept;

}  // namespace alguna::contract
