// Helpers shared by the library tests.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/contract.hpp>

namespace alguna::contract::testing {

// The engine the validator tests run against: ALGUNA_CONTRACT_TEST_ENGINE=fast (the default) or
// reference. ctest runs them once with each (tests/CMakeLists.txt).
inline ValidatorOptions test_validator_options() {
  ValidatorOptions options;
  const char* name = std::getenv("ALGUNA_CONTRACT_TEST_ENGINE");
  if (name != nullptr && *name != '\0') {
    const std::optional<Engine> engine = engine_from_name(name);
    if (!engine) throw std::runtime_error(std::string("ALGUNA_CONTRACT_TEST_ENGINE: no engine ") + name);
    options.engine = *engine;
  }
  return options;
}

inline Validator create_validator(const ValidatorOptions& options) {
  auto created = Validator::create(options);
  if (!created) throw std::runtime_error(created.error().message);
  return std::move(created).value();
}

// One validator for the whole test run, as an application would share it.
inline const Validator& shared_validator() {
  static const Validator validator = create_validator(test_validator_options());
  return validator;
}

// The same with the other engine, for the tests to compare with.
inline const Validator& other_engine_validator() {
  static const Validator validator = [] {
    ValidatorOptions options = test_validator_options();
    options.engine = options.engine == Engine::fast ? Engine::reference : Engine::fast;
    return create_validator(options);
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
  // The fast yes/no must always agree with the full report, and both engines on both.
  CHECK(shared_validator().is_valid(target, document, options) == report.valid);
  const Report other = other_engine_validator().validate(target, document, options);
  CHECK(other.valid == report.valid);
  CHECK(other.errors == report.errors);
  CHECK(other.warnings == report.warnings);
  CHECK(other_engine_validator().is_valid(target, document, options) == report.valid);
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
