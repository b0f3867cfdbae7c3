// String formats we check in our own code (never valijson's `format`: see DEPENDENCY-NOTES.md).
// A schema names one with the standard `format` keyword; each check runs in linear time, without
// regular expressions, and never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace alguna::contract {

enum class Format {
  date_time,           // "date-time": RFC 3339 section 5.6, with a real calendar
  email,               // "email": practical rules, see docs/formats.md
  currency_code,       // "iso-4217": an active ISO 4217 alpha-3 code ("USD"; not "usd", "XYZ")
  country_alpha2,      // "iso-3166-alpha-2": ISO 3166-1 alpha-2 ("DE", "GB"; not "UK")
  country_code,        // "iso-3166": ISO 3166-1 alpha-2 or alpha-3 ("DE", "USA")
  decimal_fraction,    // "decimal-fraction": a tax rate as a decimal string, "0" to "1" ("0.20")
  bearer_credentials,  // "bearer-credentials": "Bearer <token68>" (RFC 6750 section 2.1)
  json_media_type,     // "json-media-type": application/json, optional parameters (RFC 9110)
  header_value,        // "http-field-value": visible ASCII, spaces and tabs (RFC 9110 section 5.5)
  customer_path,       // "customer-path": "/customers/{id}" with one non-empty segment (RFC 3986)
};

// The name used in schemas ("date-time", "iso-4217", ...), and back.
const char* format_name(Format format) noexcept;
std::optional<Format> format_from_name(std::string_view name) noexcept;

// What a valid value looks like, for messages: `an ISO 4217 currency code like "USD"`.
const char* format_expectation(Format format) noexcept;

// True when `value` conforms. When it does not and `why` is given, *why gets a short reason a
// person understands ("February 2026 has 28 days", "did you mean \"USD\"?"), or stays empty.
// Never echoes the whole value (it may be huge or secret).
bool check_format(Format format, std::string_view value, std::string* why = nullptr) noexcept;

// The individual checks, for callers that know what they want.
bool is_rfc3339_date_time(std::string_view value) noexcept;
bool is_email(std::string_view value) noexcept;
bool is_currency_code(std::string_view value) noexcept;
bool is_country_alpha2(std::string_view value) noexcept;
bool is_country_alpha3(std::string_view value) noexcept;
bool is_decimal_fraction(std::string_view value) noexcept;

}  // namespace alguna::contract
