// alguna-contract validate TARGET [FILE...]
#include <algorithm>
#include <cctype>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <alguna/contract/json.hpp>
#include <alguna/contract/report.hpp>
#include <alguna/contract/validator.hpp>

#include "cli/commands.hpp"
#include "cli/documents.hpp"
#include "cli/exit_codes.hpp"
#include "cli/options.hpp"

namespace alguna::contract::cli {

namespace {

constexpr Target all_targets[] = {Target::update_request, Target::customer, Target::error,
                                  Target::request, Target::headers};

std::string target_list() {
  std::string list;
  for (Target target : all_targets) {
    if (!list.empty()) list += ", ";
    list += target_name(target);
  }
  return list;
}

std::string plural(std::size_t count, const char* noun) {
  std::string text = std::to_string(count) + ' ' + noun;
  if (count != 1) text += 's';
  return text;
}

std::string dump(const nlohmann::json& value) {
  // Paths and messages may hold bytes that are not UTF-8; never throw on them.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Report oversized_report(std::size_t max_bytes) {
  Report report;
  report.valid = false;
  Violation violation;
  violation.keyword = "size";
  violation.message = "the document is larger than " + std::to_string(max_bytes) + " bytes";
  report.errors.push_back(std::move(violation));
  return report;
}

class Printer {
 public:
  Printer(bool json, bool quiet) : json_(json), quiet_(quiet) {}

  void document(const std::string& source, const Report& report) {
    ++documents_;
    if (!report.valid) ++invalid_;
    if (quiet_ && report.valid) return;
    if (json_) {
      print_json(source, report);
    } else {
      print_text(source, report);
    }
  }

  void finish() {
    if (json_ || quiet_) return;
    if (documents_ == 0) {
      std::cout.flush();
      std::cerr << "no documents\n";
      return;
    }
    std::cout << plural(documents_, "document") << ": " << (documents_ - invalid_) << " valid, "
              << invalid_ << " invalid\n";
  }

  std::size_t invalid() const noexcept { return invalid_; }

 private:
  static void print_text(const std::string& source, const Report& report) {
    std::string text = source + ": " + (report.valid ? "valid" : "invalid");
    if (!report.errors.empty() || !report.warnings.empty()) {
      text += " (";
      if (!report.errors.empty()) text += plural(report.errors.size(), "error");
      if (!report.errors.empty() && !report.warnings.empty()) text += ", ";
      if (!report.warnings.empty()) text += plural(report.warnings.size(), "warning");
      text += ')';
    }
    text += '\n';
    for (const Violation& violation : report.errors) append_violation(text, "error", violation);
    for (const Violation& violation : report.warnings) append_violation(text, "warning", violation);
    std::cout << text;
  }

  // "  error /tax_rate: message [type]" (messages of syntax problems start with their position).
  static void append_violation(std::string& text, const char* kind, const Violation& violation) {
    text += "  ";
    text += kind;
    text += ' ';
    text += display_path(violation.path);
    text += ": ";
    text += violation.message;
    text += " [";
    text += violation.keyword;
    text += "]\n";
  }

  static void print_json(const std::string& source, const Report& report) {
    // Written by hand to keep the key order source, valid, errors, warnings.
    auto violations = [](const std::vector<Violation>& list) {
      nlohmann::json array = nlohmann::json::array();
      for (const Violation& violation : list) array.push_back(to_json(violation));
      return dump(array);
    };
    std::cout << "{\"source\":" << dump(source) << ",\"valid\":" << (report.valid ? "true" : "false")
              << ",\"errors\":" << violations(report.errors)
              << ",\"warnings\":" << violations(report.warnings) << "}\n";
  }

  bool json_;
  bool quiet_;
  std::size_t documents_ = 0;
  std::size_t invalid_ = 0;
};

}  // namespace

CLI::App* setup_validate(CLI::App& app, ValidateArgs& args) {
  const ParseLimits defaults;
  args.max_depth = defaults.max_depth;
  args.max_bytes = defaults.max_bytes;

  CLI::App* command = app.add_subcommand("validate", "Validate JSON documents against the contract");
  command->add_option("TARGET", args.target,
                      "What the documents are: " + target_list())
      ->type_name("")
      ->required();
  command->add_option("FILE", args.files,
                      "Files to read; \"-\" or none: stdin. A FILE ending in .jsonl holds one "
                      "document per line")
      ->type_name("");
  command->add_option("--format", args.format, "Output format")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->add_flag("--quiet", args.quiet,
                    "Print only invalid documents (and, in text mode, no summary)");
  command->add_flag("--lenient", args.lenient,
                    "Unknown fields in a request are warnings instead of errors");
  command->add_flag("--jsonl", args.jsonl, "Every input holds one document per line");
  command->add_option("--engine", args.engine,
                      "fast: code generated from the embedded schemas, over simdjson; reference: "
                      "valijson interpreting them (used anyway with --schemas). Same verdicts and reports")
      ->check(CLI::IsMember({"fast", "reference"}))
      ->capture_default_str();
  command->add_option("--schemas", args.schema_dir,
                      "Directory of *.schema.json files to use instead of the embedded schemas")
      ->type_name("DIR");
  // The library refuses depth limits above 1000 (valijson recurses per level).
  command->add_option("--max-depth", args.max_depth, "Maximum nesting depth of a document")
      ->type_name("N")
      ->check(decimal_in(1, 1000))
      ->capture_default_str();
  command->add_option("--max-bytes", args.max_bytes,
                      "Maximum size of a document (of a line, with --jsonl) in bytes")
      ->type_name("N")
      ->check(decimal_in(1, std::uint64_t{1} << 40))
      ->capture_default_str();
  command->footer(
      "In JSONL input every line is one document; lines holding only whitespace (blank lines,\n"
      "trailing newlines) are skipped. An empty JSONL input has no documents and is valid.\n"
      "A document larger than --max-bytes is invalid (keyword \"size\") and is never held in\n"
      "memory whole.\n\n" +
      exit_codes_help());
  return command;
}

int run_validate(const ValidateArgs& args) {
  const std::optional<Target> target = target_from_name(args.target);
  if (!target) {
    std::cerr << "alguna-contract: unknown target \"" << args.target
              << "\"; the targets are: " << target_list() << '\n';
    return exit_usage;
  }

  ValidatorOptions validator_options;
  validator_options.schema_dir = args.schema_dir;
  validator_options.engine = engine_from_name(args.engine).value_or(Engine::fast);
  validator_options.limits.max_depth = args.max_depth;
  validator_options.limits.max_bytes = args.max_bytes;
  Result<Validator> created = Validator::create(validator_options);
  if (!created) {
    std::cerr << "alguna-contract: " << created.error().message << '\n';
    return exit_usage;
  }
  const Validator& validator = created.value();
  const std::size_t max_bytes = validator.limits().max_bytes;

  ValidateOptions validate_options;
  validate_options.lenient = args.lenient;

  Printer printer(args.format == "json", args.quiet);
  const auto on_document = [&](const Document& document) {
    if (document.oversized) {
      printer.document(document.source(), oversized_report(max_bytes));
      return;
    }
    printer.document(document.source(),
                     validator.validate_text(*target, document.text, validate_options, document.line));
  };

  std::vector<std::string> files = args.files;
  if (files.empty()) files.emplace_back("-");
  bool unreadable = false;
  for (const std::string& path : files) {
    const Input input{path, args.jsonl || is_jsonl_path(path)};
    if (std::optional<std::string> failure = read_documents(input, max_bytes, on_document)) {
      std::cout.flush();
      std::cerr << "alguna-contract: cannot read " << input_name(path) << ": " << *failure << '\n';
      unreadable = true;
    }
  }
  printer.finish();
  std::cout.flush();

  if (unreadable) return exit_usage;
  return printer.invalid() != 0 ? exit_invalid : exit_valid;
}

}  // namespace alguna::contract::cli
