#include "apps/gflags_argv.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/support/e2e_support.hpp"

using namespace bistro;

namespace {

const std::vector<flag_spec> known = {{"config_file", flag_kind::text},
                                      {"server_port", flag_kind::integer},
                                      {"test_failure_rate", flag_kind::real},
                                      {"dry_run", flag_kind::boolean},
                                      {"clean_statuses", flag_kind::boolean}};
const std::vector<unsupported_flag> unsupported = {
    {"http_server_threads", flag_kind::integer, "one thread here", false},
    {"kill_job_if_disabled", flag_kind::boolean, "use the JSON key", true}};

command_line read_ok(const std::vector<std::string>& args) {
  auto r = read_command_line(args, known, unsupported);
  if (auto* e = std::get_if<std::string>(&r)) FAIL(*e);
  return std::get<command_line>(r);
}

std::string read_error(const std::vector<std::string>& args) {
  auto r = read_command_line(args, known, unsupported);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

}  // namespace

TEST_CASE(
    "gflags value forms: flag=value and flag value with one or two dashes") {
  auto cli = read_ok({"--config_file=a", "--server_port", "6789",
                      "-test_failure_rate", "0.5"});
  CHECK(cli.values ==
        std::map<std::string, std::string>{{"config_file", "a"},
                                           {"server_port", "6789"},
                                           {"test_failure_rate", "0.5"}});
}

TEST_CASE("gflags booleans: flag alone and noflag and flag=true/false/1/0") {
  CHECK(read_ok({"--dry_run"}).values.at("dry_run") == "true");
  CHECK(read_ok({"--dry_run", "--nodry_run"}).values.at("dry_run") == "false");
  CHECK(read_ok({"-dry_run=false"}).values.at("dry_run") == "false");
  CHECK(read_ok({"--dry_run=1"}).values.at("dry_run") == "true");
  CHECK(read_ok({"--dry_run=No"}).values.at("dry_run") == "false");
  // A boolean never takes the next argument as its value.
  CHECK(read_error({"--dry_run", "true"}).starts_with("unexpected argument"));
}

TEST_CASE("a one-letter alias takes its value from the next argument") {
  std::vector<flag_spec> with_alias = {{"command", flag_kind::text, "c"}};
  auto r = read_command_line({"-c", "jobs"}, with_alias, {});
  REQUIRE(std::holds_alternative<command_line>(r));
  CHECK(std::get<command_line>(r).values.at("command") == "jobs");
}

TEST_CASE("help and version and the double dash are understood") {
  CHECK(read_ok({"--help"}).help);
  CHECK(read_ok({"-helpfull"}).help);
  CHECK(read_ok({"--version"}).version);
  CHECK(read_ok({"--dry_run", "--", "--server_port=x"}).values.size() == 1);
}

TEST_CASE("a flagfile gives one flag a line and skips comments") {
  bistro::testing::temp_dir dir;
  auto inner = dir.write("inner", "--server_port=7\n");
  auto outer = dir.write("flags",
                         "# Bistro flags\n  --config_file=/etc/b\n"
                         "--dry_run\n\n--flagfile=" +
                             inner + "\n");
  auto cli = read_ok({"--flagfile=" + outer, "--server_port", "8"});
  CHECK(cli.values.at("config_file") == "/etc/b");
  CHECK(cli.values.at("dry_run") == "true");
  CHECK(cli.values.at("server_port") == "8");  // the later one wins
  CHECK(
      read_error({"--flagfile=" + dir.file("missing")})
          .starts_with("--flagfile=" + dir.file("missing") + ": cannot read"));
}

TEST_CASE("mistakes are one line naming the flag and what it expects") {
  CHECK(read_error({"--colour=red"}) == "unknown flag --colour (see --help)");
  CHECK(read_error({"--server_port=abc"}) ==
        "--server_port=abc: --server_port expects an integer, got \"abc\"");
  CHECK(read_error({"--test_failure_rate", "x"}) ==
        "--test_failure_rate: --test_failure_rate expects a number, got \"x\"");
  CHECK(read_error({"--dry_run=maybe"}) ==
        "--dry_run=maybe: --dry_run expects true or false, got \"maybe\"");
  CHECK(read_error({"--config_file"}) ==
        "--config_file expects a value after it");
  CHECK(read_error({"--nodry_run=1"}) ==
        "--nodry_run=1: --nodry_run takes no value");
  CHECK(read_error({"config"}).starts_with("unexpected argument \"config\""));
}

TEST_CASE("unsupported Bistro flags are noted or refused when set") {
  auto cli = read_ok({"--http_server_threads=4", "--nokill_job_if_disabled"});
  CHECK(cli.values.empty());
  CHECK(cli.notes == std::vector<std::string>{
                         "--http_server_threads=4: not supported, ignored: "
                         "one thread here",
                         "--kill_job_if_disabled=false: not supported, "
                         "ignored: use the JSON key"});
  CHECK(read_error({"--kill_job_if_disabled"}) ==
        "--kill_job_if_disabled=true: not supported: use the JSON key");
}
