// fuzz_validate: any bytes, as the text of a document to validate.
//
// Invariant: for any bytes, validated as a PATCH body (Target::update_request) and as a Customer
// (Target::customer), and as one of an error body, a whole request or a headers object (chosen by
// the input's length), Validator::validate_text returns a Report: it never crashes, hangs, leaks
// or lets an exception escape (the API is noexcept: an escaped exception aborts), and
//   - the same bytes always give the same report (validated twice, compared field by field);
//   - the report is consistent: valid exactly when it has no errors; no violation is "internal"
//     (an exception inside the validator, caught and reported); every violation has a keyword, a
//     message that is valid UTF-8 (messages end up in JSON output) and a path that is a
//     JSON Pointer (RFC 6901);
//   - it agrees with the other entry points: when parse_json reads the text cleanly, is_valid()
//     on the document says the same as the report; when the text is not a document (syntax,
//     depth or size), the report is invalid with that keyword; a duplicate key makes it invalid.
// The harness catches nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <alguna/contract/json.hpp>
#include <alguna/contract/validator.hpp>

#include "fuzz_check.hpp"

namespace {

using namespace alguna::contract;

// The reference engine (valijson), whose reports every engine gives; fuzz_differential holds the
// fast engine to them.
const Validator& validator() {
  static const Validator instance = [] {
    ValidatorOptions options;
    options.engine = Engine::reference;
    auto created = Validator::create(options);
    FUZZ_CHECK(created.has_value(), "Validator::create failed: " + created.error().message);
    return std::move(created).value();
  }();
  return instance;
}

std::string describe(const Violation& v) {
  return "path '" + v.path + "' keyword '" + v.keyword + "' message '" + v.message + "' at " +
         std::to_string(v.line) + ":" + std::to_string(v.column);
}

void check_violations(const std::vector<Violation>& violations, Target target) {
  for (const Violation& v : violations) {
    const std::string where = std::string(target_name(target)) + ": " + describe(v);
    FUZZ_CHECK(!v.keyword.empty(), where);
    // "internal": an exception inside the validator, turned into a violation. A bug.
    FUZZ_CHECK(v.keyword != "internal", where);
    FUZZ_CHECK(!v.message.empty(), where);
    FUZZ_CHECK(alguna_fuzz::is_utf8(v.message), where);
    FUZZ_CHECK(alguna_fuzz::is_utf8(v.path), where);
    FUZZ_CHECK(alguna_fuzz::is_json_pointer(v.path), where);
  }
}

bool same(const Report& a, const Report& b) {
  return a.valid == b.valid && a.errors == b.errors && a.warnings == b.warnings;
}

void check_target(Target target, std::string_view text, const ParseResult& parsed) {
  const Validator& v = validator();
  const std::string name = target_name(target);
  const Report report = v.validate_text(target, text);
  const Report again = v.validate_text(target, text);
  FUZZ_CHECK(same(report, again), name + ": the same bytes gave two different reports");
  FUZZ_CHECK(report.valid == report.errors.empty(),
             name + ": valid=" + std::to_string(report.valid) + " with " + std::to_string(report.errors.size()) +
                 " errors");
  check_violations(report.errors, target);
  check_violations(report.warnings, target);

  if (!parsed.document) {
    FUZZ_CHECK(!report.valid, name + ": text that does not parse was reported valid");
    const std::string& keyword = report.errors.front().keyword;
    FUZZ_CHECK(keyword == "syntax" || keyword == "depth" || keyword == "size",
               name + ": unparsable text reported as " + describe(report.errors.front()));
  } else if (!parsed.ok()) {
    FUZZ_CHECK(!report.valid, name + ": a document with duplicate keys was reported valid");
  } else {
    const bool yes = v.is_valid(target, *parsed.document);
    FUZZ_CHECK(yes == report.valid, name + ": is_valid says " + std::to_string(yes) + ", the report says " +
                                        std::to_string(report.valid) +
                                        (report.errors.empty() ? std::string() : ": " + describe(report.errors.front())));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParseResult parsed = parse_json(text, validator().limits());
  check_target(Target::update_request, text, parsed);
  check_target(Target::customer, text, parsed);
  static constexpr Target kOthers[] = {Target::error, Target::request, Target::headers};
  check_target(kOthers[size % 3], text, parsed);
  return 0;
}
