// fuzz_differential: any bytes, validated by both engines.
//
// Invariant: for any bytes, as the text of a PATCH body, of a Customer and of an error body (the
// targets the fast engine covers), strict or lenient (chosen by the input's length), the fast
// engine (code generated from the schemas, over simdjson) and the reference engine (valijson)
//   - give the same report from validate_text: the same verdict, errors and warnings, in order;
//   - give that verdict from is_valid_text;
//   - when parse_json reads the text cleanly, give that report from validate and that verdict
//     from is_valid on the parsed document (the fast engine's other adapter, over nlohmann::json);
// and nothing crashes, hangs, leaks or lets an exception escape. The harness catches nothing.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <alguna/contract/json.hpp>
#include <alguna/contract/report.hpp>
#include <alguna/contract/validator.hpp>

#include "fuzz_check.hpp"

namespace {

using namespace alguna::contract;

Validator make(Engine engine) {
  ValidatorOptions options;
  options.engine = engine;
  auto created = Validator::create(options);
  FUZZ_CHECK(created.has_value(), "Validator::create failed: " + created.error().message);
  FUZZ_CHECK(created->engine() == engine, "Validator::create did not take the engine asked for");
  return std::move(created).value();
}

const Validator& fast() {
  static const Validator instance = make(Engine::fast);
  return instance;
}

const Validator& reference() {
  static const Validator instance = make(Engine::reference);
  return instance;
}

std::string describe(const Report& report) { return to_json(report).dump(); }

void same(const Report& expected, const Report& got, const std::string& what) {
  FUZZ_CHECK(got.valid == expected.valid && got.errors == expected.errors && got.warnings == expected.warnings,
             what + ": the engines disagree\n  reference: " + describe(expected) + "\n  fast: " + describe(got));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ValidateOptions options;
  options.lenient = size % 2 == 1;
  const ParseResult parsed = parse_json(text, reference().limits());
  for (const Target target : {Target::update_request, Target::customer, Target::error}) {
    const std::string what = std::string(target_name(target)) + (options.lenient ? " (lenient)" : "");
    const Report expected = reference().validate_text(target, text, options);
    same(expected, fast().validate_text(target, text, options), what + ", validate_text");
    FUZZ_CHECK(fast().is_valid_text(target, text, options) == expected.valid,
               what + ": is_valid_text differs from the report, " + describe(expected));
    if (parsed.ok()) {
      same(expected, fast().validate(target, *parsed.document, options), what + ", validate");
      FUZZ_CHECK(fast().is_valid(target, *parsed.document, options) == expected.valid,
                 what + ": is_valid differs from the report, " + describe(expected));
    }
  }
  return 0;
}
