// schemas/openapi.json describes the endpoint by reference to the JSON Schemas beside it. These
// tests keep it honest: every reference resolves, no schema is copied into it, its examples are the
// API reference's (and the mock's own answer for the error), and it lists the statuses we document.
// scripts/interop.sh then has Redocly and Prism judge it.
#include <functional>
#include <set>
#include <string>

#include <alguna/contract/mock.hpp>

#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;

namespace {

const std::string kSchemaDir = std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/schemas/";

nlohmann::json schema_file(const std::string& name) { return nlohmann::json::parse(read_file(kSchemaDir + name)); }

const nlohmann::json& openapi() {
  static const nlohmann::json document = schema_file("openapi.json");
  return document;
}

// RFC 6901: "~1" is "/", "~0" is "~" (nlohmann's json_pointer does the unescaping).
const nlohmann::json* resolve(const nlohmann::json& document, const std::string& pointer) {
  if (pointer.empty()) return &document;
  const nlohmann::json::json_pointer parsed(pointer);
  return document.contains(parsed) ? &document.at(parsed) : nullptr;
}

// Calls visit(value, where) for every {"$ref": value} in the document.
template <typename Visit>
void for_each_ref(const nlohmann::json& node, const std::string& where, Visit&& visit) {
  if (node.is_object()) {
    for (const auto& item : node.items()) {
      if (item.key() == "$ref") visit(item.value().get<std::string>(), where);
      for_each_ref(item.value(), where + "/" + item.key(), visit);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) for_each_ref(node[i], where + "/" + std::to_string(i), visit);
  }
}

// The value of the Example Object that `ref` ("examples/x.json") names.
nlohmann::json example_value(const nlohmann::json& media_type) {
  const std::string ref = media_type.at("examples").begin()->at("$ref").get<std::string>();
  return schema_file(ref).at("value");
}

const nlohmann::json& operation(const std::string& method) {
  return openapi().at("paths").at("/customers/{id}").at(method);
}

}  // namespace

TEST_CASE("openapi.json: every $ref resolves, in the document or in a file beside it", "[openapi]") {
  std::size_t external = 0;
  for_each_ref(openapi(), "", [&](const std::string& ref, const std::string& where) {
    INFO(where << ": $ref " << ref);
    const std::size_t hash = ref.find('#');
    const std::string file = ref.substr(0, hash);
    const std::string pointer = hash == std::string::npos ? "" : ref.substr(hash + 1);
    if (file.empty()) {
      CHECK(resolve(openapi(), pointer) != nullptr);
      return;
    }
    ++external;
    REQUIRE_NOTHROW(schema_file(file));
    CHECK(resolve(schema_file(file), pointer) != nullptr);
  });
  CHECK(external >= 5);
}

TEST_CASE("openapi.json copies no schema: bodies and headers are references to schemas/", "[openapi]") {
  // A schema with properties, items or an enum of its own would be a second, hand-kept copy.
  std::function<void(const nlohmann::json&, const std::string&)> walk = [&](const nlohmann::json& node,
                                                                           const std::string& where) {
    if (node.is_object()) {
      if (node.contains("schema")) {
        const nlohmann::json& schema = node.at("schema");
        INFO(where << "/schema: " << schema.dump());
        CHECK_FALSE(schema.contains("properties"));
        CHECK_FALSE(schema.contains("items"));
        // Small literal schemas (a path segment, a response header's "true"/"false") are allowed.
        if (schema.contains("enum")) CHECK(schema.at("enum").size() <= 2);
      }
      for (const auto& item : node.items()) walk(item.value(), where + "/" + item.key());
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) walk(node[i], where + "/" + std::to_string(i));
    }
  };
  walk(openapi(), "");
  const nlohmann::json& patch = operation("patch");
  CHECK(patch.at("requestBody").at("content").at("application/json").at("schema").at("$ref") ==
        "customer-update.schema.json");
  CHECK(patch.at("responses").at("200").at("content").at("application/json").at("schema").at("$ref") ==
        "customer.schema.json");
  CHECK(openapi().at("components").at("parameters").at("AlgunaVersion").at("schema").at("$ref") ==
        "update-customer-headers.schema.json#/properties/Alguna-Version");
}

TEST_CASE("openapi.json lists the documented statuses, every error with the error schema", "[openapi]") {
  std::set<std::string> statuses;
  for (const auto& item : operation("patch").at("responses").items()) statuses.insert(item.key());
  CHECK(statuses == std::set<std::string>{"200", "400", "401", "404", "409", "413", "415", "422", "429", "500", "503"});
  for (const auto& component : openapi().at("components").at("responses").items()) {
    INFO(component.key());
    CHECK(component.value().at("content").at("application/json").at("schema").at("$ref") == "error.schema.json");
  }
  for (const std::string method : {"patch", "get"}) {
    for (const auto& item : operation(method).at("responses").items()) {
      if (item.key() == "200") continue;
      INFO(method << " " << item.key());
      CHECK(item.value().at("$ref").get<std::string>().rfind("#/components/responses/", 0) == 0);
    }
  }
}

TEST_CASE("openapi.json's examples are the API reference's, and valid", "[openapi][validator]") {
  const nlohmann::json& patch = operation("patch");
  const nlohmann::json request = example_value(patch.at("requestBody").at("content").at("application/json"));
  const nlohmann::json response = example_value(patch.at("responses").at("200").at("content").at("application/json"));
  CHECK(request == fixture("doc-example-request.json"));
  CHECK(response == fixture("doc-example-response.json"));
  require_valid(check(Target::update_request, request));
  require_valid(check(Target::customer, response));
}

TEST_CASE("openapi.json's 422 example is what the mock answers for {\"currency\": \"usd\"}", "[openapi]") {
  const nlohmann::json& unprocessable =
      openapi().at("components").at("responses").at("UnprocessableEntity").at("content").at("application/json");
  const nlohmann::json example = example_value(unprocessable);
  require_valid(check(Target::error, example));

  auto service = MockService::create();
  REQUIRE(service);
  HttpRequest request;
  request.method = "PATCH";
  request.target = "/customers/cust_abc123";
  request.headers = {{"Authorization", "Bearer sk_test_openapi"},
                     {"Alguna-Version", "2026-04-01"},
                     {"Content-Type", "application/json"}};
  request.body = R"({"currency": "usd"})";
  const HttpResponse answer = service->handle(request);
  CHECK(answer.status == 422);
  CHECK(nlohmann::json::parse(answer.body) == example);
}
