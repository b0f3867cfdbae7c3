// Exits 0 only if the installed library validates as the tests expect.
#include <iostream>

#include <alguna/contract/contract.hpp>
#include <alguna/contract/mock.hpp>

int main() {
  using namespace alguna::contract;
  auto validator = Validator::create();
  if (!validator) {
    std::cerr << validator.error().message << '\n';
    return 1;
  }
  const Report good = validator->validate_text(Target::update_request, R"({"name": "Acme Corp"})");
  const Report bad = validator->validate_text(Target::update_request, R"({"nmae": "Acme Corp"})");
  if (!good.valid || bad.valid || bad.errors.size() != 1 || bad.errors[0].path != "/nmae") {
    std::cerr << "unexpected verdicts\n";
    return 1;
  }
  // The mock links too (cpp-httplib, OpenSSL and threads come through the package's config).
  auto server = MockServer::start(MockServerOptions{});
  if (!server || (*server)->port() <= 0) {
    std::cerr << "mock server did not start: " << server.error().message << '\n';
    return 1;
  }
  (*server)->stop();
  std::cout << "consumer: ok (library " << library_version() << ", API " << api_version << ")\n";
  return 0;
}
