// The registry of node sources by the name a config's `source` gives:
// `add_time`, `empty`, `manual`, `range_label`, `script`. Adding a source is
// one file pair and one line in node_source_registry.cpp.
//
// The registry is built once and never changes; the returned sources are
// stateless and live for the whole program. Safe from any thread. Plain
// logic: no CAF include.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actors/nodes/node_source.hpp"

namespace bistro {

/// The source registered as `name`, or nullptr.
const node_source* find_node_source(std::string_view name);

/// Every registered name, sorted.
std::vector<std::string> node_source_names();

/// `unknown node source "x" (known: add_time, empty, ...)`.
std::string unknown_node_source_error(std::string_view name);

}  // namespace bistro
