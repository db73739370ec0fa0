#include "config/text_diff.hpp"

#include <catch2/catch.hpp>

using namespace bistro;

TEST_CASE("line_diff of equal texts is empty") {
  CHECK(line_diff("a\nb\n", "a\nb\n").empty());
  CHECK(line_diff("", "").empty());
}

TEST_CASE("line_diff shows one change with two lines of context") {
  CHECK(line_diff("1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nfour\n5\n6\n7\n") ==
        "@@ -2,5 +2,5 @@\n"
        " 2\n"
        " 3\n"
        "-4\n"
        "+four\n"
        " 5\n"
        " 6\n");
}

TEST_CASE("line_diff shows added and removed lines, and far changes apart") {
  std::string before, after;
  for (int i = 1; i <= 20; ++i) {
    before += std::to_string(i) + "\n";
    if (i == 3) after += "new\n";
    if (i != 17) after += std::to_string(i) + "\n";
  }
  CHECK(line_diff(before, after) ==
        "@@ -1,4 +1,5 @@\n"
        " 1\n"
        " 2\n"
        "+new\n"
        " 3\n"
        " 4\n"
        "@@ -15,5 +16,4 @@\n"
        " 15\n"
        " 16\n"
        "-17\n"
        " 18\n"
        " 19\n");
}

TEST_CASE("line_diff stops at max_lines and counts the rest") {
  std::string after;
  for (int i = 0; i < 50; ++i) after += "x" + std::to_string(i) + "\n";
  auto d = line_diff("", after, {2, 10});
  CHECK(d.find("+x8\n") != std::string::npos);
  CHECK(d.find("+x9\n") == std::string::npos);
  CHECK(d.find("… 41 more diff lines\n") != std::string::npos);
}
