// One validator, many threads: the compiled schemas are shared read-only.
#include <atomic>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace alguna::contract;
using namespace alguna::contract::testing;

TEST_CASE("many threads validate at once with one shared validator", "[validator][threads]") {
  const Validator& validator = shared_validator();
  const nlohmann::json good = fixture("doc-example-response.json");
  nlohmann::json bad = good;
  bad["tax_type"] = "VAT";
  bad["created_at"] = "2026-02-30T10:00:00Z";
  const std::string bad_text = bad.dump();

  constexpr int kThreads = 8;
  constexpr int kIterations = 300;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        if ((i + t) % 2 == 0) {
          const Report report = validator.validate(Target::customer, good);
          if (!report.valid || !validator.is_valid(Target::customer, good)) ++wrong;
        } else {
          const Report report = validator.validate_text(Target::customer, bad_text);
          if (report.valid || report.errors.size() != 2 || report.errors[0].path != "/created_at" ||
              report.errors[1].path != "/tax_type") {
            ++wrong;
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("copies of a validator share its schemas and agree", "[validator][threads]") {
  const Validator copy = shared_validator();  // NOLINT(performance-unnecessary-copy-initialization)
  const nlohmann::json body = {{"currency", "usd"}};
  CHECK(to_json(copy.validate(Target::update_request, body)) ==
        to_json(shared_validator().validate(Target::update_request, body)));
}
