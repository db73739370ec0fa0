#include "actors/nodes/node_name.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

TEST_CASE("node names must be well-formed UTF-8 without NUL") {
  CHECK_FALSE(node_name_problem("host1.db-2_x"));
  CHECK_FALSE(node_name_problem("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x99\x82"));
  CHECK(node_name_problem("a\xff") ==
        "is not valid UTF-8: byte 0xff at offset 1");
  CHECK(node_name_problem("\xc0\xaf") ==  // overlong '/'
        "is not valid UTF-8: byte 0xc0 at offset 0");
  CHECK(node_name_problem("x\xed\xa0\x80") ==  // a surrogate
        "is not valid UTF-8: byte 0xed at offset 1");
  CHECK(node_name_problem("cut\xe6\x97") ==
        "is not valid UTF-8: byte 0xe6 at offset 3");
  CHECK(node_name_problem(std::string_view{"a\0b", 3}) ==
        "holds a NUL byte at offset 1");
}

TEST_CASE("an escaped name is quoted valid UTF-8 that shows every bad byte") {
  CHECK(escaped_name("plain") == "\"plain\"");
  CHECK(escaped_name("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
  CHECK(escaped_name(std::string_view{"a\xff\0\"\\\n", 6}) ==
        R"("a\xff\x00\"\\\x0a")");
}
