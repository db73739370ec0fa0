// What this machine gives a worker: memory (its RAM, or less when the
// worker's own memory cgroup is limited), CPU cores (those it may run on)
// and GPUs (from `nvidia-smi` when it is on PATH), measured once at start.
// bistro_worker sends them in its hello (physical_report), and the
// scheduler makes them the worker's limits where `physical_resources`
// maps them.
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

/// MemTotal of /proc/meminfo's text in MB; 0 when it has none.
double meminfo_total_mb(const std::string& text);

/// Measures memory (MemTotal of /proc/meminfo, or of the file the
/// environment variable BISTRO_TEST_MEMINFO names: a test-only stand-in;
/// less when this process's memory cgroup is limited), cores and GPUs;
/// nvidia-smi gets `gpu_timeout_ms` before it is killed (and counted as no
/// GPUs, with an error).
measured_resources measure_usable_resources(std::int64_t gpu_timeout_ms);

/// "usable resources: 1000 MB memory, 2 CPU cores, 0 GPUs (why not)",
/// for the log.
std::string describe(const measured_resources& m);

}  // namespace bistro
