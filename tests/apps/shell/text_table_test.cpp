#include "apps/shell/text_table.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using namespace bistro::shell;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("shell: a table that fits is aligned in columns two spaces apart") {
  text_table t{{"JOB", "COUNT"}, {{"a", "1"}, {"longer", "22"}}, {}};
  CHECK(render_table(t, 80) ==
        "JOB     COUNT\n"
        "a       1\n"
        "longer  22\n");
}

TEST_CASE("shell: a table too wide shrinks its widest column and marks cuts") {
  text_table t{
      {"NODE", "DETAIL"}, {{"n1", std::string(200, 'x')}, {"n2", "short"}}, {}};
  auto text = render_table(t, 40);
  for (const auto& line : lines_of(text)) CHECK(display_width(line) <= 40);
  CHECK_THAT(text, Catch::Contains("…"));
  CHECK_THAT(text, Catch::Contains("n2    short"));
}

TEST_CASE("shell: every column gives way when several are wide") {
  text_table t{
      {"A", "B", "C"},
      {{std::string(50, 'a'), std::string(50, 'b'), std::string(50, 'c')}},
      {}};
  auto lines = lines_of(render_table(t, 60));
  REQUIRE(lines.size() == 2);
  CHECK(display_width(lines[1]) == 60);
  CHECK(lines[1].find("aaaa") != std::string::npos);
  CHECK(lines[1].find("cccc") != std::string::npos);
}

TEST_CASE("shell: widths count UTF-8 code points, not bytes") {
  CHECK(display_width("né…") == 3);
  CHECK(fit_cell("abcdef", 4) == "abc…");
  CHECK(fit_cell("abc", 4) == "abc");
  text_table t{{"X", "Y"}, {{"é", "1"}, {"ab", "2"}}, {}};
  CHECK(render_table(t, 80) == "X   Y\né   1\nab  2\n");
}

TEST_CASE("shell: control characters in cells do not break the layout") {
  text_table t{{"A"}, {{"x\ty\033z"}}, {}};
  CHECK(render_table(t, 80) == "A\nx y z\n");
}

TEST_CASE("shell: a limited list ends with how many were left out") {
  CHECK(more_line(0, "tasks") == "");
  CHECK(more_line(12, "tasks", "use --limit") ==
        "… 12 more tasks (use --limit)\n");
}

TEST_CASE(
    "shell: fields align their values and wrap long ones under themselves") {
  auto text = render_fields({{"a", "1"}, {"longer", std::string(44, 'z')}}, 30);
  auto lines = lines_of(text);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "a       1");
  CHECK(lines[1] == "longer  " + std::string(22, 'z'));
  CHECK(lines[2] == "        " + std::string(22, 'z'));
}

TEST_CASE("shell: ages read compactly") {
  CHECK(format_age_ms(850) == "850ms");
  CHECK(format_age_ms(42000) == "42s");
  CHECK(format_age_ms(184000) == "3m04s");
  CHECK(format_age_ms(7500000) == "2h05m");
  CHECK(format_age_ms(3 * 86400000LL + 4 * 3600000LL) == "3d04h");
  CHECK(format_time_ms(0) == "-");
  CHECK(format_time_ms(1700000000000).size() == 19);
}

TEST_CASE("tables wrap messages and shrink counts before cutting names") {
  using enum column_fit;
  text_table t{{"JOB", "NODE", "incomplete_backoff", "ERRORS"},
               {{"a_rather_long_job_name", "host-0042.example", "3",
                 "the command exited 2 after writing no status"}},
               {name, name, count, wrap}};
  auto out = render_table(t, 60);
  INFO(out);
  CHECK(out.find("a_rather_long_job_name") != std::string::npos);
  CHECK(out.find("host-0042.example") != std::string::npos);
  CHECK(out.find("in…") != std::string::npos);  // the count's header gave way
  auto all = lines_of(out);
  REQUIRE(all.size() >= 3);  // header, the row, its continuation
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(display_width(all[i]) <= 60);
    if (i > 0) CHECK(all[i].find("…") == std::string::npos);  // wrapped
  }
  CHECK(out.find("exited 2") != std::string::npos);
  CHECK(out.find("status") != std::string::npos);
}

TEST_CASE("names are cut only when nothing else can give") {
  using enum column_fit;
  text_table t{{"JOB", "STATUS"},
               {{"a_job_name_longer_than_the_terminal_is", "running"}},
               {name, shrink}};
  auto out = render_table(t, 30);
  CHECK(out.find("…") != std::string::npos);
  CHECK(out.find("STAT") != std::string::npos);
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    CHECK(display_width(line) <= 30);
}
