// A monitor refusal as a value: its code travels by name and comes back.
#include "actors/monitor/monitor_error.hpp"

#include <catch2/catch.hpp>

using namespace bistro;
namespace json = boost::json;

TEST_CASE("monitor error: every code's name reads back as that code") {
  for (auto code : {monitor_errc::bad_request, monitor_errc::not_found,
                    monitor_errc::unavailable, monitor_errc::internal}) {
    INFO(to_string(code));
    CHECK(monitor_errc_from_string(to_string(code)) == code);
  }
  CHECK(to_string(monitor_errc::not_found) == "not_found");
  CHECK_FALSE(monitor_errc_from_string("Not_Found"));
  CHECK_FALSE(monitor_errc_from_string(""));
}

TEST_CASE("monitor error: an entry carries the message and the code") {
  auto entry = error_entry(not_found("Unknown job j"));
  CHECK(entry ==
        json::object{{"error", "Unknown job j"}, {"error_code", "not_found"}});
  auto back = error_of(entry);
  REQUIRE(back);
  CHECK(back->code == monitor_errc::not_found);
  CHECK(back->message == "Unknown job j");
}

TEST_CASE("monitor error: an error without a known code is a bad request") {
  // The message never decides: these words used to mean 404.
  auto bare = error_of(json::object{{"error", "Unknown job j"}});
  REQUIRE(bare);
  CHECK(bare->code == monitor_errc::bad_request);
  auto odd = error_of(json::object{{"error", "x"}, {"error_code", 7}});
  REQUIRE(odd);
  CHECK(odd->code == monitor_errc::bad_request);
  CHECK_FALSE(error_of(json::object{{"data", 1}}));
  CHECK_FALSE(error_of(json::object{{"error", 1}}));
}

TEST_CASE("monitor result: holds a value or an error, never both") {
  monitor_result<json::value> answer = json::object{{"a", 1}};
  REQUIRE(answer.ok());
  CHECK(answer->as_object().at("a") == 1);
  monitor_result<json::value> refused = unavailable("no config loaded yet");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == monitor_errc::unavailable);
  CHECK(refused.error().message == "no config loaded yet");
  monitor_result<std::string> text = "x";
  CHECK(*text == "x");
}
