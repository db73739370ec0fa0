// A request entry's arguments: their values, and the refusal for each
// wrong one, with the message every handler gives.
#include "actors/monitor/monitor_args.hpp"

#include <catch2/catch.hpp>

using namespace bistro;
namespace json = boost::json;

namespace {

json::object req(std::string_view text) {
  return json::parse(text).as_object();
}

template <class T>
std::string refusal(const monitor_result<T>& r) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == monitor_errc::bad_request);
  return r.error().message;
}

}  // namespace

TEST_CASE("args: integers from numbers and from strings of digits") {
  CHECK(*int_arg(req(R"({"n": 5})"), "n", 0) == 5);
  CHECK(*int_arg(req(R"({"n": "-12"})"), "n", 0) == -12);
  CHECK(*int_arg(req(R"({"n": " +7"})"), "n", 0) == 7);
  CHECK(*int_arg(req(R"({"n": null})"), "n", 3) == 3);
  CHECK(*int_arg(req("{}"), "n", 3) == 3);
  CHECK(refusal(int_arg(req(R"({"n": "x"})"), "n", 0)) ==
        "n: expected an integer");
  CHECK(refusal(int_arg(req(R"({"n": "5x"})"), "n", 0)) ==
        "n: expected an integer");
  CHECK(refusal(int_arg(req(R"({"n": "+-5"})"), "n", 0)) ==
        "n: expected an integer");
  CHECK(refusal(int_arg(req(R"({"n": "99999999999999999999"})"), "n", 0)) ==
        "n: expected an integer");
  CHECK(refusal(int_arg(req(R"({"n": 1.5})"), "n", 0)) ==
        "n: expected an integer");
  CHECK(refusal(int_arg(req(R"({"n": 18446744073709551615})"), "n", 0)) ==
        "n: expected an integer");
}

TEST_CASE("args: strings, names, lists and booleans") {
  CHECK(*string_arg(req(R"({"s": "a"})"), "s") == "a");
  CHECK(*string_arg(req("{}"), "s", "desc") == "desc");
  CHECK(refusal(string_arg(req(R"({"s": 1})"), "s")) == "s: expected a string");

  CHECK(*name_arg(req(R"({"job_id": "j"})"), "job_id") == "j");
  CHECK(refusal(name_arg(req(R"({"job_id": ""})"), "job_id")) ==
        "job_id: expected a non-empty string");
  CHECK(refusal(name_arg(req("{}"), "job_id")) ==
        "job_id: expected a non-empty string");

  CHECK(*strings_arg(req(R"({"jobs": ["a", "b"]})"), "jobs") ==
        std::vector<std::string>{"a", "b"});
  CHECK(strings_arg(req("{}"), "jobs")->empty());
  CHECK(refusal(strings_arg(req(R"({"jobs": "a"})"), "jobs")) ==
        "jobs: expected a list of strings");
  CHECK(refusal(strings_arg(req(R"({"jobs": ["a", 1]})"), "jobs")) ==
        "jobs: expected a list of strings");

  CHECK(*bool_arg(req(R"({"drain": false})"), "drain", true) == false);
  CHECK(*bool_arg(req("{}"), "drain", true) == true);
  CHECK(refusal(bool_arg(req(R"({"drain": "no"})"), "drain", true)) ==
        "drain: expected true or false");
}
