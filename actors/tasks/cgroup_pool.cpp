#include "actors/tasks/cgroup_pool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

namespace bistro {

namespace {

bool is_pooled_subsystem(const std::string& subsystem) {
  return subsystem == "cpu" || subsystem == "cpuacct";
}

/// True only if `dir/tasks` could be read and lists no thread, and `dir`
/// holds no cgroup of its own (a task may make one and move a process into
/// it, where the parent's `tasks` no longer lists it): a cgroup that
/// cannot be verified empty is not reused.
bool verified_empty(const std::string& dir) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it{dir, ec}, end; !ec && it != end;
       it.increment(ec))
    if (it->is_directory(ec)) return false;
  if (ec) return false;
  int fd = ::open((dir + "/tasks").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char c;
  ssize_t n;
  do {
    n = ::read(fd, &c, 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  return n == 0;
}

}  // namespace

cgroup_pool::cgroup_pool(cgroup_layout layout, std::string idle_prefix,
                         std::size_t max_idle)
    : layout_(std::move(layout)),
      idle_prefix_(std::move(idle_prefix)),
      max_idle_(max_idle) {
  if (layout_.unified) return;
  for (std::size_t i = 0; i < layout_.options.subsystems.size(); ++i)
    if (is_pooled_subsystem(layout_.options.subsystems[i]) &&
        i < layout_.slice_dirs.size())
      pooled_.push_back(i);
}

cgroup_pool::~cgroup_pool() {
  for (auto n : idle_) remove_entry(idle_prefix_ + std::to_string(n));
}

bool cgroup_pool::worth_pooling(const cgroup_layout& layout) {
  if (layout.unified) return false;
  for (const auto& s : layout.options.subsystems)
    if (is_pooled_subsystem(s)) return true;
  return false;
}

bool cgroup_pool::pools(std::size_t index) const {
  for (auto i : pooled_)
    if (i == index) return true;
  return false;
}

std::vector<std::string> cgroup_pool::dirs_named(
    const std::string& name) const {
  std::vector<std::string> out;
  for (auto i : pooled_) out.push_back(layout_.slice_dirs[i] + "/" + name);
  return out;
}

bool cgroup_pool::take(const std::string& name) {
  while (!idle_.empty()) {
    const auto idle_name = idle_prefix_ + std::to_string(idle_.back());
    idle_.pop_back();
    const auto from = dirs_named(idle_name);
    const auto to = dirs_named(name);
    std::size_t renamed = 0;
    while (renamed < from.size() &&
           std::rename(from[renamed].c_str(), to[renamed].c_str()) == 0)
      ++renamed;
    if (renamed == from.size()) return true;
    // Gone, or `name` exists already: this entry is not used again. What
    // was renamed goes back to the idle name so that one removal covers
    // the whole entry.
    while (renamed > 0) {
      --renamed;
      std::rename(to[renamed].c_str(), from[renamed].c_str());
    }
    remove_entry(idle_name);
  }
  return false;
}

bool cgroup_pool::give_back(const std::string& name) {
  if (pooled_.empty() || idle_.size() >= max_idle_) return false;
  const auto from = dirs_named(name);
  for (const auto& dir : from)
    if (!verified_empty(dir)) return false;
  const auto number = next_number_++;
  const auto to = dirs_named(idle_prefix_ + std::to_string(number));
  std::size_t renamed = 0;
  while (renamed < from.size() &&
         std::rename(from[renamed].c_str(), to[renamed].c_str()) == 0)
    ++renamed;
  if (renamed == from.size()) {
    idle_.push_back(number);
    return true;
  }
  // Back under the task's name, for the caller to remove.
  while (renamed > 0) {
    --renamed;
    std::rename(to[renamed].c_str(), from[renamed].c_str());
  }
  return false;
}

std::string cgroup_pool::remove_entry(const std::string& name) {
  return remove_cgroup_dirs(layout_.fs, dirs_named(name));
}

}  // namespace bistro
