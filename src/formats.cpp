// The string-format checks (see include/alguna/contract/formats.hpp and docs/formats.md).
// Every check is a single left-to-right scan: no regular expressions, no allocation except when a
// reason is copied into the caller's string, and no exception leaves this file.
#include "alguna/contract/formats.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "iso_tables.hpp"

#include "text.hpp"

namespace alguna::contract {

using detail::iequals;
namespace {

// --- Reasons --------------------------------------------------------------------------------------

// A reason under construction, in a fixed buffer so that building it cannot throw. Every check
// takes a `Reason*` that is null when the caller does not want one.
class Reason {
 public:
  Reason& operator<<(std::string_view text) noexcept {
    const std::size_t room = sizeof buffer_ - size_;
    const std::size_t n = text.size() < room ? text.size() : room;
    std::memcpy(buffer_ + size_, text.data(), n);
    size_ += n;
    return *this;
  }
  Reason& operator<<(char c) noexcept { return *this << std::string_view(&c, 1); }
  Reason& operator<<(int number) noexcept {
    char digits[12];
    std::size_t n = 0;
    unsigned magnitude = number < 0 ? 0U - static_cast<unsigned>(number) : static_cast<unsigned>(number);
    do {
      digits[sizeof digits - 1 - n++] = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0 && n < sizeof digits - 1);
    if (number < 0) digits[sizeof digits - 1 - n++] = '-';
    return *this << std::string_view(digits + sizeof digits - n, n);
  }
  std::string_view view() const noexcept { return std::string_view(buffer_, size_); }

 private:
  char buffer_[192];
  std::size_t size_ = 0;
};

// Records `text` as the reason, if one is wanted, and returns false (so: `return fail(r, "...")`).
bool fail(Reason* reason, std::string_view text) noexcept {
  if (reason != nullptr) *reason << text;
  return false;
}

// --- Characters -----------------------------------------------------------------------------------

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
constexpr bool is_lower(char c) noexcept { return c >= 'a' && c <= 'z'; }
constexpr bool is_alpha(char c) noexcept { return is_upper(c) || is_lower(c); }
constexpr bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
constexpr bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_non_ascii(char c) noexcept { return static_cast<unsigned char>(c) >= 0x80; }
constexpr bool is_control(char c) noexcept {
  return static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) == 0x7F;
}
constexpr char to_upper(char c) noexcept { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

// RFC 9110 section 5.6.2 tchar.
bool is_tchar(char c) noexcept {
  return is_alnum(c) || (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

// RFC 3986 section 2.3 unreserved and 2.2 sub-delims.
bool is_unreserved(char c) noexcept { return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }
bool is_sub_delim(char c) noexcept { return c != '\0' && std::strchr("!$&'()*+,;=", c) != nullptr; }

// --- ISO tables -------------------------------------------------------------------------------------

// The N bytes of a code as one big-endian number: numbers compare as the bytes do, without a
// call to memcmp per step of the search (which was most of a lookup's time).
template <std::size_t N>
constexpr std::uint32_t packed_code(const char* code) noexcept {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < N; ++i) value = value << 8 | static_cast<unsigned char>(code[i]);
  return value;
}

// Binary search of a sorted table of N-1-letter codes; returns `count` when `code` is absent.
template <std::size_t N>
std::size_t find_code(const char (*table)[N], std::size_t count, std::string_view code) noexcept {
  static_assert(N - 1 <= 4, "codes of up to 4 bytes");
  if (code.size() != N - 1) return count;
  const std::uint32_t key = packed_code<N - 1>(code.data());
  std::size_t low = 0;
  std::size_t high = count;
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    const std::uint32_t here = packed_code<N - 1>(table[middle]);
    if (here == key) return middle;
    if (key < here) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return count;
}

bool known_currency(std::string_view code) noexcept {
  return find_code(detail::currency_codes, detail::currency_code_count, code) != detail::currency_code_count;
}
bool known_alpha2(std::string_view code) noexcept {
  return find_code(detail::country_alpha2_codes, detail::country_alpha2_count, code) !=
         detail::country_alpha2_count;
}
// The index of `code` in country_alpha3_codes, or country_alpha3_count.
std::size_t alpha3_index(std::string_view code) noexcept {
  return find_code(detail::country_alpha3_codes, detail::country_alpha3_count, code);
}
bool known_alpha3(std::string_view code) noexcept { return alpha3_index(code) != detail::country_alpha3_count; }

// A short code in upper case, when it is made of ASCII letters (so it is safe to quote in a reason).
struct UpperCode {
  char text[4] = {};
  std::size_t size = 0;
  std::string_view view() const noexcept { return std::string_view(text, size); }
};
bool upper_letters(std::string_view value, UpperCode& out) noexcept {
  if (value.size() > sizeof out.text) return false;
  for (char c : value) {
    if (!is_alpha(c)) return false;
    out.text[out.size++] = to_upper(c);
  }
  return true;
}

// --- date-time (RFC 3339 section 5.6) ---------------------------------------------------------------

// The number in value[pos, pos + count) when those are all digits; -1 otherwise (also when short).
int digits_at(std::string_view value, std::size_t pos, std::size_t count) noexcept {
  if (pos + count > value.size()) return -1;
  int number = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(value[i])) return -1;
    number = number * 10 + (value[i] - '0');
  }
  return number;
}

bool char_at(std::string_view value, std::size_t pos, char expected) noexcept {
  return pos < value.size() && value[pos] == expected;
}

bool is_leap_year(int year) noexcept { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(int year, int month) noexcept {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

const char* const month_names[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};

// "<what> NN is out of range", quoting the two digits of the value.
bool out_of_range(Reason* reason, std::string_view what, std::string_view digits) noexcept {
  if (reason != nullptr) *reason << what << ' ' << digits << " is out of range";
  return false;
}

bool check_date_time(std::string_view v, Reason* r) noexcept {
  // full-date = date-fullyear "-" date-month "-" date-mday
  const int year = digits_at(v, 0, 4);
  if (year < 0) return fail(r, "expected a four-digit year first (YYYY-MM-DDTHH:MM:SSZ)");
  if (!char_at(v, 4, '-')) return fail(r, "expected \"-\" after the year (YYYY-MM-DD)");
  const int month = digits_at(v, 5, 2);
  if (month < 0) return fail(r, "the month must be two digits (YYYY-MM-DD)");
  if (month < 1 || month > 12) return out_of_range(r, "month", v.substr(5, 2));
  if (!char_at(v, 7, '-')) return fail(r, "expected \"-\" after the month (YYYY-MM-DD)");
  const int day = digits_at(v, 8, 2);
  if (day < 0) return fail(r, "the day must be two digits (YYYY-MM-DD)");
  if (day < 1) return out_of_range(r, "day", v.substr(8, 2));
  if (day > days_in_month(year, month)) {
    if (r != nullptr) {
      *r << month_names[month - 1] << ' ' << v.substr(0, 4) << " has " << days_in_month(year, month)
         << " days";
    }
    return false;
  }

  // "T" full-time, where full-time = partial-time time-offset
  if (v.size() == 10) return fail(r, "missing the time (YYYY-MM-DDTHH:MM:SSZ)");
  if (v[10] == ' ') return fail(r, "use \"T\" between the date and the time, not a space");
  if (v[10] != 'T' && v[10] != 't') return fail(r, "expected \"T\" after the date");

  // partial-time = time-hour ":" time-minute ":" time-second [time-secfrac]
  const int hour = digits_at(v, 11, 2);
  if (hour < 0) return fail(r, "the hour must be two digits (HH:MM:SS)");
  if (hour > 23) return out_of_range(r, "hour", v.substr(11, 2));
  if (!char_at(v, 13, ':')) return fail(r, "expected \":\" after the hour (HH:MM:SS)");
  const int minute = digits_at(v, 14, 2);
  if (minute < 0) return fail(r, "the minute must be two digits (HH:MM:SS)");
  if (minute > 59) return out_of_range(r, "minute", v.substr(14, 2));
  if (!char_at(v, 16, ':')) return fail(r, "missing the seconds (HH:MM:SS)");
  const int second = digits_at(v, 17, 2);
  if (second < 0) return fail(r, "the second must be two digits (HH:MM:SS)");
  if (second > 60) return out_of_range(r, "second", v.substr(17, 2));

  std::size_t pos = 19;
  if (char_at(v, pos, '.')) {  // time-secfrac = "." 1*DIGIT
    const std::size_t first = ++pos;
    while (pos < v.size() && is_digit(v[pos])) ++pos;
    if (pos == first) return fail(r, "at least one digit is needed after \".\"");
  }

  // time-offset = "Z" / time-numoffset, time-numoffset = ("+" / "-") time-hour ":" time-minute
  if (pos == v.size()) return fail(r, "missing time zone offset (use Z or +HH:MM)");
  if (v[pos] == ',') return fail(r, "use \".\" before the fraction of a second");
  int offset_minutes = 0;  // east of UTC
  if (v[pos] == 'Z' || v[pos] == 'z') {
    ++pos;
  } else if (v[pos] == '+' || v[pos] == '-') {
    const int sign = v[pos] == '-' ? -1 : 1;
    const int offset_hour = digits_at(v, pos + 1, 2);
    if (offset_hour < 0) return fail(r, "the offset hour must be two digits (+HH:MM)");
    if (offset_hour > 23) return out_of_range(r, "offset hour", v.substr(pos + 1, 2));
    if (!char_at(v, pos + 3, ':')) return fail(r, "expected \":\" in the time zone offset (+HH:MM)");
    const int offset_minute = digits_at(v, pos + 4, 2);
    if (offset_minute < 0) return fail(r, "the offset minute must be two digits (+HH:MM)");
    if (offset_minute > 59) return out_of_range(r, "offset minute", v.substr(pos + 4, 2));
    offset_minutes = sign * (offset_hour * 60 + offset_minute);
    pos += 6;
  } else {
    return fail(r, "the time zone offset must be Z, +HH:MM or -HH:MM");
  }
  if (pos != v.size()) return fail(r, "unexpected characters after the time zone offset");

  // A leap second is inserted after 23:59:59 UTC: in local time the minute is 59 shifted by the
  // offset (RFC 3339 section 5.7: 1990-12-31T15:59:60-08:00). Only the minute is checked.
  if (second == 60 && ((minute - offset_minutes % 60) % 60 + 60) % 60 != 59) {
    return fail(r, "second 60 (a leap second) is only possible at minute 59 UTC");
  }
  return true;
}

// --- email ----------------------------------------------------------------------------------------

// RFC 5322 section 3.2.3 atext, plus UTF-8 bytes (RFC 6531).
bool is_atext(char c) noexcept {
  return is_alnum(c) || is_non_ascii(c) || (c != '\0' && std::strchr("!#$%&'*+/=?^_`{|}~-", c) != nullptr);
}

bool check_email(std::string_view v, Reason* r) noexcept {
  if (v.empty()) return fail(r, "the address is empty");
  if (v.size() > 254) return fail(r, "the address is longer than 254 bytes");
  for (char c : v) {
    if (c == ' ') return fail(r, "the address contains a space");
    if (is_control(c)) return fail(r, "the address contains a control character");
  }
  const std::size_t at = v.find('@');
  if (at == std::string_view::npos) return fail(r, "missing \"@\"");
  if (v.find('@', at + 1) != std::string_view::npos) {
    return fail(r, "more than one \"@\" (quoted local parts are not supported)");
  }

  const std::string_view local = v.substr(0, at);
  if (local.empty()) return fail(r, "nothing before \"@\"");
  if (local.size() > 64) return fail(r, "the part before \"@\" is longer than 64 bytes");
  if (local.front() == '.' || local.back() == '.') {
    return fail(r, "the part before \"@\" cannot start or end with a dot");
  }
  for (std::size_t i = 0; i < local.size(); ++i) {
    const char c = local[i];
    if (c == '.') {
      if (local[i - 1] == '.') return fail(r, "the part before \"@\" has two dots in a row");
    } else if (c == '"') {
      return fail(r, "quoted local parts are not supported");
    } else if (c == '(' || c == ')') {
      return fail(r, "comments are not supported");
    } else if (!is_atext(c)) {
      return fail(r, "the part before \"@\" has a character that is not allowed");
    }
  }

  const std::string_view domain = v.substr(at + 1);
  if (domain.empty()) return fail(r, "nothing after \"@\"");
  if (domain.front() == '[') return fail(r, "IP-address literals are not supported; use a domain name");
  if (domain.find('.') == std::string_view::npos) return fail(r, "the domain needs a dot");
  std::size_t start = 0;
  std::string_view label;
  while (start <= domain.size()) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    label = domain.substr(start, end - start);
    if (label.empty()) return fail(r, "the domain has an empty label (a dot at the start or end, or two in a row)");
    if (label.size() > 63) return fail(r, "a domain label is longer than 63 bytes");
    if (label.front() == '-' || label.back() == '-') {
      return fail(r, "a domain label cannot start or end with a hyphen");
    }
    for (char c : label) {
      if (c == '(' || c == ')') return fail(r, "comments are not supported");
      if (!is_alnum(c) && !is_non_ascii(c) && c != '-') {
        return fail(r, "the domain has a character that is not allowed");
      }
    }
    start = end + 1;
  }
  // `label` is now the top-level domain.
  if (label.size() < 2) return fail(r, "the top-level domain needs at least two characters");
  bool all_digits = true;
  for (char c : label) all_digits = all_digits && is_digit(c);
  if (all_digits) return fail(r, "the top-level domain cannot be all digits");
  return true;
}

// --- ISO 4217 and ISO 3166-1 ------------------------------------------------------------------------

bool did_you_mean(Reason* reason, std::string_view code) noexcept {
  if (reason != nullptr) *reason << "did you mean \"" << code << "\"?";
  return false;
}

bool check_currency(std::string_view v, Reason* r) noexcept {
  if (known_currency(v)) return true;
  if (v.size() != 3) return fail(r, "an ISO 4217 code has three letters, like \"USD\"");
  UpperCode upper;
  if (upper_letters(v, upper) && known_currency(upper.view())) return did_you_mean(r, upper.view());
  return fail(r, "not an active ISO 4217 currency code");
}

// Alpha-2 codes that ISO 3166 reserves but people use in billing data: the reason names the real code.
bool reserved_alpha2(std::string_view code, Reason* r) noexcept {
  if (code == "UK") {
    return fail(r, "\"UK\" is reserved; the ISO 3166-1 code for the United Kingdom is \"GB\"");
  }
  if (code == "EL") {
    return fail(r, "\"EL\" is reserved (Greece in EU VAT numbers); the ISO 3166-1 code for Greece is \"GR\"");
  }
  return true;
}

// The reason a two-byte value that is not an alpha-2 code was rejected.
bool explain_alpha2(std::string_view v, Reason* r, std::string_view otherwise) noexcept {
  if (!reserved_alpha2(v, r)) return false;
  UpperCode upper;
  if (upper_letters(v, upper)) {
    if (known_alpha2(upper.view())) return did_you_mean(r, upper.view());
    if (!reserved_alpha2(upper.view(), r)) return false;
  }
  return fail(r, otherwise);
}

bool check_country_alpha2(std::string_view v, Reason* r) noexcept {
  if (known_alpha2(v)) return true;
  if (v.size() == 2) return explain_alpha2(v, r, "not an ISO 3166-1 alpha-2 country code");
  UpperCode upper;
  if (v.size() == 3 && upper_letters(v, upper)) {
    const std::size_t index = alpha3_index(upper.view());
    if (index != detail::country_alpha3_count) {
      if (r != nullptr) {
        *r << "this is the alpha-3 code; use \"" << std::string_view(detail::country_alpha3_alpha2[index], 2)
           << '"';
      }
      return false;
    }
  }
  return fail(r, "an ISO 3166-1 alpha-2 code has two letters, like \"DE\"");
}

bool check_country_code(std::string_view v, Reason* r) noexcept {
  if (known_alpha2(v) || known_alpha3(v)) return true;
  if (v.size() == 2) return explain_alpha2(v, r, "not an ISO 3166-1 country code");
  if (v.size() == 3) {
    UpperCode upper;
    if (upper_letters(v, upper) && known_alpha3(upper.view())) return did_you_mean(r, upper.view());
    return fail(r, "not an ISO 3166-1 country code");
  }
  return fail(r, "an ISO 3166-1 code has two or three letters, like \"DE\" or \"USA\"");
}

// --- decimal-fraction -------------------------------------------------------------------------------

constexpr std::string_view send_fractions = "send fractions: \"0.20\" = 20%";

bool check_decimal_fraction(std::string_view v, Reason* r) noexcept {
  if (v.empty()) return fail(r, "the rate is empty");
  if (v.front() == ' ' || v.front() == '\t' || v.back() == ' ' || v.back() == '\t') {
    return fail(r, "no spaces allowed, like \"0.20\"");
  }
  if (v.find('%') != std::string_view::npos) {
    return fail(r, "no percent sign; send fractions: \"0.20\" = 20%");
  }
  if (v.front() == '-') return fail(r, "a rate cannot be negative");
  if (v.front() == '+') return fail(r, "no sign allowed, like \"0.20\"");
  if (v.front() == '.') return fail(r, "a digit is needed before \".\", like \"0.20\"");

  constexpr std::string_view shape = "a rate is a decimal string from \"0\" to \"1\", like \"0.20\"";
  std::size_t i = 0;
  while (i < v.size() && is_digit(v[i])) ++i;
  const std::string_view integer = v.substr(0, i);
  if (integer.empty()) return fail(r, shape);
  std::string_view fraction;
  if (i < v.size()) {
    if (v[i] == ',') return fail(r, "use \".\" as the decimal separator, like \"0.20\"");
    if (v[i] == 'e' || v[i] == 'E') return fail(r, "no exponents; write the digits, like \"0.20\"");
    if (v[i] != '.') return fail(r, shape);
    const std::size_t first = ++i;
    while (i < v.size() && is_digit(v[i])) ++i;
    if (i == first) return fail(r, "at least one digit is needed after \".\"");
    if (i < v.size()) {
      if (v[i] == 'e' || v[i] == 'E') return fail(r, "no exponents; write the digits, like \"0.20\"");
      return fail(r, shape);
    }
    fraction = v.substr(first);
  }
  if (integer.size() > 1 && integer.front() == '0') return fail(r, "no leading zeros, like \"0.20\"");
  if (integer == "0") return true;
  if (integer == "1" && fraction.find_first_not_of('0') == std::string_view::npos) return true;

  // Above 1: most likely a percentage sent where a fraction belongs.
  if (r != nullptr) {
    if (v.size() <= 16) {
      *r << "a rate of " << v << " would be " << integer;  // the value times 100
      *r << (fraction.size() > 0 ? fraction[0] : '0') << (fraction.size() > 1 ? fraction[1] : '0');
      if (fraction.size() > 2) *r << '.' << fraction.substr(2);
      *r << "%; " << send_fractions;
    } else {
      *r << "a rate above 1 would be more than 100%; " << send_fractions;
    }
  }
  return false;
}

// --- HTTP -------------------------------------------------------------------------------------------

// RFC 9110 section 11.2 token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_token68_char(char c) noexcept {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

// Never quotes any part of the value: it is a secret.
bool check_bearer(std::string_view v, Reason* r) noexcept {
  if (v.empty()) return fail(r, "the value is empty");
  std::size_t i = 0;
  while (i < v.size() && v[i] != ' ' && v[i] != '\t') ++i;
  if (!iequals(v.substr(0, i), "Bearer")) return fail(r, "the scheme is not \"Bearer\"");
  if (i == v.size()) return fail(r, "the API key is empty");
  if (v[i] == '\t') return fail(r, "separate \"Bearer\" and the API key with a space, not a tab");
  while (i < v.size() && v[i] == ' ') ++i;
  if (i == v.size()) return fail(r, "the API key is empty");
  const std::size_t first = i;
  while (i < v.size() && is_token68_char(v[i])) ++i;
  if (i == first) return fail(r, "the API key has characters not allowed in a token");
  while (i < v.size() && v[i] == '=') ++i;
  if (i == v.size()) return true;
  const std::size_t rest = v.find_first_not_of(" \t", i);
  if (rest == std::string_view::npos) return fail(r, "whitespace after the API key");
  return fail(r, "the API key has characters not allowed in a token");
}

bool is_whitespace(char c) noexcept { return c == ' ' || c == '\t'; }

std::size_t skip_whitespace(std::string_view v, std::size_t i) noexcept {
  while (i < v.size() && is_whitespace(v[i])) ++i;
  return i;
}

std::size_t skip_token(std::string_view v, std::size_t i) noexcept {
  while (i < v.size() && is_tchar(v[i])) ++i;
  return i;
}

// media-type = type "/" subtype parameters (RFC 9110 section 8.3.1), where
// parameters = *( OWS ";" OWS [ parameter ] ) and parameter = token "=" ( token / quoted-string ).
bool check_json_media_type(std::string_view v, Reason* r) noexcept {
  constexpr std::string_view wrong_type = "the media type must be \"application/json\"";
  constexpr std::string_view malformed = "a malformed parameter (expected ; name=value)";
  if (v.empty()) return fail(r, "the value is empty; expected \"application/json\"");
  if (is_whitespace(v.front()) || is_whitespace(v.back())) return fail(r, "leading or trailing whitespace");
  std::size_t i = skip_token(v, 0);
  const std::string_view type = v.substr(0, i);
  if (!char_at(v, i, '/')) return fail(r, wrong_type);
  const std::size_t subtype_start = ++i;
  i = skip_token(v, i);
  if (!iequals(type, "application") || !iequals(v.substr(subtype_start, i - subtype_start), "json")) {
    return fail(r, wrong_type);
  }
  while (true) {
    i = skip_whitespace(v, i);
    if (i == v.size()) return true;
    if (v[i] != ';') return fail(r, malformed);
    i = skip_whitespace(v, i + 1);
    if (i == v.size() || v[i] == ';') continue;  // an empty parameter is allowed
    const std::size_t name_start = i;
    i = skip_token(v, i);
    const std::string_view name = v.substr(name_start, i - name_start);
    if (name.empty() || !char_at(v, i, '=')) return fail(r, malformed);
    ++i;
    // The value, unquoted; only its first bytes are kept, enough to compare it with "utf-8".
    char value[8];
    std::size_t value_size = 0;
    bool value_too_long = false;
    const auto keep = [&](char c) noexcept {
      if (value_size < sizeof value) {
        value[value_size++] = c;
      } else {
        value_too_long = true;
      }
    };
    if (char_at(v, i, '"')) {  // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
      ++i;
      while (true) {
        if (i == v.size()) return fail(r, "a quoted parameter value is not closed");
        const char c = v[i];
        if (c == '"') break;
        if (c == '\\') {
          if (i + 1 == v.size() || (is_control(v[i + 1]) && v[i + 1] != '\t')) return fail(r, malformed);
          keep(v[i + 1]);
          i += 2;
        } else if (is_control(c) && c != '\t') {
          return fail(r, "a control character in a parameter value");
        } else {
          keep(c);
          ++i;
        }
      }
      ++i;
    } else {
      const std::size_t value_start = i;
      i = skip_token(v, i);
      if (i == value_start) return fail(r, malformed);
      for (std::size_t k = value_start; k < i; ++k) keep(v[k]);
    }
    if (iequals(name, "charset") && (value_too_long || !iequals(std::string_view(value, value_size), "utf-8"))) {
      return fail(r, "the charset must be utf-8 (JSON text is UTF-8, RFC 8259)");
    }
  }
}

// field-value = *field-content (RFC 9110 section 5.5): VCHAR, obs-text, and SP / HTAB inside.
bool check_header_value(std::string_view v, Reason* r) noexcept {
  if (v.empty()) return true;
  if (is_whitespace(v.front()) || is_whitespace(v.back())) return fail(r, "leading or trailing whitespace");
  for (char c : v) {
    if (c == '\r' || c == '\n') return fail(r, "a line break (CR or LF) in the value");
    if (c == '\0') return fail(r, "a NUL byte in the value");
    if (is_control(c) && c != '\t') return fail(r, "a control character in the value");
  }
  return true;
}

// "/customers/" segment-nz, where segment-nz = 1*pchar (RFC 3986 section 3.3).
bool check_customer_path(std::string_view v, Reason* r) noexcept {
  constexpr std::string_view prefix = "/customers/";
  if (v.substr(0, prefix.size()) != prefix) return fail(r, "expected \"/customers/{id}\"");
  const std::string_view id = v.substr(prefix.size());
  if (id.empty() || id.front() == '/') return fail(r, "the customer id is empty; expected \"/customers/{id}\"");
  std::size_t dots = 0;  // "." and "%2E" (RFC 3986 section 6.2.2.2)
  bool only_dots = true;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (c == '/') {
      if (i + 1 == id.size()) return fail(r, "no trailing \"/\"; expected \"/customers/{id}\"");
      return fail(r, "the customer id must be one path segment (no \"/\"); expected \"/customers/{id}\"");
    }
    if (c == '?') return fail(r, "no query string allowed; expected \"/customers/{id}\"");
    if (c == '#') return fail(r, "no fragment allowed; expected \"/customers/{id}\"");
    if (c == '%') {
      if (i + 2 >= id.size() || !is_hex(id[i + 1]) || !is_hex(id[i + 2])) {
        return fail(r, "a \"%\" must be followed by two hex digits");
      }
      const bool dot = id[i + 1] == '2' && (id[i + 2] == 'E' || id[i + 2] == 'e');
      only_dots = only_dots && dot;
      dots += dot ? 1 : 0;
      i += 2;
    } else if (is_unreserved(c) || is_sub_delim(c) || c == ':' || c == '@') {
      only_dots = only_dots && c == '.';
      dots += c == '.' ? 1 : 0;
    } else {
      return fail(r, "a character not allowed in a path segment (percent-encode it)");
    }
  }
  if (only_dots && dots <= 2) return fail(r, "the customer id cannot be \".\" or \"..\"");
  return true;
}

// --- Names ------------------------------------------------------------------------------------------

struct FormatInfo {
  Format format;
  const char* name;
  const char* expectation;
};

constexpr FormatInfo format_table[] = {
    {Format::date_time, "date-time", "an RFC 3339 date-time like \"2026-04-01T10:00:00Z\""},
    {Format::email, "email", "an e-mail address like \"john@example.com\""},
    {Format::currency_code, "iso-4217", "an ISO 4217 currency code like \"USD\""},
    {Format::country_alpha2, "iso-3166-alpha-2", "an ISO 3166-1 alpha-2 country code like \"DE\""},
    {Format::country_code, "iso-3166", "an ISO 3166-1 country code like \"DE\" or \"USA\""},
    {Format::decimal_fraction, "decimal-fraction", "a decimal string like \"0.20\""},
    {Format::bearer_credentials, "bearer-credentials", "\"Bearer <api key>\""},
    {Format::json_media_type, "json-media-type", "\"application/json\""},
    {Format::header_value, "http-field-value", "a header value of visible ASCII characters"},
    {Format::customer_path, "customer-path", "a path like \"/customers/cust_abc123\""},
};

const FormatInfo* find_info(Format format) noexcept {
  for (const FormatInfo& info : format_table) {
    if (info.format == format) return &info;
  }
  return nullptr;
}

bool dispatch(Format format, std::string_view v, Reason* r) noexcept {
  switch (format) {
    case Format::date_time: return check_date_time(v, r);
    case Format::email: return check_email(v, r);
    case Format::currency_code: return check_currency(v, r);
    case Format::country_alpha2: return check_country_alpha2(v, r);
    case Format::country_code: return check_country_code(v, r);
    case Format::decimal_fraction: return check_decimal_fraction(v, r);
    case Format::bearer_credentials: return check_bearer(v, r);
    case Format::json_media_type: return check_json_media_type(v, r);
    case Format::header_value: return check_header_value(v, r);
    case Format::customer_path: return check_customer_path(v, r);
  }
  return fail(r, "unknown format");
}

}  // namespace

const char* format_name(Format format) noexcept {
  const FormatInfo* info = find_info(format);
  return info != nullptr ? info->name : "unknown";
}

std::optional<Format> format_from_name(std::string_view name) noexcept {
  for (const FormatInfo& info : format_table) {
    if (name == info.name) return info.format;
  }
  return std::nullopt;
}

const char* format_expectation(Format format) noexcept {
  const FormatInfo* info = find_info(format);
  return info != nullptr ? info->expectation : "a value of an unknown format";
}

bool check_format(Format format, std::string_view value, std::string* why) noexcept {
  if (why == nullptr) return dispatch(format, value, nullptr);
  why->clear();
  Reason reason;
  const bool ok = dispatch(format, value, &reason);
  if (!ok) {
    try {
      why->assign(reason.view());
    } catch (...) {  // std::bad_alloc: no reason rather than no answer
      why->clear();
    }
  }
  return ok;
}

bool is_rfc3339_date_time(std::string_view value) noexcept { return check_date_time(value, nullptr); }
bool is_email(std::string_view value) noexcept { return check_email(value, nullptr); }
bool is_currency_code(std::string_view value) noexcept { return check_currency(value, nullptr); }
bool is_country_alpha2(std::string_view value) noexcept { return known_alpha2(value); }
bool is_country_alpha3(std::string_view value) noexcept { return known_alpha3(value); }
bool is_decimal_fraction(std::string_view value) noexcept { return check_decimal_fraction(value, nullptr); }

}  // namespace alguna::contract
