// The bundled scenarios (corpus/scenarios/) replayed against the mock without sockets: the corpus
// format, variables, the matcher and MockService must agree on every recorded exchange. (The
// replay command will run the same scenarios over HTTP.)
#include <cstdlib>
#include <set>
#include <string>

#include "test_support.hpp"

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/mock.hpp>

using namespace alguna::contract;
using namespace alguna::contract::testing;

TEST_CASE("every bundled scenario passes against the mock", "[corpus][scenarios]") {
  // The key comes from the environment variable the caller names, as in the replay command.
  REQUIRE(::setenv("ALGUNA_CONTRACT_TEST_KEY", "sk_test_bundled", 1) == 0);
  auto reader = CorpusReader::open({std::string(ALGUNA_CONTRACT_SOURCE_DIR) + "/corpus/scenarios"});
  REQUIRE(reader);

  std::set<std::string> tags;
  std::size_t scenarios = 0;
  while (true) {
    auto next = reader->next();
    INFO(next.error().message);
    REQUIRE(next);
    if (!next.value()) break;
    const Scenario& scenario = *next.value();
    ++scenarios;
    tags.insert(scenario.tags.begin(), scenario.tags.end());

    auto service = MockService::create();  // each scenario on a fresh mock
    REQUIRE(service);
    VariableValues values;
    values.api_key_env = "ALGUNA_CONTRACT_TEST_KEY";
    values.idempotency_key = make_idempotency_key();
    for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
      INFO(scenario.source() << " " << scenario.id << ", step " << i + 1);
      auto request = resolve_request(scenario.steps[i].request, values);
      REQUIRE(request);
      const HttpResponse response = service->handle(request.value());
      INFO(response.status << " " << response.body);
      const auto failures = match_response(scenario.steps[i], response.status, response.headers, response.body);
      for (const auto& failure : failures) {
        INFO(to_json(failure).dump());
        CHECK(false);
      }
      // Every answer also keeps the response contract.
      const Report report = shared_validator().validate_text(
          response.status / 100 == 2 ? Target::customer : Target::error, response.body);
      INFO(describe(report));
      CHECK(report.valid);
    }
  }
  CHECK(scenarios >= 30);
  for (const char* tag : {"positive", "negative", "doc", "idempotency", "malformed", "401", "404", "405",
                          "400", "415", "422"}) {
    INFO(tag);
    CHECK(tags.count(tag) == 1);
  }
}
