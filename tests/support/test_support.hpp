// Helpers shared by the library tests.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/contract.hpp>

namespace alguna::contract::testing {

// One validator for the whole test run, as an application would share it.
inline const Validator& shared_validator() {
  static const Validator validator = [] {
    auto created = Validator::create();
    if (!created) throw std::runtime_error(created.error().message);
    return std::move(created).value();
  }();
  return validator;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::string fixture_text(const std::string& name) {
  return read_file(std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/tests/fixtures/" + name);
}

inline nlohmann::json fixture(const std::string& name) { return nlohmann::json::parse(fixture_text(name)); }

inline Report check(Target target, const nlohmann::json& document, bool lenient = false) {
  ValidateOptions options;
  options.lenient = lenient;
  Report report = shared_validator().validate(target, document, options);
  // The fast yes/no must always agree with the full report.
  CHECK(shared_validator().is_valid(target, document, options) == report.valid);
  return report;
}

inline std::string describe(const Report& report) {
  return to_json(report).dump(2);
}

// The one error at `path`, which must exist and be the only one there.
inline Violation error_at(const Report& report, const std::string& path) {
  INFO(describe(report));
  const auto count = std::count_if(report.errors.begin(), report.errors.end(),
                                   [&](const Violation& v) { return v.path == path; });
  REQUIRE(count == 1);
  return *std::find_if(report.errors.begin(), report.errors.end(),
                       [&](const Violation& v) { return v.path == path; });
}

// A report with exactly one error, at `path` with `keyword`.
inline Violation only_error(const Report& report, const std::string& path, const std::string& keyword) {
  INFO(describe(report));
  REQUIRE_FALSE(report.valid);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0].path == path);
  CHECK(report.errors[0].keyword == keyword);
  return report.errors[0];
}

inline void require_valid(const Report& report) {
  INFO(describe(report));
  REQUIRE(report.valid);
  REQUIRE(report.errors.empty());
}

}  // namespace alguna::contract::testing
