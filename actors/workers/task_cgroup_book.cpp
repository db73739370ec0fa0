#include "actors/workers/task_cgroup_book.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "actors/protocol/messages.hpp"

namespace bistro {

namespace {

/// One line of the book: what names a slice. Tabs and newlines cannot be
/// in it (the config's paths and names are checked for neither, so they
/// are refused here).
std::string slice_line(const cgroup_options& o) {
  std::string subs;
  for (const auto& s : o.subsystems) subs += (subs.empty() ? "" : ",") + s;
  return o.root + "\t" + o.slice + "\t" + subs + "\t" +
         (o.kill_without_freezer ? "1" : "0");
}

std::optional<cgroup_options> parse_line(const std::string& line) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto tab = line.find('\t', start);
    parts.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  if (parts.size() != 4) return std::nullopt;
  cgroup_options o;
  o.root = parts[0];
  o.slice = parts[1];
  start = 0;
  while (start < parts[2].size()) {
    auto comma = parts[2].find(',', start);
    if (comma == std::string::npos) comma = parts[2].size();
    o.subsystems.push_back(parts[2].substr(start, comma - start));
    start = comma + 1;
  }
  o.kill_without_freezer = parts[3] == "1";
  if (!o.enabled()) return std::nullopt;
  return o;
}

/// FNV-1a: the same data dir gives the same tag in every build.
std::string tag_of(const std::string& dir) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(dir, ec).string();
  if (ec) canonical = dir;
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : canonical) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%08llx",
                static_cast<unsigned long long>(h & 0xffffffffull));
  return buf;
}

}  // namespace

task_cgroup_book::task_cgroup_book(std::string data_dir, cgroup_fs fs)
    : record_path_(data_dir + "/task_cgroups"),
      fs_(fs),
      prefix_("bistro-" + tag_of(data_dir) + "-") {}

cgroup_cleanup task_cgroup_book::clean_leftovers(std::int64_t timeout_ms) {
  cgroup_cleanup all;
  std::ifstream in(record_path_);
  std::string line;
  while (std::getline(in, line)) {
    if (!recorded_.insert(line).second) continue;
    auto options = parse_line(line);
    if (!options) {
      spdlog::warn("{}: ignoring a line that names no cgroup slice",
                   record_path_);
      continue;
    }
    auto layout = open_cgroup_layout(*options, fs_);
    if (auto* err = std::get_if<std::string>(&layout)) {
      spdlog::warn("cannot clean task cgroups of an earlier worker: {}", *err);
      all.errors.push_back(*err);
      continue;
    }
    auto cleaned = clean_leftover_cgroups(std::get<cgroup_layout>(layout),
                                          prefix_, timeout_ms);
    for (auto& dir : cleaned.removed) {
      spdlog::info("removed cgroup {} left by an earlier worker", dir);
      all.removed.push_back(std::move(dir));
    }
    for (auto& err : cleaned.errors) {
      spdlog::error("cannot clean up after an earlier worker: {}", err);
      all.errors.push_back(std::move(err));
    }
  }
  return all;
}

std::string task_cgroup_book::place(const task_cgroup_spec& spec,
                                    std::uint64_t run_id, task_launch& launch) {
  cgroup_options o;
  o.root = spec.root;
  o.slice = spec.slice;
  o.subsystems = spec.subsystems;
  o.kill_without_freezer = spec.kill_without_freezer;
  o.pids_max = spec.pids_max;
  auto line = slice_line(o);
  if (line.find('\n') != std::string::npos ||
      std::count(line.begin(), line.end(), '\t') != 3)
    return "task_subprocess.cgroups: a tab or newline in root, slice or "
           "subsystems";
  auto key = line + "\t" + std::to_string(o.pids_max);
  auto it = layouts_.find(key);
  if (it == layouts_.end()) {
    // Errors are not kept: once the machine is fixed, the next run works.
    auto opened = open_cgroup_layout(o, fs_);
    if (auto* err = std::get_if<std::string>(&opened)) return *err;
    it = layouts_
             .emplace(key, std::make_shared<const cgroup_layout>(
                               std::move(std::get<cgroup_layout>(opened))))
             .first;
    // Each pool's names of its own: two slices may share a hierarchy.
    if (cgroup_pool::worth_pooling(*it->second))
      pools_[key] = std::make_shared<cgroup_pool>(
          *it->second, prefix_ + "idle" + std::to_string(pools_.size()) + ".",
          max_idle_cgroups);
  }
  if (recorded_.insert(line).second) {
    // Written before the first task cgroup of the slice exists, so a
    // worker killed at any point leaves nothing its successor misses. No
    // fsync: cgroups do not outlive the machine, the page cache does
    // outlive the process.
    int fd = ::open(record_path_.c_str(),
                    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    auto text = line + "\n";
    if (fd < 0 || ::write(fd, text.data(), text.size()) !=
                      static_cast<ssize_t>(text.size())) {
      spdlog::warn(
          "cannot record the cgroup slice in {}: {}; a worker "
          "killed now leaves task cgroups the next one misses",
          record_path_, std::strerror(errno));
      recorded_.erase(line);
    }
    if (fd >= 0) ::close(fd);
  }
  launch.cgroups = it->second;
  if (auto pool = pools_.find(key); pool != pools_.end())
    launch.pooled_cgroups = pool->second;
  launch.cgroup_name =
      prefix_ + std::to_string(run_id) + "." + std::to_string(++seq_);
  launch.cgroup_limits.memory_limit_mb = spec.memory_limit_mb;
  launch.cgroup_limits.cpu_cores =
      static_cast<double>(spec.cpu_millicores) / 1000.0;
  return {};
}

}  // namespace bistro
