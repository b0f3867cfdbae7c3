// Option checks shared by the subcommands.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace alguna::contract::cli {

// A CLI11 check: a decimal integer from `min` to `max` (CLI11 alone takes "0x10", "-0", " 5").
inline CLI::Validator decimal_in(std::uint64_t min, std::uint64_t max) {
  const std::string range = "from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& value) -> std::string {
        const bool digits = !value.empty() && value.size() <= 19 &&
                            (value.size() == 1 || value[0] != '0') &&
                            std::all_of(value.begin(), value.end(),
                                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
        if (!digits) return "must be a decimal integer " + range + ", got \"" + value + "\"";
        const std::uint64_t number = std::stoull(value);
        if (number < min || number > max) return "must be " + range + ", got " + value;
        return std::string();
      },
      "");
}

}  // namespace alguna::contract::cli
