// Loading our schema files and preparing them for valijson 1.0 (not public).
//
// The files in schemas/ are plain draft-07 and reference each other by file name. valijson 1.0
// ignores $id and joins relative references by concatenation, and several of its keywords are
// defective (DEPENDENCY-NOTES.md), so before valijson sees them we:
//   - bundle every file under /definitions/<file name> of one document and rewrite each $ref
//     to a local JSON Pointer into it;
//   - replace `format` with our keyword x-alguna-format (checked by our own code);
//   - replace minLength/maxLength with x-alguna-length (valijson's count stops at a NUL);
//   - refuse `pattern` and `patternProperties` (std::regex overflows the stack on long input).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <alguna/contract/error.hpp>

namespace alguna::contract::detail {

// File name -> parsed schema document.
using SchemaFiles = std::map<std::string, nlohmann::json, std::less<>>;

// The embedded files, or every *.schema.json in `directory`.
Result<SchemaFiles> load_schema_files(const std::string& directory);

// One document holding every file under /definitions/<file name>, references rewritten and
// keywords replaced as described above. With `lenient`, objects are not closed
// (additionalProperties: false and propertyNames are dropped).
Result<nlohmann::json> bundle_schemas(const SchemaFiles& files, bool lenient);

// "#/definitions/<file>" for a file name.
std::string bundled_pointer(const std::string& file_name);

}  // namespace alguna::contract::detail
