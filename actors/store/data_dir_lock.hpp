// The writer's lock on a --data_dir: one bistro_scheduler or bistro_worker
// writes a data directory at a time. The lock is an flock(2) on
// `<dir>/lock`, which also holds the holder's pid so that a second writer
// can say who has it. The kernel drops the lock when its process dies
// (kill -9 included), so a stale lock file never blocks anyone. Readers
// (LMDB read transactions, an offline shell) do not take it.
//
// Plain RAII: the lock lasts as long as the object. Not copyable.
#pragma once

#include <string>
#include <variant>

namespace bistro {

class data_dir_lock {
 public:
  /// Takes the lock on `dir` (creating the directory); the error names the
  /// directory and, when another process holds it, that process's pid.
  static std::variant<data_dir_lock, std::string> take(const std::string& dir);

  data_dir_lock(data_dir_lock&& other) noexcept;
  data_dir_lock& operator=(data_dir_lock&& other) noexcept;
  data_dir_lock(const data_dir_lock&) = delete;
  data_dir_lock& operator=(const data_dir_lock&) = delete;
  ~data_dir_lock();

 private:
  explicit data_dir_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace bistro
