// What this machine gives a worker: memory (its RAM, or less when the
// worker's own memory cgroup is limited), CPU cores (those it may run on)
// and GPUs (from `nvidia-smi` when it is on PATH), measured once at start.
//
// Plain logic, no CAF include; every function is safe to call from any
// thread (each runs its own child process or reads /proc and /sys).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/cgroup_settings.hpp"

namespace bistro {

/// One GPU as `nvidia-smi --query-gpu=gpu_bus_id,memory.total,name` says.
struct gpu_info {
  std::string pci_bus_id;
  double memory_mb = 0;
  std::string name;
};

struct measured_resources {
  usable_resources usable;
  std::vector<gpu_info> gpus;
  /// Why something could not be measured ("" when all was).
  std::string error;
};

/// Parses nvidia-smi's CSV lines ("0000:28:00.0, 11519, Tesla K40m");
/// an unreadable line is an error naming it.
std::vector<gpu_info> parse_nvidia_smi(const std::string& csv,
                                       std::string& error);

/// Measures memory, cores and GPUs; nvidia-smi gets `gpu_timeout_ms`
/// before it is killed (and counted as no GPUs, with an error).
measured_resources measure_usable_resources(std::int64_t gpu_timeout_ms);

}  // namespace bistro
