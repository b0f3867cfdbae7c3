// The fast engine (not public API): code generated from the schemas at build time by
// src/schemagen/schemagen.cpp, run over simdjson's DOM (or over an nlohmann::json already
// parsed). It answers yes or no and stops at the first failure; the reference engine
// (valijson, src/validator.cpp) writes every report of an invalid document, so that messages
// have one source. Only src/fast_validator.cpp includes simdjson.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/json.hpp>
#include <alguna/contract/validator.hpp>

namespace alguna::contract::detail {

enum class FastVerdict {
  valid,
  invalid,
  // The fast engine does not decide: the text is not JSON as simdjson reads it, breaks a limit,
  // or repeats a key. The reference engine parses it and reports.
  undecided,
};

// A member the schemas do not declare, in a valid document: the reference engine's shapes decide
// whether it is worth a warning, and word it.
struct UnknownMember {
  std::vector<std::string> tokens;  // the member's path, unescaped; its name is the last token
};

struct FastResult {
  FastVerdict verdict = FastVerdict::undecided;
  std::vector<UnknownMember> unknown;  // only when asked for, and only for a valid document
};

// Whether the generated code covers this target (the body, the Customer and the error body).
bool fast_engine_covers(Target target) noexcept;

FastResult fast_validate_text(Target target, std::string_view text, const ParseLimits& limits, bool lenient,
                              bool want_unknown) noexcept;

FastResult fast_validate_document(Target target, const nlohmann::json& document, std::size_t max_depth,
                                  bool lenient, bool want_unknown) noexcept;

}  // namespace alguna::contract::detail
