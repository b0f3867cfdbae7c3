#include "schema_set.hpp"

#include <dirent.h>

#include <fstream>
#include <sstream>
#include <string_view>
#include <utility>

#include <alguna/contract/formats.hpp>
#include <alguna/contract/json.hpp>
#include <alguna/contract/validator.hpp>

namespace alguna::contract {
namespace detail {

extern const std::pair<std::string_view, std::string_view> embedded_schema_table[];

namespace {

using nlohmann::json;

const char* const kFormatKeyword = "x-alguna-format";
const char* const kLengthKeyword = "x-alguna-length";

Error schema_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

Result<json> parse_schema_text(std::string_view name, std::string_view text) {
  ParseResult parsed = parse_json(text);
  if (!parsed.ok()) {
    const std::string reason = parsed.errors.empty() ? "not JSON" : parsed.errors.front().message;
    return schema_error(Errc::schema_parse_error, std::string(name) + ": " + reason);
  }
  return std::move(*parsed.document);
}

// Walks one schema node, rewriting it in place. `file` is the file the node came from, for
// resolving "#/..." references.
class Rewriter {
 public:
  Rewriter(const SchemaFiles& files, bool lenient) : files_(files), lenient_(lenient) {}

  Error rewrite_schema(json& node, const std::string& file, const std::string& where) {
    if (node.is_boolean()) return {};
    if (!node.is_object()) {
      return schema_error(Errc::schema_invalid, where + ": a schema must be an object or a boolean");
    }
    for (const char* keyword : {"pattern", "patternProperties"}) {
      if (node.contains(keyword)) {
        return schema_error(Errc::schema_invalid,
                            where + ": '" + keyword +
                                "' is not supported (valijson 1.0 evaluates it with std::regex, "
                                "which overflows the stack on long strings); use a format");
      }
    }
    if (auto it = node.find("$ref"); it != node.end()) {
      if (!it->is_string()) return schema_error(Errc::schema_invalid, where + ": $ref must be a string");
      Result<std::string> target = rewrite_reference(it->get<std::string>(), file, where);
      if (!target) return target.error();
      *it = target.value();
    }
    if (auto it = node.find("format"); it != node.end()) {
      const std::optional<Format> format =
          it->is_string() ? format_from_name(it->get<std::string>()) : std::nullopt;
      if (!format) {
        return schema_error(Errc::schema_invalid, where + ": unknown format " + it->dump() +
                                                      " (alguna-contract checks formats itself)");
      }
      std::string value = format_name(*format);
      if (node.value("x-secret", false)) value += "|secret";
      node.erase(it);
      node[kFormatKeyword] = value;
    }
    if (node.contains("minLength") || node.contains("maxLength")) {
      std::string value;
      for (const char* keyword : {"minLength", "maxLength"}) {
        if (keyword[1] == 'a') value += ':';
        if (auto it = node.find(keyword); it != node.end()) {
          if (!it->is_number_unsigned()) {
            return schema_error(Errc::schema_invalid,
                                where + ": " + keyword + " must be a non-negative integer");
          }
          value += std::to_string(it->get<std::uint64_t>());
          node.erase(it);
        }
      }
      node[kLengthKeyword] = value;
    }
    if (lenient_) {
      if (auto it = node.find("additionalProperties"); it != node.end() && *it == false) {
        node.erase(it);
      }
      node.erase("propertyNames");
    }
    node.erase("$schema");
    node.erase("$id");

    // Subschemas, by keyword (draft-07).
    for (const char* keyword : {"properties", "definitions"}) {
      if (auto it = node.find(keyword); it != node.end() && it->is_object()) {
        for (auto& [name, child] : it->items()) {
          if (Error e = rewrite_schema(child, file, where + "/" + keyword + "/" + name)) return e;
        }
      }
    }
    for (const char* keyword : {"additionalProperties", "propertyNames", "not", "if", "then",
                                "else", "contains", "additionalItems"}) {
      if (auto it = node.find(keyword); it != node.end()) {
        if (Error e = rewrite_schema(*it, file, where + "/" + keyword)) return e;
      }
    }
    if (auto it = node.find("items"); it != node.end()) {
      if (it->is_array()) {
        for (std::size_t i = 0; i < it->size(); ++i) {
          if (Error e = rewrite_schema((*it)[i], file, where + "/items/" + std::to_string(i))) return e;
        }
      } else if (Error e = rewrite_schema(*it, file, where + "/items")) {
        return e;
      }
    }
    for (const char* keyword : {"allOf", "anyOf", "oneOf"}) {
      if (auto it = node.find(keyword); it != node.end() && it->is_array()) {
        for (std::size_t i = 0; i < it->size(); ++i) {
          if (Error e = rewrite_schema((*it)[i], file, where + "/" + keyword + "/" + std::to_string(i))) {
            return e;
          }
        }
      }
    }
    return {};
  }

 private:
  // "other.schema.json#/definitions/x" or "#/definitions/x" -> "#/definitions/<file>/definitions/x"
  Result<std::string> rewrite_reference(const std::string& reference, const std::string& file,
                                        const std::string& where) const {
    const auto hash = reference.find('#');
    std::string target_file = reference.substr(0, hash);
    const std::string fragment = hash == std::string::npos ? "" : reference.substr(hash + 1);
    if (target_file.empty()) target_file = file;
    const auto it = files_.find(target_file);
    if (it == files_.end()) {
      return schema_error(Errc::schema_not_found,
                          where + ": $ref \"" + reference + "\" names a file that is not loaded");
    }
    if (!fragment.empty() && fragment[0] != '/') {
      return schema_error(Errc::schema_invalid, where + ": $ref \"" + reference +
                                                    "\" must use a JSON Pointer fragment");
    }
    try {
      if (!it->second.contains(json::json_pointer(fragment))) {
        return schema_error(Errc::schema_not_found,
                            where + ": $ref \"" + reference + "\" points at nothing");
      }
    } catch (const json::exception&) {
      return schema_error(Errc::schema_invalid, where + ": $ref \"" + reference + "\" is malformed");
    }
    return bundled_pointer(target_file) + fragment;
  }

  const SchemaFiles& files_;
  bool lenient_;
};

}  // namespace

std::string bundled_pointer(const std::string& file_name) {
  return "#/definitions/" + escape_pointer_token(file_name);
}

Result<SchemaFiles> load_schema_files(const std::string& directory) {
  SchemaFiles files;
  if (directory.empty()) {
    for (const auto* entry = embedded_schema_table; !entry->first.empty(); ++entry) {
      Result<json> parsed = parse_schema_text(entry->first, entry->second);
      if (!parsed) return parsed.error();
      files.emplace(std::string(entry->first), std::move(parsed).value());
    }
    return files;
  }
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) {
    return schema_error(Errc::schema_not_found, "cannot open schema directory " + directory);
  }
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (ends_with(name, ".schema.json")) names.push_back(name);
  }
  closedir(dir);
  for (const auto& name : names) {
    std::ifstream in(directory + "/" + name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return schema_error(Errc::io_error, "cannot read " + directory + "/" + name);
    Result<json> parsed = parse_schema_text(name, text.str());
    if (!parsed) return parsed.error();
    files.emplace(name, std::move(parsed).value());
  }
  return files;
}

Result<json> bundle_schemas(const SchemaFiles& files, bool lenient) {
  try {
    json bundle = {{"definitions", json::object()}};
    Rewriter rewriter(files, lenient);
    for (const auto& [name, document] : files) {
      json copy = document;
      if (Error e = rewriter.rewrite_schema(copy, name, name)) return e;
      bundle["definitions"][name] = std::move(copy);
    }
    return bundle;
  } catch (const std::exception& e) {
    return schema_error(Errc::internal, std::string("bundling schemas failed: ") + e.what());
  }
}

}  // namespace detail

std::vector<std::string> embedded_schema_names() {
  std::vector<std::string> names;
  for (const auto* entry = detail::embedded_schema_table; !entry->first.empty(); ++entry) {
    names.emplace_back(entry->first);
  }
  return names;
}

std::optional<std::string_view> embedded_schema(std::string_view file_name) noexcept {
  for (const auto* entry = detail::embedded_schema_table; !entry->first.empty(); ++entry) {
    if (entry->first == file_name) return entry->second;
  }
  return std::nullopt;
}

}  // namespace alguna::contract
