#include "actors/scheduler/drained_workers_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bistro {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

drained_workers_load load_drained_workers(const std::string& path) {
  drained_workers_load out;
  std::ifstream in(path);
  if (!in) {
    if (errno != ENOENT) out.error = path + ": cannot read: " + errno_text();
    return out;
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto doc = boost::json::parse(text.str(), ec);
  if (ec || !doc.is_array()) {
    out.error = path + ": expected a JSON list of worker shard ids";
    return out;
  }
  for (const auto& v : doc.as_array()) {
    if (!v.is_string()) {
      out.error = path + ": expected a JSON list of worker shard ids";
      out.shards.clear();
      return out;
    }
    out.shards.emplace(v.as_string());
  }
  return out;
}

std::optional<std::string> save_drained_workers(
    const std::string& path, const std::set<std::string>& shards) {
  boost::json::array list;
  for (const auto& s : shards) list.emplace_back(s);
  auto text = boost::json::serialize(list) + "\n";
  auto tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return tmp + ": cannot create: " + errno_text();
  std::size_t done = 0;
  std::optional<std::string> err;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno_text();
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (!err && ::fsync(fd) != 0) err = errno_text();
  ::close(fd);
  if (err) {
    ::unlink(tmp.c_str());
    return tmp + ": cannot write: " + *err;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = errno_text();
    ::unlink(tmp.c_str());
    return path + ": cannot replace: " + e;
  }
  int dir = ::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return std::nullopt;
}

}  // namespace bistro
