// Certificates for the TLS tests, made with the openssl command: a CA, a
// second CA, and certificates for the scheduler and a worker (signed by the
// CA) and a rogue (signed by the other CA).
// Single-threaded test code; the constructor blocks on openssl.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/support/e2e_support.hpp"

namespace bistro::testing {

struct tls_material {
  std::string dir;
  explicit tls_material(const temp_dir& d) : dir(d.file("tls")) {
    std::string script =
        "set -e; mkdir -p " + dir + "; cd " + dir +
        "; for ca in ca other; do openssl req -x509 -newkey rsa:2048 -nodes "
        "-keyout $ca.key -out $ca.pem -days 2 -subj /CN=$ca; done"
        "; for n in sched worker rogue; do s=ca; [ $n = rogue ] && s=other"
        "; openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr "
        "-subj /CN=$n; openssl x509 -req -in $n.csr -CA $s.pem -CAkey $s.key "
        "-CAcreateserial -out $n.pem -days 2; done >/dev/null 2>&1";
    REQUIRE(std::system(script.c_str()) == 0);
  }
  /// The three TLS flags of the scheduler, worker or shell `who` ("sched",
  /// "worker" or "rogue"), all trusting the CA.
  std::vector<std::string> flags(const std::string& who) const {
    return {"--tls_cert_file=" + dir + "/" + who + ".pem",
            "--tls_key_file=" + dir + "/" + who + ".key",
            "--tls_ca_file=" + dir + "/ca.pem"};
  }
};

}  // namespace bistro::testing
