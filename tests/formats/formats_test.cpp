// Tests of the string-format checks (src/formats.cpp; the rules are in docs/formats.md).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "alguna/contract/formats.hpp"

using alguna::contract::check_format;
using alguna::contract::Format;

namespace {

constexpr std::string_view accepted = "<accepted>";

// The reason `value` is rejected, or "<accepted>".
std::string reason(Format format, std::string_view value) {
  std::string why;
  return check_format(format, value, &why) ? std::string(accepted) : why;
}

bool accepts(Format format, std::string_view value) { return check_format(format, value); }

// True when the reason contains `part`.
bool reason_has(Format format, std::string_view value, std::string_view part) {
  return reason(format, value).find(part) != std::string::npos;
}

const std::vector<Format> all_formats = {
    Format::date_time,          Format::email,           Format::currency_code, Format::country_alpha2,
    Format::country_code,       Format::decimal_fraction, Format::bearer_credentials,
    Format::json_media_type,    Format::header_value,    Format::customer_path};

constexpr std::size_t ten_mb = 10 * 1000 * 1000;

}  // namespace

// --- date-time ----------------------------------------------------------------------------------

TEST_CASE("date-time: RFC 3339 values are accepted", "[formats][date-time]") {
  for (const char* value : {
           "2026-04-01T10:00:00Z",
           "2026-04-01t10:00:00z",            // lower case T and Z (RFC 3339 section 5.6, NOTE)
           "1985-04-12T23:20:50.52Z",         // RFC 3339 section 5.8
           "1996-12-19T16:39:57-08:00",       // RFC 3339 section 5.8
           "1937-01-01T12:00:27.87+00:20",    // RFC 3339 section 5.8
           "2026-04-01T10:00:00.1Z",
           "9999-12-31T23:59:59.999999999Z",
           "0000-01-01T00:00:00Z",
           "2026-04-01T10:00:00+23:59",
           "2026-04-01T10:00:00-23:59",
           "2026-04-01T10:00:00-00:00",       // "unknown local offset" (RFC 3339 section 4.3)
           "2026-01-31T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z",
           "2026-12-31T00:00:00Z", "2026-02-28T00:00:00Z",
       }) {
    INFO(value);
    CHECK(reason(Format::date_time, value) == accepted);
    CHECK(alguna::contract::is_rfc3339_date_time(value));
  }
}

TEST_CASE("date-time: the calendar is real", "[formats][date-time]") {
  CHECK(accepts(Format::date_time, "2024-02-29T00:00:00Z"));  // divisible by 4
  CHECK(accepts(Format::date_time, "2000-02-29T00:00:00Z"));  // divisible by 400
  CHECK(reason(Format::date_time, "1900-02-29T00:00:00Z") == "February 1900 has 28 days");  // by 100
  CHECK(reason(Format::date_time, "2023-02-29T00:00:00Z") == "February 2023 has 28 days");
  CHECK(reason(Format::date_time, "2026-02-30T00:00:00Z") == "February 2026 has 28 days");
  CHECK(reason(Format::date_time, "2024-02-30T00:00:00Z") == "February 2024 has 29 days");
  CHECK(reason(Format::date_time, "2026-04-31T00:00:00Z") == "April 2026 has 30 days");
  CHECK(reason(Format::date_time, "2026-01-32T00:00:00Z") == "January 2026 has 31 days");
  CHECK(reason(Format::date_time, "2026-01-00T00:00:00Z") == "day 00 is out of range");
  CHECK(reason(Format::date_time, "2026-13-01T00:00:00Z") == "month 13 is out of range");
  CHECK(reason(Format::date_time, "2026-00-01T00:00:00Z") == "month 00 is out of range");
}

TEST_CASE("date-time: the clock is real", "[formats][date-time]") {
  CHECK(accepts(Format::date_time, "2026-04-01T23:59:59Z"));
  CHECK(reason(Format::date_time, "2026-04-01T24:00:00Z") == "hour 24 is out of range");
  CHECK(reason(Format::date_time, "2026-04-01T25:00:00Z") == "hour 25 is out of range");
  CHECK(reason(Format::date_time, "2026-04-01T10:60:00Z") == "minute 60 is out of range");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:61Z") == "second 61 is out of range");
}

TEST_CASE("date-time: second 60 only at minute 59 UTC", "[formats][date-time]") {
  CHECK(accepts(Format::date_time, "1990-12-31T23:59:60Z"));        // RFC 3339 section 5.8
  CHECK(accepts(Format::date_time, "1990-12-31T15:59:60-08:00"));   // the same, local time
  CHECK(accepts(Format::date_time, "2017-01-01T05:29:60+05:30"));   // 23:59:60Z in India
  CHECK(accepts(Format::date_time, "2026-04-01T10:59:60Z"));
  CHECK(reason(Format::date_time, "2026-04-01T10:58:60Z") ==
        "second 60 (a leap second) is only possible at minute 59 UTC");
  CHECK_FALSE(accepts(Format::date_time, "2016-12-31T23:59:60+05:30"));  // 18:29:60Z
  CHECK_FALSE(accepts(Format::date_time, "2016-12-31T23:00:60-00:01"));
}

TEST_CASE("date-time: the offset is required and well-formed", "[formats][date-time]") {
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00") == "missing time zone offset (use Z or +HH:MM)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00.5") == "missing time zone offset (use Z or +HH:MM)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00+24:00") == "offset hour 24 is out of range");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00+05:60") == "offset minute 60 is out of range");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00|05:00") ==
        "the time zone offset must be Z, +HH:MM or -HH:MM");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00 Z") == "the time zone offset must be Z, +HH:MM or -HH:MM");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00+0100") ==
        "expected \":\" in the time zone offset (+HH:MM)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00+5:00") == "the offset hour must be two digits (+HH:MM)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00+05:0") == "the offset minute must be two digits (+HH:MM)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00+05") == "expected \":\" in the time zone offset (+HH:MM)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00ZZ") == "unexpected characters after the time zone offset");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00Z ") == "unexpected characters after the time zone offset");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00+01:00:00") ==
        "unexpected characters after the time zone offset");
}

TEST_CASE("date-time: the shape is exact", "[formats][date-time]") {
  CHECK(reason(Format::date_time, "2026-04-01 10:00:00Z") == "use \"T\" between the date and the time, not a space");
  CHECK(reason(Format::date_time, "2026-04-01") == "missing the time (YYYY-MM-DDTHH:MM:SSZ)");
  CHECK(reason(Format::date_time, "2026-04-01X10:00:00Z") == "expected \"T\" after the date");
  CHECK(reason(Format::date_time, "2026-04-01T10:00Z") == "missing the seconds (HH:MM:SS)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00.Z") == "at least one digit is needed after \".\"");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:00,5Z") == "use \".\" before the fraction of a second");
  CHECK(reason(Format::date_time, "") == "expected a four-digit year first (YYYY-MM-DDTHH:MM:SSZ)");
  CHECK(reason(Format::date_time, "26-04-01T10:00:00Z") == "expected a four-digit year first (YYYY-MM-DDTHH:MM:SSZ)");
  CHECK(reason(Format::date_time, "2026/04/01T10:00:00Z") == "expected \"-\" after the year (YYYY-MM-DD)");
  CHECK(reason(Format::date_time, "2026-4-01T10:00:00Z") == "the month must be two digits (YYYY-MM-DD)");
  CHECK(reason(Format::date_time, "2026-04-1T10:00:00Z") == "the day must be two digits (YYYY-MM-DD)");
  CHECK(reason(Format::date_time, "2026-04-01T1:00:00Z") == "the hour must be two digits (HH:MM:SS)");
  CHECK(reason(Format::date_time, "2026-04-01T10:0:00Z") == "the minute must be two digits (HH:MM:SS)");
  CHECK(reason(Format::date_time, "2026-04-01T10:00:0Z") == "the second must be two digits (HH:MM:SS)");
  CHECK_FALSE(accepts(Format::date_time, "+2026-04-01T10:00:00Z"));
  CHECK_FALSE(accepts(Format::date_time, " 2026-04-01T10:00:00Z"));
  CHECK_FALSE(accepts(Format::date_time, "20260401T100000Z"));  // ISO 8601 basic format
  CHECK_FALSE(accepts(Format::date_time, std::string("2026-04-01T10:00:00Z\0", 21)));
  CHECK_FALSE(alguna::contract::is_rfc3339_date_time("2023-02-29T00:00:00Z"));
}

// --- email --------------------------------------------------------------------------------------

TEST_CASE("email: practical addresses are accepted", "[formats][email]") {
  const std::string local64(64, 'a');
  const std::string label63(63, 'b');
  // 64 + 1 + 189 = 254 bytes.
  const std::string longest = local64 + "@" + std::string(63, 'a') + "." + label63 + "." + std::string(57, 'c') + ".com";
  REQUIRE(longest.size() == 254);
  for (const std::string& value : {
           std::string("john@example.com"),
           std::string("john.doe+billing@example.co.uk"),
           std::string("a@b.io"),
           std::string("!#$%&'*+/=?^_`{|}~-@example.com"),
           std::string("billing@sub-domain.example.com"),
           std::string("x@123.example.com"),
           std::string("j\xC3\xB6hn@ex\xC3\xA4mple.de"),  // jöhn@exämple.de
           std::string("\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91\x8A"),  // 用户@例子.广告
           local64 + "@example.com",
           "x@" + label63 + ".com",
           longest,
       }) {
    INFO(value);
    CHECK(reason(Format::email, value) == accepted);
    CHECK(alguna::contract::is_email(value));
  }
}

TEST_CASE("email: the local part", "[formats][email]") {
  CHECK(reason(Format::email, "") == "the address is empty");
  CHECK(reason(Format::email, "john.example.com") == "missing \"@\"");
  CHECK(reason(Format::email, "a@b@example.com") == "more than one \"@\" (quoted local parts are not supported)");
  CHECK(reason(Format::email, "\"a@b\"@example.com") == "more than one \"@\" (quoted local parts are not supported)");
  CHECK(reason(Format::email, "\"john\"@example.com") == "quoted local parts are not supported");
  CHECK(reason(Format::email, "@example.com") == "nothing before \"@\"");
  CHECK(reason(Format::email, std::string(65, 'a') + "@example.com") == "the part before \"@\" is longer than 64 bytes");
  CHECK(reason(Format::email, ".john@example.com") == "the part before \"@\" cannot start or end with a dot");
  CHECK(reason(Format::email, "john.@example.com") == "the part before \"@\" cannot start or end with a dot");
  CHECK(reason(Format::email, "jo..hn@example.com") == "the part before \"@\" has two dots in a row");
  CHECK(reason(Format::email, "john(work)@example.com") == "comments are not supported");
  CHECK(reason(Format::email, "jo,hn@example.com") == "the part before \"@\" has a character that is not allowed");
  CHECK(reason(Format::email, "jo\\hn@example.com") == "the part before \"@\" has a character that is not allowed");
  CHECK(reason(Format::email, "jo hn@example.com") == "the address contains a space");
  CHECK(reason(Format::email, " john@example.com") == "the address contains a space");
  CHECK(reason(Format::email, "john@example.com\n") == "the address contains a control character");
  CHECK(reason(Format::email, std::string("jo\0hn@example.com", 17)) == "the address contains a control character");
  CHECK(reason(Format::email, "jo\x7Fhn@example.com") == "the address contains a control character");
  CHECK(reason(Format::email, "jo\thn@example.com") == "the address contains a control character");
}

TEST_CASE("email: the domain", "[formats][email]") {
  CHECK(reason(Format::email, "john@") == "nothing after \"@\"");
  CHECK(reason(Format::email, "john@localhost") == "the domain needs a dot");
  CHECK(reason(Format::email, "john@[192.0.2.1]") == "IP-address literals are not supported; use a domain name");
  CHECK(reason(Format::email, "john@[IPv6:2001:db8::1]") == "IP-address literals are not supported; use a domain name");
  const std::string empty_label = "the domain has an empty label (a dot at the start or end, or two in a row)";
  CHECK(reason(Format::email, "john@.example.com") == empty_label);
  CHECK(reason(Format::email, "john@example.com.") == empty_label);
  CHECK(reason(Format::email, "john@example..com") == empty_label);
  CHECK(reason(Format::email, "john@" + std::string(64, 'b') + ".com") == "a domain label is longer than 63 bytes");
  CHECK(reason(Format::email, "john@-example.com") == "a domain label cannot start or end with a hyphen");
  CHECK(reason(Format::email, "john@example-.com") == "a domain label cannot start or end with a hyphen");
  CHECK(reason(Format::email, "john@example.com-") == "a domain label cannot start or end with a hyphen");
  CHECK(reason(Format::email, "john@exa_mple.com") == "the domain has a character that is not allowed");
  CHECK(reason(Format::email, "john@example.com(work)") == "comments are not supported");
  CHECK(reason(Format::email, "john@example.c") == "the top-level domain needs at least two characters");
  CHECK(reason(Format::email, "john@192.0.2.10") == "the top-level domain cannot be all digits");
  CHECK(reason(Format::email, "john@example.123") == "the top-level domain cannot be all digits");
  CHECK(accepts(Format::email, "john@example.c0m"));
  // 255 bytes.
  const std::string too_long = std::string(64, 'a') + "@" + std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                               std::string(58, 'c') + ".com";
  REQUIRE(too_long.size() == 255);
  CHECK(reason(Format::email, too_long) == "the address is longer than 254 bytes");
}

// --- ISO 4217 and ISO 3166-1 ------------------------------------------------------------------------

namespace {

// How many codes of `length` upper-case ASCII letters the predicate accepts.
template <typename Predicate>
int count_codes(std::size_t length, Predicate accepted_code) {
  std::string code(length, 'A');
  int count = 0;
  while (true) {
    count += accepted_code(code) ? 1 : 0;
    std::size_t i = length;
    while (i > 0 && code[i - 1] == 'Z') code[--i] = 'A';
    if (i == 0) return count;
    ++code[i - 1];
  }
}

}  // namespace

TEST_CASE("iso-4217: the generated table", "[formats][iso]") {
  // Debian 12's iso-codes 4.15: 181 active codes, "AED" first and "ZWL" last in byte order.
  CHECK(count_codes(3, [](const std::string& c) { return alguna::contract::is_currency_code(c); }) == 181);
  CHECK(accepts(Format::currency_code, "AED"));
  CHECK(accepts(Format::currency_code, "ZWL"));
  CHECK_FALSE(accepts(Format::currency_code, "AAA"));
  CHECK_FALSE(accepts(Format::currency_code, "ZZZ"));
  for (const char* code : {"EUR", "USD", "GBP", "JPY", "CHF", "XTS", "XXX", "XAU"}) {
    INFO(code);
    CHECK(reason(Format::currency_code, code) == accepted);
  }
}

TEST_CASE("iso-4217: rejected codes", "[formats][iso]") {
  CHECK(reason(Format::currency_code, "usd") == "did you mean \"USD\"?");
  CHECK(reason(Format::currency_code, "Eur") == "did you mean \"EUR\"?");
  CHECK(reason(Format::currency_code, "XYZ") == "not an active ISO 4217 currency code");
  CHECK(reason(Format::currency_code, "xyz") == "not an active ISO 4217 currency code");
  CHECK(reason(Format::currency_code, "U$D") == "not an active ISO 4217 currency code");
  CHECK(reason(Format::currency_code, "\xE2\x82\xAC") == "not an active ISO 4217 currency code");  // €
  CHECK(reason(Format::currency_code, "US") == "an ISO 4217 code has three letters, like \"USD\"");
  CHECK(reason(Format::currency_code, "USDD") == "an ISO 4217 code has three letters, like \"USD\"");
  CHECK(reason(Format::currency_code, "") == "an ISO 4217 code has three letters, like \"USD\"");
  CHECK(reason(Format::currency_code, std::string("US\0", 3)) == "not an active ISO 4217 currency code");
  CHECK_FALSE(alguna::contract::is_currency_code("usd"));
  CHECK_FALSE(alguna::contract::is_currency_code(" USD"));
}

TEST_CASE("iso-3166: the generated tables", "[formats][iso]") {
  // Debian 12's iso-codes 4.15: 249 countries.
  CHECK(count_codes(2, [](const std::string& c) { return alguna::contract::is_country_alpha2(c); }) == 249);
  CHECK(count_codes(3, [](const std::string& c) { return alguna::contract::is_country_alpha3(c); }) == 249);
  for (const char* code : {"AD", "ZW", "ABW", "ZWE"}) {  // first and last in byte order
    INFO(code);
    CHECK(accepts(Format::country_code, code));
  }
  CHECK(accepts(Format::country_alpha2, "AD"));
  CHECK(accepts(Format::country_alpha2, "ZW"));
  CHECK_FALSE(accepts(Format::country_code, "AA"));
  CHECK_FALSE(accepts(Format::country_code, "ZZ"));
  CHECK_FALSE(accepts(Format::country_code, "AAA"));
  CHECK_FALSE(accepts(Format::country_code, "ZZZ"));
  // Every alpha-3 code names an alpha-2 code of the same country, taken from the data.
  int mapped = count_codes(3, [](const std::string& alpha3) {
    if (!alguna::contract::is_country_alpha3(alpha3)) return false;
    const std::string why = reason(Format::country_alpha2, alpha3);
    const std::string prefix = "this is the alpha-3 code; use \"";
    return why.size() == prefix.size() + 3 && why.compare(0, prefix.size(), prefix) == 0 && why.back() == '"' &&
           alguna::contract::is_country_alpha2(why.substr(prefix.size(), 2));
  });
  CHECK(mapped == 249);
}

TEST_CASE("iso-3166-alpha-2: tax_country", "[formats][iso]") {
  for (const char* code : {"DE", "GB", "US", "FR", "GR", "CH"}) {
    INFO(code);
    CHECK(reason(Format::country_alpha2, code) == accepted);
    CHECK(alguna::contract::is_country_alpha2(code));
  }
  CHECK(reason(Format::country_alpha2, "UK") == "\"UK\" is reserved; the ISO 3166-1 code for the United Kingdom is \"GB\"");
  CHECK(reason(Format::country_alpha2, "uk") == "\"UK\" is reserved; the ISO 3166-1 code for the United Kingdom is \"GB\"");
  CHECK(reason_has(Format::country_alpha2, "EL", "\"GR\""));
  CHECK(reason(Format::country_alpha2, "de") == "did you mean \"DE\"?");
  CHECK(reason(Format::country_alpha2, "De") == "did you mean \"DE\"?");
  CHECK(reason(Format::country_alpha2, "DEU") == "this is the alpha-3 code; use \"DE\"");
  CHECK(reason(Format::country_alpha2, "deu") == "this is the alpha-3 code; use \"DE\"");
  CHECK(reason(Format::country_alpha2, "GBR") == "this is the alpha-3 code; use \"GB\"");
  CHECK(reason(Format::country_alpha2, "USA") == "this is the alpha-3 code; use \"US\"");
  CHECK(reason(Format::country_alpha2, "CHE") == "this is the alpha-3 code; use \"CH\"");
  CHECK(reason(Format::country_alpha2, "XK") == "not an ISO 3166-1 alpha-2 country code");
  CHECK(reason(Format::country_alpha2, "D1") == "not an ISO 3166-1 alpha-2 country code");
  CHECK(reason(Format::country_alpha2, "XYZ") == "an ISO 3166-1 alpha-2 code has two letters, like \"DE\"");
  CHECK(reason(Format::country_alpha2, "D") == "an ISO 3166-1 alpha-2 code has two letters, like \"DE\"");
  CHECK(reason(Format::country_alpha2, "") == "an ISO 3166-1 alpha-2 code has two letters, like \"DE\"");
  CHECK(reason(Format::country_alpha2, "Germany") == "an ISO 3166-1 alpha-2 code has two letters, like \"DE\"");
  CHECK_FALSE(alguna::contract::is_country_alpha2("DEU"));
  CHECK_FALSE(alguna::contract::is_country_alpha3("DE"));
}

TEST_CASE("iso-3166: billing_address.country takes alpha-2 or alpha-3", "[formats][iso]") {
  for (const char* code : {"DE", "USA", "US", "GB", "GBR", "DEU"}) {
    INFO(code);
    CHECK(reason(Format::country_code, code) == accepted);
  }
  CHECK(alguna::contract::is_country_alpha3("USA"));
  CHECK(reason(Format::country_code, "UK") == "\"UK\" is reserved; the ISO 3166-1 code for the United Kingdom is \"GB\"");
  CHECK(reason(Format::country_code, "usa") == "did you mean \"USA\"?");
  CHECK(reason(Format::country_code, "de") == "did you mean \"DE\"?");
  CHECK(reason(Format::country_code, "XYZ") == "not an ISO 3166-1 country code");
  CHECK(reason(Format::country_code, "XK") == "not an ISO 3166-1 country code");
  CHECK(reason(Format::country_code, "") == "an ISO 3166-1 code has two or three letters, like \"DE\" or \"USA\"");
  CHECK(reason(Format::country_code, "GERMANY") == "an ISO 3166-1 code has two or three letters, like \"DE\" or \"USA\"");
}

// --- decimal-fraction ---------------------------------------------------------------------------

TEST_CASE("decimal-fraction: rates from 0 to 1", "[formats][decimal-fraction]") {
  for (const char* value : {"0", "1", "0.0", "0.2", "0.20", "0.19", "0.075", "0.000001", "1.0", "1.00", "1.000000"}) {
    INFO(value);
    CHECK(reason(Format::decimal_fraction, value) == accepted);
    CHECK(alguna::contract::is_decimal_fraction(value));
  }
}

TEST_CASE("decimal-fraction: percentages and other shapes are rejected", "[formats][decimal-fraction]") {
  CHECK(reason(Format::decimal_fraction, "20") == "a rate of 20 would be 2000%; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "1.5") == "a rate of 1.5 would be 150%; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "1.01") == "a rate of 1.01 would be 101%; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "19.5") == "a rate of 19.5 would be 1950%; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "2.345") == "a rate of 2.345 would be 234.5%; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "1.0000000001") ==
        "a rate of 1.0000000001 would be 100.00000001%; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "12345678901234567") ==
        "a rate above 1 would be more than 100%; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "20%") == "no percent sign; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "0.2%") == "no percent sign; send fractions: \"0.20\" = 20%");
  CHECK(reason(Format::decimal_fraction, "-0.2") == "a rate cannot be negative");
  CHECK(reason(Format::decimal_fraction, "-0") == "a rate cannot be negative");
  CHECK(reason(Format::decimal_fraction, "+0.2") == "no sign allowed, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, ".2") == "a digit is needed before \".\", like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, "0.") == "at least one digit is needed after \".\"");
  CHECK(reason(Format::decimal_fraction, "1.") == "at least one digit is needed after \".\"");
  CHECK(reason(Format::decimal_fraction, "00.2") == "no leading zeros, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, "01") == "no leading zeros, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, "2e-1") == "no exponents; write the digits, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, "0.2e0") == "no exponents; write the digits, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, " 0.2") == "no spaces allowed, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, "0.2 ") == "no spaces allowed, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, "0,2") == "use \".\" as the decimal separator, like \"0.20\"");
  CHECK(reason(Format::decimal_fraction, "") == "the rate is empty");
  const std::string shape = "a rate is a decimal string from \"0\" to \"1\", like \"0.20\"";
  CHECK(reason(Format::decimal_fraction, "abc") == shape);
  CHECK(reason(Format::decimal_fraction, "0.2.3") == shape);
  CHECK(reason(Format::decimal_fraction, "0x1") == shape);
  CHECK(reason(Format::decimal_fraction, "NaN") == shape);
  CHECK(reason(Format::decimal_fraction, "\xD9\xA0") == shape);  // ARABIC-INDIC DIGIT ZERO
  CHECK(reason(Format::decimal_fraction, std::string("0\0", 2)) == shape);
  CHECK_FALSE(alguna::contract::is_decimal_fraction("1.5"));
}

// --- bearer-credentials -------------------------------------------------------------------------

TEST_CASE("bearer-credentials: accepted", "[formats][bearer]") {
  for (const char* value : {"Bearer sk_live_abc123", "bearer sk_live_abc123", "BEARER sk_live_abc123",
                            "Bearer   sk_live_abc123", "Bearer abc==", "Bearer a-._~+/b=", "Bearer x"}) {
    INFO(value);
    CHECK(reason(Format::bearer_credentials, value) == accepted);
  }
}

TEST_CASE("bearer-credentials: rejected without echoing the key", "[formats][bearer]") {
  const std::string scheme = "the scheme is not \"Bearer\"";
  const std::string characters = "the API key has characters not allowed in a token";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "the value is empty"},
      {"sk_live_SECRET42", scheme},
      {"Basic sk_live_SECRET42", scheme},
      {"Token sk_live_SECRET42", scheme},
      {"Bearer: sk_live_SECRET42", scheme},
      {"Bearersk_live_SECRET42", scheme},
      {" Bearer sk_live_SECRET42", scheme},
      {"Bearer", "the API key is empty"},
      {"Bearer ", "the API key is empty"},
      {"Bearer    ", "the API key is empty"},
      {"Bearer\tsk_live_SECRET42", "separate \"Bearer\" and the API key with a space, not a tab"},
      {"Bearer sk_live_SECRET42 ", "whitespace after the API key"},
      {"Bearer sk_live_SECRET42\t", "whitespace after the API key"},
      {"Bearer sk_live_SECRET42!", characters},
      {"Bearer sk_live SECRET42", characters},
      {"Bearer sk_live_SECRET42=x", characters},
      {"Bearer =sk_live_SECRET42", characters},
      {"Bearer \"sk_live_SECRET42\"", characters},
      {"Bearer sk_live_SECRET42\r\n", characters},
      {"Bearer sk_live_S\xC3\xA9" "CRET42", characters},
  };
  for (const auto& [value, expected] : cases) {
    INFO(value);
    const std::string why = reason(Format::bearer_credentials, value);
    CHECK(why == expected);
    CHECK(why.find("SECRET") == std::string::npos);
    CHECK(why.find("sk_") == std::string::npos);
  }
}

// --- json-media-type ----------------------------------------------------------------------------

TEST_CASE("json-media-type: accepted", "[formats][media-type]") {
  for (const char* value : {
           "application/json", "Application/JSON", "application/json; charset=utf-8",
           "application/json;charset=UTF-8", "application/json ; charset=\"utf-8\"",
           "application/json; charset=utf-8; foo=bar", "application/json;", "application/json; ;",
           "application/json; q=\"a\\\"b c\"", "application/json; charset=\"ut\\f-8\"",
       }) {
    INFO(value);
    CHECK(reason(Format::json_media_type, value) == accepted);
  }
}

TEST_CASE("json-media-type: rejected", "[formats][media-type]") {
  const std::string type = "the media type must be \"application/json\"";
  const std::string charset = "the charset must be utf-8 (JSON text is UTF-8, RFC 8259)";
  const std::string malformed = "a malformed parameter (expected ; name=value)";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"application/json-patch+json", type},
      {"application/merge-patch+json", type},
      {"text/json", type},
      {"text/plain", type},
      {"application", type},
      {"application/", type},
      {"/json", type},
      {"application/json/x", malformed},
      {"", "the value is empty; expected \"application/json\""},
      {" application/json", "leading or trailing whitespace"},
      {"application/json ", "leading or trailing whitespace"},
      {"application/json; charset=latin1", charset},
      {"application/json; charset=\"utf-16\"", charset},
      {"application/json; charset=utf-8x", charset},
      {"application/json; charset=utf-8-and-more-text", charset},
      {"application/json; CHARSET=utf8", charset},
      {"application/json; charset=utf-8; charset=latin1", charset},
      {"application/json; charset", malformed},
      {"application/json; =utf-8", malformed},
      {"application/json; charset=", malformed},
      {"application/json; charset = utf-8", malformed},
      {"application/json x", malformed},
      {"application/json, text/plain", malformed},
      {"application/json; charset=\"utf-8", "a quoted parameter value is not closed"},
      {"application/json; q=\"a\nb\"", "a control character in a parameter value"},
      {"application/json; q=\"a\\", malformed},
  };
  for (const auto& [value, expected] : cases) {
    INFO(value);
    CHECK(reason(Format::json_media_type, value) == expected);
  }
}

// --- http-field-value ---------------------------------------------------------------------------

TEST_CASE("http-field-value", "[formats][header]") {
  for (const std::string& value : {std::string(""), std::string("ik_a1b2c3d4e5f6"), std::string("a b\tc"),
                                   std::string("!~"), std::string("caf\xC3\xA9"), std::string("\x80\xFF")}) {
    INFO(value);
    CHECK(reason(Format::header_value, value) == accepted);
  }
  CHECK(reason(Format::header_value, " a") == "leading or trailing whitespace");
  CHECK(reason(Format::header_value, "a ") == "leading or trailing whitespace");
  CHECK(reason(Format::header_value, "\t") == "leading or trailing whitespace");
  CHECK(reason(Format::header_value, "a\r\nb") == "a line break (CR or LF) in the value");
  CHECK(reason(Format::header_value, "a\nb") == "a line break (CR or LF) in the value");
  CHECK(reason(Format::header_value, std::string("a\0b", 3)) == "a NUL byte in the value");
  CHECK(reason(Format::header_value, "a\x7F") == "a control character in the value");
  CHECK(reason(Format::header_value, "a\x01") == "a control character in the value");
}

// --- customer-path ------------------------------------------------------------------------------

TEST_CASE("customer-path: accepted", "[formats][path]") {
  for (const char* value : {"/customers/cust_abc123", "/customers/cus_NffrFeUfNV2Hib", "/customers/alias:acme@eu",
                            "/customers/a%20b", "/customers/%C3%A9", "/customers/!$&'()*+,;=", "/customers/...",
                            "/customers/a.b", "/customers/-._~"}) {
    INFO(value);
    CHECK(reason(Format::customer_path, value) == accepted);
  }
}

TEST_CASE("customer-path: rejected", "[formats][path]") {
  const std::string expected = "expected \"/customers/{id}\"";
  const std::string empty = "the customer id is empty; expected \"/customers/{id}\"";
  const std::string dots = "the customer id cannot be \".\" or \"..\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", expected},
      {"/customers", expected},
      {"/Customers/abc", expected},
      {"customers/abc", expected},
      {"https://api.alguna.io/customers/abc", expected},
      {"/customer/abc", expected},
      {"/customers/", empty},
      {"/customers//abc", empty},
      {"/customers/abc/", "no trailing \"/\"; expected \"/customers/{id}\""},
      {"/customers/abc/def", "the customer id must be one path segment (no \"/\"); expected \"/customers/{id}\""},
      {"/customers/abc?expand=contacts", "no query string allowed; expected \"/customers/{id}\""},
      {"/customers/abc#x", "no fragment allowed; expected \"/customers/{id}\""},
      {"/customers/a%2", "a \"%\" must be followed by two hex digits"},
      {"/customers/a%zz", "a \"%\" must be followed by two hex digits"},
      {"/customers/a%", "a \"%\" must be followed by two hex digits"},
      {"/customers/a b", "a character not allowed in a path segment (percent-encode it)"},
      {"/customers/\xC3\xA9", "a character not allowed in a path segment (percent-encode it)"},
      {"/customers/a\"b", "a character not allowed in a path segment (percent-encode it)"},
      {"/customers/.", dots},
      {"/customers/..", dots},
      {"/customers/%2e%2E", dots},
      {"/customers/.%2E", dots},
  };
  for (const auto& [value, why] : cases) {
    INFO(value);
    CHECK(reason(Format::customer_path, value) == why);
  }
}

// --- Names and messages -------------------------------------------------------------------------

TEST_CASE("format names round-trip", "[formats][names]") {
  const std::vector<std::pair<Format, std::string>> names = {
      {Format::date_time, "date-time"},
      {Format::email, "email"},
      {Format::currency_code, "iso-4217"},
      {Format::country_alpha2, "iso-3166-alpha-2"},
      {Format::country_code, "iso-3166"},
      {Format::decimal_fraction, "decimal-fraction"},
      {Format::bearer_credentials, "bearer-credentials"},
      {Format::json_media_type, "json-media-type"},
      {Format::header_value, "http-field-value"},
      {Format::customer_path, "customer-path"},
  };
  REQUIRE(names.size() == all_formats.size());
  for (const auto& [format, name] : names) {
    INFO(name);
    CHECK(alguna::contract::format_name(format) == name);
    CHECK(alguna::contract::format_from_name(name) == format);
  }
  CHECK_FALSE(alguna::contract::format_from_name("DATE-TIME").has_value());
  CHECK_FALSE(alguna::contract::format_from_name("date_time").has_value());
  CHECK_FALSE(alguna::contract::format_from_name("date").has_value());
  CHECK_FALSE(alguna::contract::format_from_name("").has_value());
  CHECK_FALSE(alguna::contract::format_from_name(std::string_view("email\0", 6)).has_value());
}

TEST_CASE("format expectations", "[formats][names]") {
  using alguna::contract::format_expectation;
  CHECK(std::string(format_expectation(Format::date_time)) == "an RFC 3339 date-time like \"2026-04-01T10:00:00Z\"");
  CHECK(std::string(format_expectation(Format::email)) == "an e-mail address like \"john@example.com\"");
  CHECK(std::string(format_expectation(Format::currency_code)) == "an ISO 4217 currency code like \"USD\"");
  CHECK(std::string(format_expectation(Format::country_alpha2)) == "an ISO 3166-1 alpha-2 country code like \"DE\"");
  CHECK(std::string(format_expectation(Format::country_code)) == "an ISO 3166-1 country code like \"DE\" or \"USA\"");
  CHECK(std::string(format_expectation(Format::decimal_fraction)) == "a decimal string like \"0.20\"");
  CHECK(std::string(format_expectation(Format::bearer_credentials)) == "\"Bearer <api key>\"");
  CHECK(std::string(format_expectation(Format::json_media_type)) == "\"application/json\"");
  CHECK(std::string(format_expectation(Format::header_value)) == "a header value of visible ASCII characters");
  CHECK(std::string(format_expectation(Format::customer_path)) == "a path like \"/customers/cust_abc123\"");
}

TEST_CASE("check_format: the reason is set only on failure", "[formats][names]") {
  std::string why = "stale";
  CHECK(check_format(Format::currency_code, "USD", &why));
  CHECK(why.empty());
  CHECK_FALSE(check_format(Format::currency_code, "usd", &why));
  CHECK(why == "did you mean \"USD\"?");
  CHECK_FALSE(check_format(Format::currency_code, "usd"));  // without a reason
  CHECK(check_format(Format::currency_code, "EUR", nullptr));
}

// --- Size -----------------------------------------------------------------------------------------

TEST_CASE("10 MB values are answered, in linear time, with short reasons", "[formats][size]") {
  const std::string letters(ten_mb, 'a');
  const std::string digits(ten_mb, '1');
  const std::string spaces(ten_mb, ' ');
  const std::vector<std::pair<Format, std::string>> valid = {
      {Format::date_time, "2026-04-01T10:00:00." + digits + "Z"},
      {Format::decimal_fraction, "0." + digits},
      {Format::decimal_fraction, "1." + std::string(ten_mb, '0')},
      {Format::bearer_credentials, "Bearer " + letters},
      {Format::bearer_credentials, "Bearer" + spaces + "a"},
      {Format::json_media_type, "application/json; p=\"" + letters + "\""},
      {Format::json_media_type, "application/json" + std::string(ten_mb, ';')},
      {Format::header_value, letters},
      {Format::customer_path, "/customers/" + letters},
  };
  for (const auto& [format, value] : valid) {
    INFO(alguna::contract::format_name(format));
    CHECK(reason(format, value) == accepted);
  }
  std::vector<std::pair<Format, std::string>> invalid = {
      {Format::date_time, "2026-04-01T10:00:00." + digits},
      {Format::date_time, "2026-04-01T10:00:00Z" + letters},
      {Format::email, letters + "@example.com"},
      {Format::decimal_fraction, "1." + std::string(ten_mb, '0') + "1"},
      {Format::decimal_fraction, digits},
      {Format::decimal_fraction, "0." + digits + "%"},
      {Format::bearer_credentials, "Bearer " + letters + "!"},
      {Format::bearer_credentials, "Bearer " + spaces},
      {Format::bearer_credentials, letters},
      {Format::json_media_type, "application/json; charset=" + letters},
      {Format::json_media_type, "application/json; charset=\"" + letters},
      {Format::header_value, letters + "\n"},
      {Format::customer_path, "/customers/" + letters + "/"},
      {Format::customer_path, "/customers/" + std::string(ten_mb, '.') + "?"},
  };
  for (Format format : all_formats) {
    invalid.emplace_back(format, std::string(ten_mb, '\n'));
    if (format != Format::header_value && format != Format::customer_path) invalid.emplace_back(format, letters);
  }
  for (const auto& [format, value] : invalid) {
    INFO(alguna::contract::format_name(format));
    const std::string why = reason(format, value);
    CHECK(why != accepted);
    CHECK(!why.empty());
    CHECK(why.size() < 200);
    CHECK(why.find("aaaa") == std::string::npos);
  }
}
