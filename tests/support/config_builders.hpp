// Test helpers that turn small JSON snippets into parsed configs.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "actors/policies/builtin_policies.hpp"
#include "config/config.hpp"

namespace bistro::testing {

/// A config text with `settings` as bistro_settings' extra keys (after a
/// default `nodes`) and `jobs` appended verbatim ("\"bistro_job->a\": {...}").
inline std::string config_text(const std::string& settings_extra,
                               const std::string& jobs = "") {
  std::string s =
      R"({"bistro_settings": {"nodes": {"levels": ["host", "db"],)"
      R"( "node_source": "manual", "node_source_prefs": {"h1": ["d1"]}})";
  if (!settings_extra.empty()) s += ", " + settings_extra;
  s += "}";
  if (!jobs.empty()) s += ", " + jobs;
  return s + "}";
}

/// Parses `text`, failing the test when the whole file is rejected.
inline std::shared_ptr<const config> parse_ok(const std::string& text) {
  auto result = parse_config(text, builtin_policy_catalog());
  INFO("errors: " << (result.errors.empty() ? "" : result.errors.front()));
  REQUIRE(result.ok());
  return result.value;
}

/// Parses `text`, expecting rejection; returns the first error.
inline std::string parse_error(const std::string& text) {
  auto result = parse_config(text, builtin_policy_catalog());
  REQUIRE_FALSE(result.ok());
  REQUIRE_FALSE(result.errors.empty());
  return result.errors.front();
}

}  // namespace bistro::testing
