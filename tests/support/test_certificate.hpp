// A throwaway self-signed certificate for 127.0.0.1, made with the openssl command at test time.
#pragma once

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

namespace alguna::contract::testing {

struct TestCertificate {
  std::string cert_file;  // PEM; also the CA a client trusts, since it signs itself
  std::string key_file;
};

inline TestCertificate make_test_certificate(const TempDir& dir) {
  TestCertificate made{dir / "cert.pem", dir / "key.pem"};
  const std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
                              "-addext subjectAltName=IP:127.0.0.1 -days 1 -keyout '" + made.key_file +
                              "' -out '" + made.cert_file + "' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) FAIL("openssl could not make a certificate (install the package openssl)");
  return made;
}

}  // namespace alguna::contract::testing
