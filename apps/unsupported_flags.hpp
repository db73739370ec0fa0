// Bistro's command-line flags (its DEFINE_* in server/, worker/, remote/,
// runners/, statuses/, monitor/, flags/, config/, nodes/ and the utils and
// processes the binaries link) that these programs do not implement, each
// with the reason. Flags that would change what runs refuse to start when
// set; the rest are reported and ignored. The README's flag table lists the
// same facts.
//
// Constant data; safe from any thread.
#pragma once

#include <vector>

#include "apps/gflags_argv.hpp"

namespace bistro {

const std::vector<unsupported_flag>& scheduler_unsupported_flags();
const std::vector<unsupported_flag>& worker_unsupported_flags();

}  // namespace bistro
