# Writes OUTPUT: the ISO 4217 currency codes and the ISO 3166-1 country codes as sorted C++ tables
# (declared in src/iso_tables.hpp), read from the JSON files of the Debian package iso-codes in
# ISO_CODES_DIR. Run as:
#   cmake -DISO_CODES_DIR=/usr/share/iso-codes/json -DOUTPUT=<dir>/iso_tables.cpp -P generate_iso_tables.cmake
# The tables are sorted (byte order, list(SORT)) so that the library looks codes up by binary search.
cmake_minimum_required(VERSION 3.21)  # string(JSON), file(COPY_FILE)

foreach(required IN ITEMS ISO_CODES_DIR OUTPUT)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "generate_iso_tables.cmake: pass -D${required}=...")
  endif()
endforeach()

# Reads <file> (a name in ISO_CODES_DIR) into <out>, or stops with a message naming the file.
function(iso_read_file file out)
  set(path "${ISO_CODES_DIR}/${file}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "${path} not found: install the Debian package iso-codes "
                        "or set ALGUNA_CONTRACT_ISO_CODES_DIR")
  endif()
  file(READ "${path}" content)
  set(${out} "${content}" PARENT_SCOPE)
endfunction()

function(iso_malformed file detail)
  message(FATAL_ERROR "${ISO_CODES_DIR}/${file} is malformed: ${detail}")
endfunction()

# Sets <out> to the number of entries of the array <key> of the top-level object in <json>.
function(iso_entry_count file json key out)
  string(JSON type ERROR_VARIABLE error TYPE "${json}" "${key}")
  if(error)
    iso_malformed("${file}" "${error}")
  endif()
  if(NOT type STREQUAL "ARRAY")
    iso_malformed("${file}" "\"${key}\" is ${type}, expected an array")
  endif()
  string(JSON count ERROR_VARIABLE error LENGTH "${json}" "${key}")
  if(error)
    iso_malformed("${file}" "${error}")
  endif()
  if(count EQUAL 0)
    iso_malformed("${file}" "\"${key}\" is empty")
  endif()
  set(${out} "${count}" PARENT_SCOPE)
endfunction()

# Sets <out> to the member <member> of the object <entry> (entry number <index> of <file>), checked
# against the regular expression <shape>.
function(iso_code file index entry member shape out)
  string(JSON value ERROR_VARIABLE error GET "${entry}" "${member}")
  if(error)
    iso_malformed("${file}" "entry ${index}: ${error}")
  endif()
  if(NOT value MATCHES "${shape}")
    iso_malformed("${file}" "entry ${index}: ${member} \"${value}\" does not match ${shape}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# Stops when <list> (a variable name) holds a code twice: binary search needs unique keys.
function(iso_require_unique file list)
  set(copy ${${list}})
  list(REMOVE_DUPLICATES copy)
  list(LENGTH copy unique_length)
  list(LENGTH ${list} length)
  if(NOT unique_length EQUAL length)
    iso_malformed("${file}" "duplicate codes in ${list}")
  endif()
endfunction()

# Appends to <out> the C++ initializer rows for the codes in <list>, ten a line.
function(iso_rows list out)
  set(rows "")
  set(column 0)
  foreach(code IN LISTS ${list})
    if(column EQUAL 0)
      string(APPEND rows "   ")
    endif()
    string(APPEND rows " \"${code}\",")
    math(EXPR column "${column} + 1")
    if(column EQUAL 10)
      string(APPEND rows "\n")
      set(column 0)
    endif()
  endforeach()
  if(NOT column EQUAL 0)
    string(APPEND rows "\n")
  endif()
  set(${out} "${rows}" PARENT_SCOPE)
endfunction()

# --- ISO 4217 -----------------------------------------------------------------------------------
set(currency_file "iso_4217.json")
iso_read_file("${currency_file}" currency_json)
iso_entry_count("${currency_file}" "${currency_json}" "4217" currency_count)
set(currencies "")
math(EXPR last "${currency_count} - 1")
foreach(index RANGE ${last})
  string(JSON entry ERROR_VARIABLE error GET "${currency_json}" "4217" ${index})
  if(error)
    iso_malformed("${currency_file}" "${error}")
  endif()
  iso_code("${currency_file}" ${index} "${entry}" alpha_3 "^[A-Z][A-Z][A-Z]$" code)
  list(APPEND currencies "${code}")
endforeach()
iso_require_unique("${currency_file}" currencies)
list(SORT currencies)

# --- ISO 3166-1 ---------------------------------------------------------------------------------
set(country_file "iso_3166-1.json")
iso_read_file("${country_file}" country_json)
iso_entry_count("${country_file}" "${country_json}" "3166-1" country_count)
set(alpha2_codes "")
set(alpha3_codes "")
set(alpha3_pairs "")  # "DEU:DE": sorted by alpha-3, then split into two parallel tables
math(EXPR last "${country_count} - 1")
foreach(index RANGE ${last})
  string(JSON entry ERROR_VARIABLE error GET "${country_json}" "3166-1" ${index})
  if(error)
    iso_malformed("${country_file}" "${error}")
  endif()
  iso_code("${country_file}" ${index} "${entry}" alpha_2 "^[A-Z][A-Z]$" alpha2)
  iso_code("${country_file}" ${index} "${entry}" alpha_3 "^[A-Z][A-Z][A-Z]$" alpha3)
  list(APPEND alpha2_codes "${alpha2}")
  list(APPEND alpha3_codes "${alpha3}")
  list(APPEND alpha3_pairs "${alpha3}:${alpha2}")
endforeach()
iso_require_unique("${country_file}" alpha2_codes)
iso_require_unique("${country_file}" alpha3_codes)
list(SORT alpha2_codes)
list(SORT alpha3_pairs)
set(alpha3_codes "")
set(alpha3_alpha2 "")
foreach(pair IN LISTS alpha3_pairs)
  string(SUBSTRING "${pair}" 0 3 alpha3)
  string(SUBSTRING "${pair}" 4 2 alpha2)
  list(APPEND alpha3_codes "${alpha3}")
  list(APPEND alpha3_alpha2 "${alpha2}")
endforeach()

# --- Output -------------------------------------------------------------------------------------
iso_rows(currencies currency_rows)
iso_rows(alpha2_codes alpha2_rows)
iso_rows(alpha3_codes alpha3_rows)
iso_rows(alpha3_alpha2 alpha3_alpha2_rows)
file(WRITE "${OUTPUT}.tmp" "// Generated by cmake/generate_iso_tables.cmake from ${ISO_CODES_DIR}. Do not edit.
#include \"iso_tables.hpp\"

namespace alguna::contract::detail {

// ISO 4217 (${currency_file}), sorted.
extern const char currency_codes[][4] = {
${currency_rows}};
extern const std::size_t currency_code_count = ${currency_count};

// ISO 3166-1 alpha-2 (${country_file}), sorted.
extern const char country_alpha2_codes[][3] = {
${alpha2_rows}};
extern const std::size_t country_alpha2_count = ${country_count};

// ISO 3166-1 alpha-3 (${country_file}), sorted.
extern const char country_alpha3_codes[][4] = {
${alpha3_rows}};
extern const std::size_t country_alpha3_count = ${country_count};

// The alpha-2 code of country_alpha3_codes[i].
extern const char country_alpha3_alpha2[][3] = {
${alpha3_alpha2_rows}};

}  // namespace alguna::contract::detail
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
