#include <alguna/contract/report.hpp>

namespace alguna::contract {

nlohmann::json to_json(const Violation& violation) {
  nlohmann::json out = {
      {"path", violation.path}, {"keyword", violation.keyword}, {"message", violation.message}};
  if (violation.line != 0) {
    out["line"] = violation.line;
    out["column"] = violation.column;
  }
  return out;
}

nlohmann::json to_json(const Report& report) {
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& violation : report.errors) errors.push_back(to_json(violation));
  nlohmann::json warnings = nlohmann::json::array();
  for (const auto& violation : report.warnings) warnings.push_back(to_json(violation));
  return {{"valid", report.valid}, {"errors", std::move(errors)}, {"warnings", std::move(warnings)}};
}

std::string display_path(const std::string& pointer) {
  return pointer.empty() ? std::string("(root)") : pointer;
}

}  // namespace alguna::contract
