#include "config/config_edit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

#include "config/config.hpp"
#include "config/json_text.hpp"
#include "config/text_diff.hpp"

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

/// Shifts the kept versions one generation older (the oldest goes) and
/// keeps the current file as the newest backup.
std::optional<std::string> rotate_backups(const std::string& path,
                                          std::size_t keep) {
  if (keep == 0) return std::nullopt;
  ::unlink(config_backup_path(path, keep - 1).c_str());
  for (std::size_t n = keep - 1; n-- > 0;) {
    auto from = config_backup_path(path, n);
    auto to = config_backup_path(path, n + 1);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT)
      return from + ": cannot rotate to " + to + ": " + errno_text();
  }
  auto bak = config_backup_path(path, 0);
  if (::link(path.c_str(), bak.c_str()) != 0 && errno != ENOENT)
    return bak + ": cannot keep a backup: " + errno_text();
  return std::nullopt;
}

/// `edited` with the key order of `old` for the keys both have; keys only
/// in `edited` follow in their own order.
boost::json::object in_old_order(const boost::json::object& old,
                                 boost::json::object edited) {
  boost::json::object out;
  for (const auto& [key, value] : old)
    if (auto* v = edited.if_contains(key)) out[key] = std::move(*v);
  for (auto& [key, value] : edited)
    if (!out.contains(key)) out[key] = std::move(value);
  return out;
}

/// Writes `text` to `path` so that `path` is always either the old or the
/// new file, and keeps `keep` earlier versions.
std::optional<std::string> replace_file(const std::string& path,
                                        const std::string& text,
                                        std::size_t keep) {
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
  if (auto e = rotate_backups(path, keep)) {
    ::unlink(tmp.c_str());
    return e;
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

std::string config_backup_path(const std::string& path, std::size_t n) {
  return path + ".bak" + (n == 0 ? "" : "." + std::to_string(n));
}

std::optional<std::string> edit_config_job(const std::string& path,
                                           const std::string& job,
                                           const std::string& job_json,
                                           const policy_catalog& policies,
                                           std::int64_t max_bytes,
                                           std::size_t keep_backups,
                                           config_edit_report* report) {
  if (auto bad = invalid_job_name(job)) return "job " + job + ": " + *bad;
  auto file = read_config_text(path, max_bytes);
  if (!file.ok()) return file.error;
  boost::system::error_code ec;
  auto doc = boost::json::parse(file.text, ec);
  if (ec || !doc.is_object())
    return path + ": the file on disk is not a JSON object; fix it first";
  auto& top = doc.as_object();
  const auto old_pretty = json_pretty(doc);
  const std::string key = "bistro_job->" + job;
  if (job_json.empty()) {
    if (top.erase(key) == 0) {
      if (report) report->job_missing = true;
      return "unknown job " + job;
    }
  } else {
    auto value = boost::json::parse(job_json, ec);
    if (ec) return "job " + job + ": not JSON: " + ec.message();
    if (!value.is_object()) return "job " + job + ": expected a JSON object";
    if (auto* old = top.if_contains(key); old && old->is_object())
      value = in_old_order(old->as_object(), std::move(value.as_object()));
    top[key] = std::move(value);
  }
  auto out = json_pretty(doc);
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
  if (auto err = replace_file(path, out + "\n", keep_backups)) return err;
  if (report) {
    report->diff = line_diff(old_pretty, out);
    report->backup = keep_backups ? config_backup_path(path, 0) : "";
  }
  return std::nullopt;
}

}  // namespace bistro
