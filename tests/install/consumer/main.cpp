// Pre-send validation: check a PATCH /customers/{id} body against the contract, and send only a
// valid one.
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include <alguna/contract/validator.hpp>

namespace contract = alguna::contract;
using nlohmann::json;

// Sends the body if it keeps the contract; otherwise prints every violation and sends nothing.
bool send_customer_update(const contract::Validator& validator, const std::string& id,
                          const json& body) {
  const contract::Report report = validator.validate(contract::Target::update_request, body);
  if (!report.valid) {
    std::cerr << "not sending PATCH /customers/" << id << ":\n";
    for (const contract::Violation& v : report.errors)
      std::cerr << "  " << contract::display_path(v.path) << " [" << v.keyword << "] " << v.message
                << '\n';
    return false;
  }
  std::cout << "PATCH /customers/" << id << ' ' << body.dump() << '\n';  // your HTTP client here
  return true;
}

int main() {
  // Build it once and share it: every member is const and thread-safe.
  const auto validator = contract::Validator::create();
  if (!validator) {
    std::cerr << validator.error().message << '\n';
    return 2;
  }

  // The API reference's example body.
  const json doc_example = {
      {"aliases", {"<string>"}},
      {"contacts", {{{"email", "john@example.com"},
                     {"is_primary", true},
                     {"email_preferences", {"<string>"}},
                     {"first_name", "John"},
                     {"id", "<string>"},
                     {"last_name", "Doe"}}}},
      {"currency", "USD"},
      {"name", "Acme Corp"}};
  // A typo, a lowercase currency code and an email without a domain.
  const json broken = {
      {"nmae", "Acme Corp"}, {"currency", "usd"}, {"contacts", {{{"email", "john@"}}}}};

  const bool sent = send_customer_update(*validator, "cust_abc123", doc_example);
  const bool refused = !send_customer_update(*validator, "cust_abc123", broken);
  return sent && refused ? 0 : 1;
}
