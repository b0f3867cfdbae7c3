// Option checks shared by the subcommands.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <exception>
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

// A CLI11 check: a number (decimals allowed) from `min` to `max`; `range` says so in the message
// ("from 0 to 1"). std::stod alone would take "1e400", "nan" or trailing text.
inline CLI::Validator number_in(double min, double max, std::string range) {
  return CLI::Validator(
      [min, max, range](std::string& value) -> std::string {
        try {
          std::size_t used = 0;
          const double number = std::stod(value, &used);
          if (used == value.size() && number >= min && number <= max) return std::string();
        } catch (const std::exception&) {
        }
        return "must be a number " + range + ", got \"" + value + "\"";
      },
      "");
}

}  // namespace alguna::contract::cli
