#include <alguna/contract/corpus.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <re2/re2.h>

#include <alguna/contract/formats.hpp>

#include "text.hpp"

namespace alguna::contract {

struct CompiledPattern {
  explicit CompiledPattern(const std::string& pattern, const RE2::Options& options) : re(pattern, options) {}
  RE2 re;
};

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kApiKeyVariable = "ALGUNA_API_KEY";
constexpr const char* kIdempotencyVariable = "IDEMPOTENCY_KEY";

// Thrown inside parsing only; parse_scenario turns it into an Error.
struct CorpusProblem {
  std::string message;
};

[[noreturn]] void fail(std::string message) { throw CorpusProblem{std::move(message)}; }

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string short_json(const json& value) { return detail::shorten(dump(value), 60); }

const char* type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "other";
  }
}

void check_keys(const json& object, std::initializer_list<const char*> allowed, const std::string& where) {
  for (const auto& item : object.items()) {
    const bool known = std::any_of(allowed.begin(), allowed.end(),
                                   [&](const char* name) { return item.key() == name; });
    if (!known) {
      std::string list;
      for (const char* name : allowed) list += std::string(list.empty() ? "" : ", ") + "\"" + name + "\"";
      fail(where + ": unknown key " + detail::quote(item.key()) + " (allowed: " + list + ")");
    }
  }
}

bool is_variable_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// Calls `on_variable(name)` for each ${NAME} in `text`; "$${" is a literal "${". Returns an
// error description, or "" when the text is well formed.
template <class OnVariable>
std::string scan_variables(std::string_view text, OnVariable&& on_variable) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') continue;
    if (text.compare(i, 3, "$${") == 0) {
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) continue;
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return "\"${\" without a closing \"}\" (write \"$${\" for a literal \"${\")";
    const std::string_view name = text.substr(i + 2, close - i - 2);
    if (!is_variable_name(name)) return "bad variable name " + detail::quote(name) + " in \"${...}\"";
    std::string problem = on_variable(name);
    if (!problem.empty()) return problem;
    i = close;
  }
  return {};
}

void check_variables(std::string_view text, const CorpusOptions& options, const std::string& where) {
  const std::string problem = scan_variables(text, [&](std::string_view name) -> std::string {
    if (name == kApiKeyVariable || name == kIdempotencyVariable) return {};
    if (options.variables.count(std::string(name)) != 0) return {};
    return "unknown variable ${" + detail::printable(name) + "} (defined: ALGUNA_API_KEY, IDEMPOTENCY_KEY" +
           std::string(options.variables.empty() ? "" : " and --var names") + ")";
  });
  if (!problem.empty()) fail(where + ": " + problem);
}

void check_body_variables(const json& value, const CorpusOptions& options, const std::string& where,
                          const std::string& pointer) {
  if (value.is_string()) {
    check_variables(value.get_ref<const std::string&>(), options, where + pointer);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_body_variables(value[i], options, where, pointer + "/" + std::to_string(i));
    }
  } else if (value.is_object()) {
    for (const auto& item : value.items()) {
      check_body_variables(item.value(), options, where, pointer + "/" + escape_pointer_token(item.key()));
    }
  }
}

std::map<std::string, std::string> string_map(const json& value, const std::string& where) {
  if (!value.is_object()) fail(where + ": expected an object of strings, got " + type_name(value));
  std::map<std::string, std::string> out;
  for (const auto& item : value.items()) {
    if (!item.value().is_string()) {
      fail(where + "/" + escape_pointer_token(item.key()) + ": expected a string, got " + type_name(item.value()));
    }
    out.emplace(item.key(), item.value().get<std::string>());
  }
  return out;
}

std::string string_member(const json& object, const char* key, const std::string& where, bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) fail(where + ": missing \"" + key + "\"");
    return {};
  }
  if (!it->is_string()) fail(where + "/" + key + ": expected a string, got " + type_name(*it));
  return it->get<std::string>();
}

RecordedRequest parse_request(const json& value, const std::string& where, const CorpusOptions& options) {
  if (!value.is_object()) fail(where + ": expected an object, got " + type_name(value));
  check_keys(value, {"method", "path", "headers", "body", "raw_body"}, where);
  RecordedRequest request;
  request.method = string_member(value, "method", where, true);
  if (request.method.empty()) fail(where + "/method: empty");
  request.path = string_member(value, "path", where, true);
  check_variables(request.path, options, where + "/path");
  if (const auto it = value.find("headers"); it != value.end()) {
    request.headers = string_map(*it, where + "/headers");
    for (const auto& [name, header] : request.headers) {
      check_variables(header, options, where + "/headers/" + escape_pointer_token(name));
    }
  }
  const bool has_body = value.contains("body");
  const bool has_raw = value.contains("raw_body");
  if (has_body && has_raw) fail(where + ": \"body\" and \"raw_body\" both given (one at most)");
  if (has_body) {
    request.body = value.at("body");
    check_body_variables(*request.body, options, where + "/body", "");
  }
  if (has_raw) {
    request.raw_body = string_member(value, "raw_body", where, true);
    check_variables(*request.raw_body, options, where + "/raw_body");
  }
  return request;
}

ExpectedStatus parse_status(const json& value, const std::string& where) {
  ExpectedStatus status;
  if (value.is_number_integer() || value.is_number_unsigned()) {
    const auto code = value.get<long long>();
    if (code < 100 || code > 599) fail(where + ": " + std::to_string(code) + " is not an HTTP status (100 to 599)");
    status.code = static_cast<int>(code);
    return status;
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && text[1] == 'x' && text[2] == 'x') {
      status.status_class = text[0] - '0';
      return status;
    }
  }
  fail(where + ": expected an integer from 100 to 599 or a class \"1xx\" to \"5xx\", got " + short_json(value));
}

RecordedResponse parse_response(const json& value, const std::string& where) {
  if (!value.is_object()) fail(where + ": expected an object, got " + type_name(value));
  check_keys(value, {"status", "headers", "body"}, where);
  RecordedResponse response;
  const auto status = value.find("status");
  if (status == value.end()) fail(where + ": missing \"status\"");
  response.status = parse_status(*status, where + "/status");
  if (const auto it = value.find("headers"); it != value.end()) response.headers = string_map(*it, where + "/headers");
  if (const auto it = value.find("body"); it != value.end()) response.body = *it;
  return response;
}

// RFC 6901: "" or "/"-prefixed tokens in which "~" is followed by "0" or "1".
bool is_json_pointer(std::string_view pointer) {
  if (pointer.empty()) return true;
  if (pointer[0] != '/') return false;
  for (std::size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '~' && (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
      return false;
    }
  }
  return true;
}

std::vector<MatchRule> parse_match(const json& value, const std::string& where) {
  if (!value.is_object()) fail(where + ": expected an object of JSON Pointer -> rule, got " + type_name(value));
  std::vector<MatchRule> rules;
  for (const auto& item : value.items()) {
    const std::string at = where + "/" + escape_pointer_token(item.key());
    if (!is_json_pointer(item.key())) {
      fail(at + ": " + detail::quote(item.key()) + " is not a JSON Pointer (RFC 6901: \"\" or \"/a/0/b\", \"~\" only as ~0 or ~1)");
    }
    if (!item.value().is_string()) fail(at + ": expected \"any\", \"type\", \"date-time\" or \"regex:<pattern>\"");
    const auto& text = item.value().get_ref<const std::string&>();
    MatchRule rule;
    rule.pointer = item.key();
    if (text == "any") {
      rule.kind = MatchKind::any;
    } else if (text == "type") {
      rule.kind = MatchKind::type;
    } else if (text == "date-time") {
      rule.kind = MatchKind::date_time;
    } else if (text.rfind("regex:", 0) == 0) {
      rule.kind = MatchKind::regex;
      rule.pattern = text.substr(6);
      RE2::Options re_options;
      re_options.set_log_errors(false);
      auto compiled = std::make_shared<const CompiledPattern>(rule.pattern, re_options);
      if (!compiled->re.ok()) {
        fail(at + ": the pattern " + detail::quote(rule.pattern) + " does not compile: " +
             detail::printable(compiled->re.error(), 80));
      }
      rule.compiled = std::move(compiled);
    } else {
      fail(at + ": unknown rule " + detail::quote(text) + " (\"any\", \"type\", \"date-time\" or \"regex:<pattern>\")");
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Step parse_step(const json& value, const std::string& where, const CorpusOptions& options) {
  const auto request = value.find("request");
  if (request == value.end()) fail(where + ": missing \"request\"");
  const auto response = value.find("response");
  if (response == value.end()) fail(where + ": missing \"response\"");
  Step step;
  step.request = parse_request(*request, where + "/request", options);
  step.response = parse_response(*response, where + "/response");
  if (const auto it = value.find("match"); it != value.end()) step.match = parse_match(*it, where + "/match");
  return step;
}

Scenario parse_scenario_document(const json& document, const CorpusOptions& options) {
  if (!document.is_object()) fail(std::string("a scenario is a JSON object, got ") + type_name(document));
  const bool sequence = document.contains("steps");
  if (sequence) {
    check_keys(document, {"id", "description", "tags", "steps"}, "scenario");
  } else {
    check_keys(document, {"id", "description", "tags", "request", "response", "match"}, "scenario");
  }
  Scenario scenario;
  scenario.id = string_member(document, "id", "scenario", true);
  if (scenario.id.empty()) fail("scenario/id: empty");
  const std::string where = "scenario " + detail::quote(scenario.id);
  scenario.description = string_member(document, "description", where, false);
  if (const auto it = document.find("tags"); it != document.end()) {
    if (!it->is_array()) fail(where + "/tags: expected an array of strings, got " + type_name(*it));
    for (const auto& tag : *it) {
      if (!tag.is_string()) fail(where + "/tags: expected strings, got " + type_name(tag));
      scenario.tags.push_back(tag.get<std::string>());
    }
  }
  if (sequence) {
    const json& steps = document.at("steps");
    if (!steps.is_array() || steps.empty()) fail(where + "/steps: expected a non-empty array of steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const std::string at = where + "/steps/" + std::to_string(i);
      if (!steps[i].is_object()) fail(at + ": expected an object, got " + type_name(steps[i]));
      check_keys(steps[i], {"request", "response", "match"}, at);
      scenario.steps.push_back(parse_step(steps[i], at, options));
    }
  } else {
    scenario.steps.push_back(parse_step(document, where, options));
  }
  return scenario;
}

Error corpus_error(const std::string& file, std::size_t line, const std::string& message) {
  return Error{Errc::corpus_error, file + ":" + std::to_string(line) + ": " + message};
}

bool has_extension(const fs::path& path, const char* extension) { return path.extension() == extension; }

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

bool ExpectedStatus::matches(int actual) const noexcept {
  if (status_class != 0) return actual / 100 == status_class && actual >= 100 && actual <= 599;
  return actual == code;
}

std::string ExpectedStatus::to_string() const {
  return status_class != 0 ? std::to_string(status_class) + "xx" : std::to_string(code);
}

std::string Scenario::source() const { return file + ":" + std::to_string(line); }

namespace {

json step_json(const Step& step) {
  json request = {{"method", step.request.method}, {"path", step.request.path}};
  if (!step.request.headers.empty()) request["headers"] = step.request.headers;
  if (step.request.body) request["body"] = *step.request.body;
  if (step.request.raw_body) request["raw_body"] = *step.request.raw_body;
  json response = {{"status", step.response.status.status_class != 0 ? json(step.response.status.to_string())
                                                                      : json(step.response.status.code)}};
  if (!step.response.headers.empty()) response["headers"] = step.response.headers;
  if (step.response.body) response["body"] = *step.response.body;
  json out = {{"request", std::move(request)}, {"response", std::move(response)}};
  if (!step.match.empty()) {
    json match = json::object();
    for (const MatchRule& rule : step.match) {
      switch (rule.kind) {
        case MatchKind::any: match[rule.pointer] = "any"; break;
        case MatchKind::type: match[rule.pointer] = "type"; break;
        case MatchKind::date_time: match[rule.pointer] = "date-time"; break;
        case MatchKind::regex: match[rule.pointer] = "regex:" + rule.pattern; break;
      }
    }
    out["match"] = std::move(match);
  }
  return out;
}

}  // namespace

json to_json(const Scenario& scenario) {
  json out = {{"id", scenario.id}};
  if (!scenario.description.empty()) out["description"] = scenario.description;
  if (!scenario.tags.empty()) out["tags"] = scenario.tags;
  if (scenario.steps.size() == 1) {
    json step = step_json(scenario.steps.front());
    for (auto& [key, value] : step.items()) out[key] = std::move(value);
  } else {
    json steps = json::array();
    for (const Step& step : scenario.steps) steps.push_back(step_json(step));
    out["steps"] = std::move(steps);
  }
  return out;
}

Result<Scenario> parse_scenario(std::string_view text, const std::string& file, std::size_t line,
                                const CorpusOptions& options) noexcept {
  try {
    ParseResult parsed = parse_json(text, options.limits, line);
    if (!parsed.ok()) {
      const Violation& first = parsed.errors.front();
      std::string message = "not JSON: " + first.message;
      if (first.keyword == "duplicate-key") message = "duplicate key at " + display_path(first.path) + ": " + first.message;
      return corpus_error(file, line, message);
    }
    Scenario scenario = parse_scenario_document(*parsed.document, options);
    scenario.file = file;
    scenario.line = line;
    return scenario;
  } catch (const CorpusProblem& problem) {
    return corpus_error(file, line, problem.message);
  } catch (const std::exception& e) {
    return corpus_error(file, line, std::string("internal error: ") + e.what());
  }
}

// --- Reading -------------------------------------------------------------------------------------

struct CorpusReader::Impl {
  CorpusOptions options;
  std::vector<std::string> files;
  std::size_t next_file = 0;
  // The open .jsonl file, if any.
  std::ifstream jsonl;
  std::string jsonl_name;
  std::size_t jsonl_line = 0;
  // Every id seen, with where it was first seen: (index in `files`, line), not a "file:line"
  // string, so that a corpus of millions of scenarios costs little more than its ids.
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> ids;

  Result<std::optional<Scenario>> accept(Result<Scenario> scenario) {
    if (!scenario) return scenario.error();
    if (options.check_duplicate_ids) {
      auto [it, inserted] = ids.try_emplace(scenario->id, next_file - 1, scenario->line);
      if (!inserted) {
        const std::string first = files[it->second.first] + ":" + std::to_string(it->second.second);
        return corpus_error(scenario->file, scenario->line,
                            "duplicate id " + detail::quote(scenario->id) + " (first at " + first + ")");
      }
    }
    return std::optional<Scenario>(std::move(scenario).value());
  }

  // One line of the open .jsonl file, without its "\n". A line longer than the parse limit is
  // read to its end but not kept (too_long), so that one huge line cannot exhaust memory.
  bool read_line(std::string& line, bool& too_long) {
    line.clear();
    too_long = false;
    char buffer[64 * 1024];
    bool any = false;
    const auto keep = [&](std::size_t count) {
      if (too_long) return;
      line.append(buffer, count);
      if (line.size() > options.limits.max_bytes) {
        too_long = true;
        line.clear();
        line.shrink_to_fit();
      }
    };
    for (;;) {
      jsonl.getline(buffer, sizeof buffer);
      const auto got = static_cast<std::size_t>(jsonl.gcount());
      if (jsonl.bad()) return false;
      if (jsonl.eof()) {  // the last line, without "\n"
        if (got == 0 && !any) return false;
        keep(got);
        return true;
      }
      any = true;
      if (jsonl.fail()) {  // the buffer filled before the end of the line
        jsonl.clear();
        keep(got);
        continue;
      }
      keep(got - 1);  // gcount counts the "\n", which getline does not store
      return true;
    }
  }

  Result<std::optional<Scenario>> next() {
    for (;;) {
      if (jsonl.is_open()) {
        std::string line;
        bool too_long = false;
        while (read_line(line, too_long)) {
          ++jsonl_line;
          if (too_long) {
            return corpus_error(jsonl_name, jsonl_line,
                                "the line is longer than the limit of " + std::to_string(options.limits.max_bytes) +
                                    " bytes");
          }
          if (is_blank(line)) continue;
          return accept(parse_scenario(line, jsonl_name, jsonl_line, options));
        }
        const bool bad = jsonl.bad();
        jsonl.close();
        if (bad) return Error{Errc::io_error, jsonl_name + ": read error"};
        continue;
      }
      if (next_file == files.size()) return std::optional<Scenario>();
      const std::string& file = files[next_file++];
      if (has_extension(file, ".jsonl")) {
        jsonl.clear();
        jsonl.open(file, std::ios::binary);
        if (!jsonl) return Error{Errc::io_error, file + ": cannot be read"};
        jsonl_name = file;
        jsonl_line = 0;
        continue;
      }
      std::error_code ec;
      const auto size = fs::file_size(file, ec);
      if (ec) return Error{Errc::io_error, file + ": cannot be read: " + ec.message()};
      if (size > options.limits.max_bytes) {
        return corpus_error(file, 1, "the file is " + std::to_string(size) + " bytes, more than the limit of " +
                                         std::to_string(options.limits.max_bytes));
      }
      std::ifstream in(file, std::ios::binary);
      if (!in) return Error{Errc::io_error, file + ": cannot be read"};
      std::ostringstream text;
      text << in.rdbuf();
      return accept(parse_scenario(text.str(), file, 1, options));
    }
  }
};

CorpusReader::CorpusReader(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
CorpusReader::CorpusReader(CorpusReader&&) noexcept = default;
CorpusReader& CorpusReader::operator=(CorpusReader&&) noexcept = default;
CorpusReader::~CorpusReader() = default;

Result<CorpusReader> CorpusReader::open(const std::vector<std::string>& paths, CorpusOptions options) noexcept {
  try {
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    for (const auto& path : paths) {
      std::error_code ec;
      const auto status = fs::status(path, ec);
      if (ec || !fs::exists(status)) return Error{Errc::io_error, path + ": no such file or directory"};
      if (fs::is_directory(status)) {
        std::vector<std::string> found;
        for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
          if (!it->is_regular_file(ec)) continue;
          const fs::path& file = it->path();
          if (has_extension(file, ".json") || has_extension(file, ".jsonl")) found.push_back(file.string());
        }
        if (ec) return Error{Errc::io_error, path + ": cannot be listed: " + ec.message()};
        std::sort(found.begin(), found.end());
        impl->files.insert(impl->files.end(), found.begin(), found.end());
      } else if (has_extension(path, ".json") || has_extension(path, ".jsonl")) {
        impl->files.push_back(path);
      } else {
        return Error{Errc::invalid_argument, path + ": a corpus file ends in .json or .jsonl"};
      }
    }
    return CorpusReader(std::move(impl));
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("listing the corpus failed: ") + e.what()};
  }
}

Result<std::optional<Scenario>> CorpusReader::next() noexcept {
  try {
    return impl_->next();
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("reading the corpus failed: ") + e.what()};
  }
}

const std::vector<std::string>& CorpusReader::files() const noexcept { return impl_->files; }

// --- Variables -----------------------------------------------------------------------------------

std::string make_idempotency_key() {
  std::random_device device;
  static const char digits[] = "0123456789abcdef";
  std::string key = "ik_";
  for (int i = 0; i < 4; ++i) {
    std::uint32_t word = device();
    for (int k = 0; k < 8; ++k) {
      key += digits[word & 0xF];
      word >>= 4;
    }
  }
  return key;
}

namespace {

struct Substituter {
  const VariableValues& values;
  std::optional<std::string> api_key;  // read once, when first needed

  std::string apply(std::string_view text, std::string& problem) {
    std::string out;
    out.reserve(text.size());
    std::size_t copied = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '$') continue;
      if (text.compare(i, 3, "$${") == 0) {
        out.append(text.substr(copied, i - copied));
        out += "${";
        i += 2;
        copied = i + 1;
        continue;
      }
      if (text.compare(i, 2, "${") != 0) continue;
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        problem = "\"${\" without a closing \"}\"";
        return {};
      }
      const std::string name(text.substr(i + 2, close - i - 2));
      const std::string* value = lookup(name, problem);
      if (value == nullptr) return {};
      out.append(text.substr(copied, i - copied));
      out += *value;
      i = close;
      copied = close + 1;
    }
    out.append(text.substr(copied));
    return out;
  }

  const std::string* lookup(const std::string& name, std::string& problem) {
    if (name == kApiKeyVariable) {
      if (!api_key) {
        if (values.api_key) {
          api_key = *values.api_key;
          return &*api_key;
        }
        const char* value = values.api_key_env.empty() ? nullptr : std::getenv(values.api_key_env.c_str());
        if (value == nullptr) {
          problem = "${ALGUNA_API_KEY}: the environment variable " + detail::quote(values.api_key_env) + " is not set";
          return nullptr;
        }
        api_key = value;
      }
      return &*api_key;
    }
    if (name == kIdempotencyVariable) {
      if (values.idempotency_key.empty()) {
        problem = "${IDEMPOTENCY_KEY}: no key given for this run";
        return nullptr;
      }
      return &values.idempotency_key;
    }
    const auto it = values.variables.find(name);
    if (it == values.variables.end()) {
      problem = "${" + detail::printable(name) + "} has no value";
      return nullptr;
    }
    return &it->second;
  }

  bool apply_json(json& value, std::string& problem) {
    if (value.is_string()) {
      auto& text = value.get_ref<std::string&>();
      if (text.find('$') == std::string::npos) return true;
      std::string replaced = apply(text, problem);
      if (!problem.empty()) return false;
      text = std::move(replaced);
    } else if (value.is_structured()) {
      for (auto& child : value) {
        if (!apply_json(child, problem)) return false;
      }
    }
    return true;
  }
};

}  // namespace

Result<HttpRequest> resolve_request(const RecordedRequest& request, const VariableValues& values) noexcept {
  try {
    for (const char* builtin : {kApiKeyVariable, kIdempotencyVariable}) {
      if (values.variables.count(builtin) != 0) {
        return Error{Errc::invalid_argument, std::string("${") + builtin + "} is built in and cannot be defined"};
      }
    }
    Substituter substituter{values, std::nullopt};
    std::string problem;
    HttpRequest out;
    out.method = request.method;
    out.target = substituter.apply(request.path, problem);
    if (!problem.empty()) return Error{Errc::invalid_argument, "path: " + problem};
    for (const auto& [name, value] : request.headers) {
      std::string resolved = substituter.apply(value, problem);
      if (!problem.empty()) return Error{Errc::invalid_argument, "header " + detail::quote(name) + ": " + problem};
      out.headers.emplace_back(name, std::move(resolved));
    }
    if (request.raw_body) {
      out.body = substituter.apply(*request.raw_body, problem);
      if (!problem.empty()) return Error{Errc::invalid_argument, "raw_body: " + problem};
    } else if (request.body) {
      json body = *request.body;
      if (!substituter.apply_json(body, problem)) return Error{Errc::invalid_argument, "body: " + problem};
      out.body = dump(body);
    }
    return out;
  } catch (const std::exception& e) {
    return Error{Errc::internal, std::string("resolving the request failed: ") + e.what()};
  }
}

// --- Matching ------------------------------------------------------------------------------------

namespace {

// The value at `pointer` in `document`, or nullptr.
const json* find_pointer(const json& document, std::string_view pointer) {
  const json* node = &document;
  std::size_t i = 0;
  while (i < pointer.size()) {
    const std::size_t end = std::min(pointer.find('/', i + 1), pointer.size());
    std::string token;
    for (std::size_t k = i + 1; k < end; ++k) {
      if (pointer[k] == '~' && k + 1 < end) {
        token += pointer[k + 1] == '1' ? '/' : '~';
        ++k;
      } else {
        token += pointer[k];
      }
    }
    if (node->is_object()) {
      const auto it = node->find(token);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0') ||
          !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return nullptr;
      }
      const auto index = std::stoull(token);
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    i = end;
  }
  return node;
}

struct BodyMatcher {
  const std::vector<MatchRule>& rules;
  std::vector<Failure>& failures;

  bool has_rule(const std::string& pointer) const {
    return std::any_of(rules.begin(), rules.end(), [&](const MatchRule& r) { return r.pointer == pointer; });
  }

  void add(const std::string& pointer, std::string expected, std::string actual, std::string message) {
    failures.push_back(Failure{"body", pointer, std::move(expected), std::move(actual), std::move(message)});
  }

  void compare(const json& expected, const json& actual, const std::string& pointer) {
    if (has_rule(pointer)) return;  // checked by its rule
    const bool both_numbers = expected.is_number() && actual.is_number();
    if (expected.type() != actual.type() && !both_numbers) {
      add(pointer, short_json(expected), short_json(actual),
          display_path(pointer) + ": expected " + type_name(expected) + " " + short_json(expected) + ", got " +
              type_name(actual) + " " + short_json(actual));
      return;
    }
    if (expected.is_object()) {
      for (const auto& item : expected.items()) {
        const std::string child = pointer + "/" + escape_pointer_token(item.key());
        const auto it = actual.find(item.key());
        if (it == actual.end()) {
          if (has_rule(child)) continue;
          add(child, short_json(item.value()), "(missing)", display_path(child) + ": missing, expected " + short_json(item.value()));
          continue;
        }
        compare(item.value(), *it, child);
      }
      return;
    }
    if (expected.is_array()) {
      if (expected.size() != actual.size()) {
        add(pointer, std::to_string(expected.size()) + " elements", std::to_string(actual.size()) + " elements",
            display_path(pointer) + ": expected an array of " + std::to_string(expected.size()) +
                " elements, got " + std::to_string(actual.size()));
        return;
      }
      for (std::size_t i = 0; i < expected.size(); ++i) compare(expected[i], actual[i], pointer + "/" + std::to_string(i));
      return;
    }
    const bool equal = both_numbers && !(expected.is_number_float() || actual.is_number_float())
                           ? expected == actual
                           : (both_numbers ? expected.get<double>() == actual.get<double>() : expected == actual);
    if (equal) return;
    std::string message = display_path(pointer) + ": expected " + short_json(expected) + ", got " + short_json(actual);
    if (expected.is_string() && detail::iequals(expected.get_ref<const std::string&>(), actual.get_ref<const std::string&>())) {
      message += " (differs only in letter case)";
    }
    add(pointer, short_json(expected), short_json(actual), std::move(message));
  }

  void apply(const MatchRule& rule, const json* expected, const json* actual) {
    const std::string where = display_path(rule.pointer);
    if (actual == nullptr) {
      add(rule.pointer, "present", "(missing)", where + ": missing (match rule requires it to be present)");
      return;
    }
    switch (rule.kind) {
      case MatchKind::any:
        return;
      case MatchKind::type:
        if (expected == nullptr) return;  // nothing recorded to take the type from: present is enough
        if (std::string(type_name(*expected)) != type_name(*actual)) {
          add(rule.pointer, type_name(*expected), std::string(type_name(*actual)) + " " + short_json(*actual),
              where + ": expected a " + type_name(*expected) + ", got " + type_name(*actual) + " " + short_json(*actual));
        }
        return;
      case MatchKind::date_time:
        if (!actual->is_string() || !is_rfc3339_date_time(actual->get_ref<const std::string&>())) {
          add(rule.pointer, "an RFC 3339 date-time", short_json(*actual),
              where + ": expected an RFC 3339 date-time string, got " + short_json(*actual));
        }
        return;
      case MatchKind::regex:
        if (!actual->is_string() || rule.compiled == nullptr ||
            !RE2::FullMatch(actual->get_ref<const std::string&>(), rule.compiled->re)) {
          add(rule.pointer, "regex:" + detail::shorten(rule.pattern, 60), short_json(*actual),
              where + ": expected a string fully matching " + detail::quote(rule.pattern, 60) + ", got " +
                  short_json(*actual));
        }
        return;
    }
  }
};

}  // namespace

std::vector<Failure> match_response(const Step& step, int status, const Headers& headers,
                                    std::string_view body) noexcept {
  std::vector<Failure> failures;
  try {
    const RecordedResponse& recorded = step.response;
    if (!recorded.status.matches(status)) {
      failures.push_back(Failure{"status", "", recorded.status.to_string(), std::to_string(status),
                                 "expected status " + recorded.status.to_string() + ", got " + std::to_string(status)});
    }
    const auto find_header = [&](const std::string& name) -> const std::string* {
      for (const auto& [key, value] : headers) {
        if (detail::iequals(key, name)) return &value;
      }
      return nullptr;
    };
    const bool body_recorded = recorded.body.has_value() || !step.match.empty();
    if (body_recorded) {
      const std::string* type = find_header("Content-Type");
      std::string why;
      if (type == nullptr) {
        failures.push_back(Failure{"content-type", "Content-Type", "application/json", "(missing)",
                                   "expected a JSON Content-Type, the response has none"});
      } else if (!check_format(Format::json_media_type, *type, &why)) {
        failures.push_back(Failure{"content-type", "Content-Type", "application/json", detail::quote(*type, 60),
                                   "expected a JSON Content-Type, got " + detail::quote(*type, 60) +
                                       (why.empty() ? "" : " (" + why + ")")});
      }
      ParseResult parsed = parse_json(body);
      if (!parsed.document) {
        const std::string why_not = parsed.errors.empty() ? "" : parsed.errors.front().message;
        failures.push_back(Failure{"body", "", recorded.body ? short_json(*recorded.body) : "JSON",
                                   detail::quote(body, 60), "the body is not JSON: " + why_not});
      } else {
        BodyMatcher matcher{step.match, failures};
        if (recorded.body) matcher.compare(*recorded.body, *parsed.document, "");
        for (const MatchRule& rule : step.match) {
          const json* expected = recorded.body ? find_pointer(*recorded.body, rule.pointer) : nullptr;
          matcher.apply(rule, expected, find_pointer(*parsed.document, rule.pointer));
        }
      }
    }
    for (const auto& [name, value] : recorded.headers) {
      const std::string* actual = find_header(name);
      if (actual == nullptr) {
        failures.push_back(Failure{"header", name, detail::quote(value, 60), "(missing)",
                                   "header " + detail::printable(name) + " missing, expected " + detail::quote(value, 60)});
      } else if (*actual != value) {
        failures.push_back(Failure{"header", name, detail::quote(value, 60), detail::quote(*actual, 60),
                                   "header " + detail::printable(name) + ": expected " + detail::quote(value, 60) +
                                       ", got " + detail::quote(*actual, 60)});
      }
    }
  } catch (const std::exception& e) {
    failures.push_back(Failure{"internal", "", "", "", std::string("matching failed: ") + e.what()});
  }
  return failures;
}

nlohmann::json to_json(const Failure& failure) {
  return json{{"check", failure.check},
              {"path", failure.path},
              {"expected", failure.expected},
              {"actual", failure.actual},
              {"message", failure.message}};
}

}  // namespace alguna::contract
