// `bistro_scheduler --check_config`: parse a config file, build its node
// tree once, and print a short summary or every error. No actor system and
// no networking are involved. Single-threaded.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "config/policy_catalog.hpp"

namespace bistro {

/// Returns the process exit code: 0 when the file is usable, 1 otherwise.
/// The file is refused when it is not a regular file or is over
/// `max_bytes` (config/config_file.hpp). `policies`: the registry's
/// catalog.
int check_config(const std::string& path, std::int64_t max_bytes,
                 const policy_catalog& policies,
                 const std::string& instance_name, std::ostream& out,
                 std::ostream& err);

}  // namespace bistro
