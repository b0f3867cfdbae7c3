// Small text helpers shared by the library's sources (not public).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace alguna::contract::detail {

// At most `max_code_points` code points of `text`, never cutting a UTF-8 sequence, with "…"
// appended when something was cut. Bytes that are not valid UTF-8 become \xNN so that the
// result is always valid UTF-8 (messages end up in JSON output).
std::string shorten(std::string_view text, std::size_t max_code_points = 40);

// shorten(), then control characters as \u00XX: for text quoted inside a message.
std::string printable(std::string_view text, std::size_t max_code_points = 40);

// `text` as a JSON string literal, shortened as above: "\"usd\"".
std::string quote(std::string_view text, std::size_t max_code_points = 40);

// ASCII case folding, locale-independent (header names, schemes and media types are ASCII).
constexpr char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
std::string ascii_lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b) noexcept;

// Code points in valid UTF-8 text (bytes that are not continuation bytes).
std::size_t count_code_points(std::string_view text) noexcept;

}  // namespace alguna::contract::detail
