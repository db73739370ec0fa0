#include "actors/workers/result_queue.hpp"

#include <unistd.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace bistro {

namespace {

/// Every file starts with this; a format change gets a new one.
constexpr std::string_view magic = "bistro-result-1\n";

}  // namespace

std::string result_queue::file_of(std::uint64_t run_id) const {
  return dir_ + "/" + std::to_string(run_id) + ".result";
}

std::string result_queue::load() {
  if (dir_.empty()) return "";
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec)
    return dir_ + ": cannot create the results directory (" + ec.message() +
           ")";
  std::string errors;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const auto path = entry.path().string();
    if (entry.path().extension() != ".result") continue;
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    task_result r;
    bool ok = bytes.size() > magic.size() &&
              std::string_view(bytes.data(), magic.size()) == magic;
    if (ok) {
      caf::binary_deserializer source{
          static_cast<caf::execution_unit*>(nullptr),
          bytes.data() + magic.size(), bytes.size() - magic.size()};
      ok = !source(r) && source.remaining() == 0;
    }
    if (!ok || file_of(r.run_id) != path) {
      errors += path + ": not a result this worker wrote; left as it is\n";
      continue;
    }
    results_.emplace(r.run_id, std::move(r));
  }
  if (ec) errors += dir_ + ": cannot list the results (" + ec.message() + ")\n";
  return errors;
}

std::string result_queue::add(const task_result& r) {
  results_[r.run_id] = r;
  if (dir_.empty()) return "";
  std::vector<char> bytes(magic.begin(), magic.end());
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr),
                              bytes};
  if (auto err = sink(const_cast<task_result&>(r)))
    return "run " + std::to_string(r.run_id) + ": cannot encode its result";
  auto path = file_of(r.run_id);
  auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) {
      ::unlink(tmp.c_str());
      return tmp + ": cannot write the run's result; it is kept in memory only";
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return path + ": " + ec.message() + "; the result is in memory only";
  return "";
}

void result_queue::drop(std::uint64_t run_id) {
  if (results_.erase(run_id) == 0 || dir_.empty()) return;
  ::unlink(file_of(run_id).c_str());
}

}  // namespace bistro
