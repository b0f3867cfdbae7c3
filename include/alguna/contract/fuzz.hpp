// Schema-aware fuzzing of the endpoint: requests generated from the schemas in schemas/, each a
// replay Scenario whose recorded answer is what the contract promises for it, so that the
// Replayer's checks are the oracles and a failing case is already a corpus entry.
//
// Oracles, as recorded expectations:
//   - a request our validator calls valid: a 2xx whose body is a valid Customer (the replayer's
//     schema check) holding every field the request set (the recorded body, compared as a subset);
//   - a request our validator calls invalid (or a body over the endpoint's size limit): a 4xx
//     with a valid error body;
//   - idempotency as published: the same key and body again is answered from the record
//     (Idempotent-Replayed: true, the same body); the same key with another body is a 422;
//   - never a 5xx: a 5xx fails both expectations (an answer with Transient-Error: true is
//     counted apart, not as a failure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/error.hpp>

namespace alguna::contract {

struct FuzzOptions {
  std::uint64_t seed = 0;
  // The customer every request targets (it must exist at the endpoint).
  std::string customer_id = "cust_abc123";
  // Bodies larger than this are expected to be refused (the mock's limit; the API lists 413).
  std::size_t max_body_bytes = 1024 * 1024;
};

struct FuzzCase {
  std::size_t index = 0;
  std::string kind;         // one of FuzzGenerator::kinds()
  std::string description;  // what was changed, e.g. "/tax_type: \"VAT\" (enum near miss)"
  bool expect_valid = false;  // our validator's verdict on the (first) request
  Scenario scenario;          // id "fuzz-<seed>-<index>", tags {"fuzz", kind}
};

// Deterministic: case `index` depends only on the seed and the index (not on the order cases are
// made in, nor on -j). Idempotency keys are ${IDEMPOTENCY_KEY} (fresh per run: a key the endpoint
// has seen before would be answered from its record) padded to the length under test.
class FuzzGenerator {
 public:
  // Reads the embedded schemas. Error internal when they cannot be read.
  static Result<FuzzGenerator> create(FuzzOptions options) noexcept;

  FuzzCase generate(std::size_t index) const;

  // Our validator's verdict on a request as it will be sent (stand-in key values of the real
  // lengths), with the body size limit: what a case expects. A shrunk case must keep it.
  bool is_valid(const RecordedRequest& request) const;

  // The mutation kinds, in the order of the summary table: "valid", "type-swap",
  // "enum-near-miss", "format-near-miss", "boundary-length", "unicode", "null",
  // "unknown-field", "deep-body", "huge-body", "malformed-json", "header-authorization",
  // "header-version", "header-idempotency-key", "header-content-type", "idempotency-replay",
  // "idempotency-mismatch".
  static const std::vector<std::string>& kinds();

  const FuzzOptions& options() const noexcept;

 private:
  struct Impl;
  explicit FuzzGenerator(std::shared_ptr<const Impl> impl) noexcept;
  std::shared_ptr<const Impl> impl_;
};

// A smaller scenario that may still fail the same way: the request body of `scenario`'s
// `step` with the object member at position `member` of its top-level body removed (and the
// recorded body adjusted to match). Empty when there is no such member.
std::optional<Scenario> without_body_member(const Scenario& scenario, std::size_t step, std::size_t member);

}  // namespace alguna::contract
