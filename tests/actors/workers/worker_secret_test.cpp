#include "actors/workers/worker_secret.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/e2e_support.hpp"

namespace bistro {
namespace {

TEST_CASE("secrets are 64 hex digits and never repeat") {
  auto a = make_worker_secret();
  auto b = make_worker_secret();
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
}

TEST_CASE("a secret matches its hash and nothing else does") {
  auto secret = make_worker_secret();
  auto hash = worker_secret_hash(secret);
  CHECK(hash.size() == 64);
  CHECK(hash != secret);
  CHECK(worker_secret_matches(secret, hash));
  CHECK_FALSE(worker_secret_matches(make_worker_secret(), hash));
  CHECK_FALSE(worker_secret_matches("", worker_secret_hash("")));
  CHECK_FALSE(worker_secret_matches(secret, hash.substr(1)));
  // SHA-256 of "abc", the standard's own example.
  CHECK(worker_secret_hash("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a kept secret reads back; its file is the owner's alone") {
  testing::temp_dir s;
  auto path = s.file("worker_secret");
  CHECK_FALSE(read_worker_secret(path));
  auto secret = make_worker_secret();
  REQUIRE(write_worker_secret(path, secret).empty());
  CHECK(read_worker_secret(path) == secret);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::ofstream(path) << "not a secret\n";
  CHECK_FALSE(read_worker_secret(path));
  auto err = write_worker_secret(s.file("no/such"), secret);
  CHECK(err.find("no/such") != std::string::npos);
}

}  // namespace
}  // namespace bistro
