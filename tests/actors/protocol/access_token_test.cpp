// The operator's token file and its comparison.
#include "actors/protocol/access_token.hpp"

#include <catch2/catch.hpp>

#include "tests/support/e2e_support.hpp"

using namespace bistro;
using bistro::testing::temp_dir;

TEST_CASE(
    "access token: read_token_file trims the token and refuses an empty one") {
  temp_dir dir;
  std::string token;
  CHECK(read_token_file(dir.write("t", "  abc \n second"), token).empty());
  CHECK(token == "abc");
  CHECK_THAT(read_token_file(dir.write("e", "\n"), token),
             Catch::Contains("empty"));
  CHECK_THAT(read_token_file(dir.file("none"), token),
             Catch::Contains("cannot read"));
}

TEST_CASE("access token: same_token needs the same bytes and length") {
  CHECK(same_token("abc", "abc"));
  CHECK_FALSE(same_token("abd", "abc"));
  CHECK_FALSE(same_token("ab", "abc"));
  CHECK_FALSE(same_token("abcd", "abc"));
  CHECK_FALSE(same_token("", "abc"));
  CHECK(same_token("", ""));
}
