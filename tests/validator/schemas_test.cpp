// The schemas: embedded, loadable from a directory, consistent, and refused when we cannot honour them.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "temp_dir.hpp"
#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;
using nlohmann::json;

namespace {

const std::string kSchemaDir = std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/schemas";

// A scratch directory holding copies of the repository's schemas.
class SchemaCopy {
 public:
  SchemaCopy() {
    for (const auto& name : embedded_schema_names()) write(name, read_file(kSchemaDir + "/" + name));
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name, std::ios::binary) << text; }
  void remove(const std::string& name) { std::remove((dir_ / name).c_str()); }
  std::string dir() const { return dir_.path(); }

 private:
  TempDir dir_;
};

Error create_error(const std::string& dir) {
  ValidatorOptions options;
  options.schema_dir = dir;
  auto created = Validator::create(options);
  REQUIRE_FALSE(created);
  return created.error();
}

}  // namespace

TEST_CASE("the embedded schemas are the files in schemas/", "[schemas]") {
  const auto names = embedded_schema_names();
  CHECK(names.size() == 6);
  for (const auto& name : names) {
    INFO(name);
    const auto embedded = embedded_schema(name);
    REQUIRE(embedded);
    CHECK(std::string(*embedded) == read_file(kSchemaDir + "/" + name));
  }
  CHECK_FALSE(embedded_schema("nope.schema.json"));
}

TEST_CASE("every schema is draft-07 and parses as JSON", "[schemas]") {
  for (const auto& name : embedded_schema_names()) {
    INFO(name);
    const json schema = json::parse(*embedded_schema(name));
    CHECK(schema["$schema"] == "http://json-schema.org/draft-07/schema#");
  }
}

TEST_CASE("loading from a directory gives the same verdicts as the embedded schemas", "[schemas]") {
  ValidatorOptions options;
  options.schema_dir = kSchemaDir;
  auto from_dir = Validator::create(options);
  REQUIRE(from_dir);
  for (const json& body : {json{{"name", "Acme"}}, json{{"nmae", 1}, {"currency", "usd"}}}) {
    CHECK(to_json(from_dir->validate(Target::update_request, body)) ==
          to_json(shared_validator().validate(Target::update_request, body)));
  }
}

TEST_CASE("the field-name lists that close request objects match the objects' properties", "[schemas]") {
  // draft-07 cannot close a referenced schema, so requests close contact and billing_address
  // with propertyNames enums; they must list exactly the declared properties.
  const json common = json::parse(*embedded_schema("common.schema.json"));
  for (const auto& [object, names] : {std::pair<std::string, std::string>{"contact", "contact_field"},
                                      {"billing_address", "billing_address_field"}}) {
    INFO(object);
    std::set<std::string> declared;
    for (const auto& item : common["definitions"][object]["properties"].items()) declared.insert(item.key());
    const auto listed_json = common["definitions"][names]["enum"];
    const std::set<std::string> listed(listed_json.begin(), listed_json.end());
    CHECK(declared == listed);
  }
}

TEST_CASE("operational failures are errors with a code, not exceptions", "[schemas]") {
  SECTION("a missing directory") {
    CHECK(create_error("/nonexistent/schemas").code == Errc::schema_not_found);
  }
  SECTION("a missing file") {
    SchemaCopy copy;
    copy.remove("customer.schema.json");
    const Error error = create_error(copy.dir());
    CHECK(error.code == Errc::schema_not_found);
    CHECK_THAT(error.message, Catch::Contains("customer.schema.json"));
  }
  SECTION("a file that is not JSON") {
    SchemaCopy copy;
    copy.write("error.schema.json", "{ not json");
    const Error error = create_error(copy.dir());
    CHECK(error.code == Errc::schema_parse_error);
    CHECK_THAT(error.message, Catch::Contains("error.schema.json"));
  }
  SECTION("a dangling $ref") {
    SchemaCopy copy;
    copy.write("error.schema.json", R"({"type": "object", "properties": {"x": {"$ref": "common.schema.json#/definitions/nope"}}})");
    CHECK(create_error(copy.dir()).code == Errc::schema_not_found);
  }
  SECTION("pattern, which valijson 1.0 runs through std::regex") {
    SchemaCopy copy;
    copy.write("error.schema.json", R"({"type": "object", "properties": {"detail": {"type": "string", "pattern": "^a*$"}}})");
    const Error error = create_error(copy.dir());
    CHECK(error.code == Errc::schema_invalid);
    CHECK_THAT(error.message, Catch::Contains("pattern"));
  }
  SECTION("an unknown format") {
    SchemaCopy copy;
    copy.write("error.schema.json", R"({"type": "object", "properties": {"detail": {"type": "string", "format": "uuid"}}})");
    const Error error = create_error(copy.dir());
    CHECK(error.code == Errc::schema_invalid);
    CHECK_THAT(error.message, Catch::Contains("uuid"));
  }
  SECTION("bad limits") {
    for (const std::size_t depth : {std::size_t{0}, std::size_t{1001}, std::size_t{100000}}) {
      ValidatorOptions options;
      options.limits.max_depth = depth;
      auto created = Validator::create(options);
      REQUIRE_FALSE(created);
      CHECK(created.error().code == Errc::invalid_argument);
      CHECK(created.error().message == "the depth limit must be from 1 to 1000");
    }
    ValidatorOptions options;
    options.limits.max_depth = 1000;
    CHECK(Validator::create(options));
    options.limits.max_bytes = 0;
    CHECK(Validator::create(options).error().code == Errc::invalid_argument);
  }
}

TEST_CASE("a schema edit changes verdicts (the schemas drive validation)", "[schemas]") {
  SchemaCopy copy;
  json update = json::parse(read_file(kSchemaDir + "/customer-update.schema.json"));
  update["required"] = {"name"};
  copy.write("customer-update.schema.json", update.dump());
  ValidatorOptions options;
  options.schema_dir = copy.dir();
  auto edited = Validator::create(options);
  REQUIRE(edited);
  CHECK(shared_validator().validate(Target::update_request, json::object()).valid);
  CHECK_FALSE(edited->validate(Target::update_request, json::object()).valid);
}
