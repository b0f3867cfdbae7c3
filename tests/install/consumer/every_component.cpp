// Uses the parts of the static library that need its private dependencies, so that one the
// package's config fails to bring fails this link: RE2 (corpus match rules), libcurl (the
// replayer), cpp-httplib, OpenSSL and threads (the embedded mock), simdjson (the fast engine, which
// the replayer's schema checks use).
#include <iostream>

#include <alguna/contract/contract.hpp>

int main() {
  using namespace alguna::contract;
  // The doc's exchange, as corpus/ records it, with an RE2 match rule.
  const auto scenario = parse_scenario(R"({"id": "doc-exchange",
      "request": {"method": "PATCH", "path": "/customers/cust_abc123",
                  "headers": {"Alguna-Version": "2026-04-01", "Authorization": "Bearer ${ALGUNA_API_KEY}",
                              "Content-Type": "application/json"},
                  "body": {"name": "Acme Corp", "currency": "USD",
                           "contacts": [{"email": "john@example.com", "is_primary": true}]}},
      "response": {"status": 200, "body": {"id": "cust_abc123", "name": "Acme Corp"}},
      "match": {"/contacts/0/id": "regex:cont_[0-9a-z_]+"}})",
                                       "every_component.cpp", 1);
  if (!scenario) {
    std::cerr << scenario.error().message << '\n';
    return 1;
  }
  // Replayed over HTTP against the embedded mock.
  const auto replayer = Replayer::create(ReplayOptions{});
  if (!replayer) {
    std::cerr << replayer.error().message << '\n';
    return 1;
  }
  const ScenarioResult result = replayer->run(*scenario);
  if (result.outcome != Outcome::passed) {
    std::cerr << "doc-exchange " << to_string(result.outcome) << ": " << result.error << '\n';
    return 1;
  }
  std::cout << "every component: ok (library " << library_version() << ", API " << api_version
            << ")\n";
  return 0;
}
