#include "config/json_text.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace bistro;
namespace json = boost::json;

TEST_CASE("json_text writes doubles as people write them, never 1E0") {
  CHECK(json::serialize(json::value(1.0)) == "1E0");  // why this file exists
  CHECK(json_text(json::value(1.0)) == "1.0");
  CHECK(json_text(json::value(0.05)) == "0.05");
  CHECK(json_text(json::value(2.5)) == "2.5");
  CHECK(json_text(json::value(-3.0)) == "-3.0");
  CHECK(json_text(json::value(1e300)) == "1e+300");
  CHECK(json_number_text(std::nan("")) == "null");
}

TEST_CASE("json_text keeps the object's key order and reads back the same") {
  auto doc = json::parse(
      R"({"z": 1, "a": [1, 2.5, "x\"y"], "m": {"k": null, "b": true}})");
  auto text = json_text(doc);
  CHECK(text == R"({"z":1,"a":[1,2.5,"x\"y"],"m":{"k":null,"b":true}})");
  CHECK(json::parse(text) == doc);
}

TEST_CASE("json_pretty puts one key per line and short lists on one line") {
  auto doc = json::parse(
      R"({"bistro_settings": {"enabled": true, "idle_wait": 0.5,
          "levels": ["a", "b"], "empty": {}, "none": []},
          "bistro_job->x": {"owner": "me", "backoff": [1, 2, "fail"]}})");
  CHECK(json_pretty(doc) ==
        "{\n"
        "  \"bistro_settings\": {\n"
        "    \"enabled\": true,\n"
        "    \"idle_wait\": 0.5,\n"
        "    \"levels\": [\"a\", \"b\"],\n"
        "    \"empty\": {},\n"
        "    \"none\": []\n"
        "  },\n"
        "  \"bistro_job->x\": {\n"
        "    \"owner\": \"me\",\n"
        "    \"backoff\": [1, 2, \"fail\"]\n"
        "  }\n"
        "}");
  CHECK(json::parse(json_pretty(doc)) == doc);
}

TEST_CASE("json_pretty breaks long lists and lists of objects over lines") {
  json::array long_list;
  for (int i = 0; i < 30; ++i)
    long_list.emplace_back("node" + std::to_string(i));
  auto doc =
      json::value{{"l", long_list}, {"o", json::array{json::object{{"a", 1}}}}};
  auto text = json_pretty(doc);
  CHECK(text.find("\"l\": [\n    \"node0\",\n    \"node1\",") !=
        std::string::npos);
  CHECK(text.find("\"o\": [\n    {\n      \"a\": 1\n    }\n  ]") !=
        std::string::npos);
  CHECK(json::parse(text) == doc);
}
