// The ISO 4217 and ISO 3166-1 code tables, generated at build time from the Debian package
// iso-codes by cmake/generate_iso_tables.cmake (never read at run time). Every table is sorted in
// byte order and holds each code once, so a lookup is a binary search. Private to the library.
#pragma once

#include <cstddef>

namespace alguna::contract::detail {

// Active ISO 4217 alphabetic codes ("AED" ... "ZWL"), NUL-terminated.
extern const char currency_codes[][4];
extern const std::size_t currency_code_count;

// ISO 3166-1 alpha-2 codes ("AD" ... "ZW").
extern const char country_alpha2_codes[][3];
extern const std::size_t country_alpha2_count;

// ISO 3166-1 alpha-3 codes ("ABW" ... "ZWE"), and in the same order the alpha-2 code of each
// (country_alpha3_alpha2[i] is the alpha-2 code of country_alpha3_codes[i]).
extern const char country_alpha3_codes[][4];
extern const std::size_t country_alpha3_count;
extern const char country_alpha3_alpha2[][3];

}  // namespace alguna::contract::detail
