#include "config/config_edit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "config/config.hpp"

namespace bistro {

namespace {

std::string errno_text() { return std::strerror(errno); }

std::optional<std::string> write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_text();
    done += static_cast<std::size_t>(n);
  }
  return std::nullopt;
}

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Writes `text` to `path` so that `path` is always either the old or the
/// new file, and keeps the old one as `path.bak`.
std::optional<std::string> replace_file(const std::string& path,
                                        const std::string& text) {
  auto tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return tmp + ": cannot create: " + errno_text();
  auto err = write_all(fd, text);
  if (!err && ::fsync(fd) != 0) err = errno_text();
  ::close(fd);
  if (err) {
    ::unlink(tmp.c_str());
    return tmp + ": cannot write: " + *err;
  }
  auto bak = path + ".bak";
  ::unlink(bak.c_str());
  if (::link(path.c_str(), bak.c_str()) != 0 && errno != ENOENT) {
    auto e = errno_text();
    ::unlink(tmp.c_str());
    return bak + ": cannot keep a backup: " + e;
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

}  // namespace

std::optional<std::string> edit_config_job(const std::string& path,
                                           const std::string& job,
                                           const std::string& job_json,
                                           const policy_catalog& policies,
                                           std::int64_t max_bytes) {
  if (auto bad = invalid_job_name(job)) return "job " + job + ": " + *bad;
  auto file = read_config_text(path, max_bytes);
  if (!file.ok()) return file.error;
  boost::system::error_code ec;
  auto doc = boost::json::parse(file.text, ec);
  if (ec || !doc.is_object())
    return path + ": the file on disk is not a JSON object; fix it first";
  auto& top = doc.as_object();
  const std::string key = "bistro_job->" + job;
  if (job_json.empty()) {
    if (top.erase(key) == 0) return "unknown job " + job;
  } else {
    auto value = boost::json::parse(job_json, ec);
    if (ec) return "job " + job + ": not JSON: " + ec.message();
    if (!value.is_object()) return "job " + job + ": expected a JSON object";
    top[key] = std::move(value);
  }
  auto out = boost::json::serialize(doc);
  if (static_cast<std::int64_t>(out.size()) + 1 > max_bytes)
    return path + ": the new file would be " + std::to_string(out.size() + 1) +
           " bytes, over the limit of " + std::to_string(max_bytes) +
           " (--config_max_bytes)";
  auto parsed = parse_config(out, policies);
  if (!parsed.ok()) {
    std::string message;
    for (const auto& e : parsed.errors)
      message += (message.empty() ? "" : "; ") + e;
    return "the config would not load: " + message;
  }
  if (!job_json.empty()) {
    const auto* saved = parsed.value->find_job(job);
    if (saved && !saved->errors.empty()) {
      std::string message;
      for (const auto& e : saved->errors)
        message += (message.empty() ? "" : "; ") + e;
      return message;
    }
  }
  return replace_file(path, out + "\n");
}

}  // namespace bistro
