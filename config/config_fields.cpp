// Field parsers shared by bistro_settings and the jobs.
#include "config/config_fields.hpp"

#include <algorithm>

namespace bistro::config_detail {

namespace json = boost::json;

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::optional<backoff_settings> parse_backoff(
    json_reader& in, const json::value& v, const std::string& path,
    std::vector<std::string>& warnings) {
  const auto* arr = in.array(v, path);
  if (!arr) return std::nullopt;
  if (arr->empty()) {
    in.error(path, "must not be empty");
    return std::nullopt;
  }
  std::vector<std::int32_t> seconds;
  bool repeat = false;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& item = (*arr)[i];
    auto item_path = json_path(path, i);
    if (item.is_string()) {
      auto s = item.get_string();
      if (i + 1 != arr->size() && (s == "repeat" || s == "fail")) {
        warnings.push_back(path + ": " + std::to_string(arr->size() - i - 1) +
                           " item(s) after \"" + std::string{s} +
                           "\" ignored, as Bistro ignores them");
      }
      if (s == "repeat") {
        if (seconds.empty()) {
          in.error(item_path, "\"repeat\" needs a wait before it");
          return std::nullopt;
        }
        repeat = true;
      } else if (s != "fail") {
        in.error(item_path,
                 "expected a number of seconds, \"repeat\" or "
                 "\"fail\", got " +
                     describe_json(item));
        return std::nullopt;
      }
      break;  // Bistro stops at "repeat" or "fail"
    }
    auto n = in.integer(item, item_path, 1, INT32_MAX);
    if (!n) return std::nullopt;
    if (!seconds.empty() && *n <= seconds.back()) {
      in.error(item_path, "waits must be strictly increasing, got " +
                              std::to_string(*n) + " after " +
                              std::to_string(seconds.back()));
      return std::nullopt;
    }
    seconds.push_back(static_cast<std::int32_t>(*n));
  }
  return backoff_settings{std::move(seconds), repeat};
}

void parse_kill_orphans(json_reader& in, const json::value& v,
                        const std::string& path, std::optional<double>& out) {
  if (v.is_bool()) {
    out = v.get_bool() ? std::optional<double>{0.0} : std::nullopt;
  } else if (v.is_number()) {
    double d = v.to_number<double>();
    out = d >= 0.0 ? std::optional<double>{d} : std::nullopt;
  } else {
    in.error(path, "expected a number of seconds or a boolean, got " +
                       describe_json(v));
  }
}

void parse_task_subprocess(json_reader& in, const json::value& v,
                           const std::string& path,
                           task_subprocess_options& out,
                           std::vector<std::string>& warnings) {
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "poll_ms") {
      if (auto n = in.integer(value, p, 1)) out.poll_ms = *n;
    } else if (key == "max_log_lines_per_poll_interval") {
      if (auto n = in.integer(value, p, 0))
        out.max_log_lines_per_poll_interval = *n;
    } else if (key == "max_log_bytes_per_poll_interval") {
      if (auto n = in.integer(value, p, 0))
        out.max_log_bytes_per_poll_interval = *n;
    } else if (key == "max_log_bytes_per_task") {
      if (auto n = in.integer(value, p, 0)) out.max_log_bytes_per_task = *n;
    } else if (key == "parent_death_signal") {
      // Bistro hands any integer to the kernel; one that names no signal
      // cannot be set, so the task keeps the one it would get anyway.
      auto n = in.integer(value, p);
      if (n && (*n < 0 || *n > 64))
        warnings.push_back(p + ": " + std::to_string(*n) +
                           " is not a signal number (0-64); using " +
                           std::to_string(out.parent_death_signal));
      else if (n)
        out.parent_death_signal = *n;
    } else if (key == "process_group_leader") {
      if (auto b = in.boolean(value, p)) out.process_group_leader = *b;
    } else if (key == "use_canary_pipe") {
      if (auto b = in.boolean(value, p)) out.use_canary_pipe = *b;
    } else if (key == "cgroups") {
      parse_cgroups(in, value, p, out.cgroups);
    } else {
      warnings.push_back(
          p +
          ": unknown key, ignored; known: poll_ms, "
          "max_log_lines_per_poll_interval, max_log_bytes_per_poll_interval, "
          "max_log_bytes_per_task, parent_death_signal, "
          "process_group_leader, use_canary_pipe, cgroups");
    }
  }
}

void parse_kill_request(json_reader& in, const json::value& v,
                        const std::string& path, kill_request& out,
                        std::vector<std::string>& warnings) {
  const auto* obj = in.object(v, path);
  if (!obj) return;
  for (const auto& [key, value] : *obj) {
    auto p = json_path(path, key);
    if (key == "method") {
      auto s = in.string(value, p);
      if (!s) continue;
      if (*s == "term")
        out.method = kill_method::term;
      else if (*s == "term_wait_kill")
        out.method = kill_method::term_wait_kill;
      else if (*s == "kill")
        out.method = kill_method::kill;
      else
        in.error(p, "unknown kill method " + quoted(*s) +
                        "; valid: term, term_wait_kill, kill");
    } else if (key == "kill_wait_ms") {
      // Bistro takes a negative wait too; it can only mean "no wait".
      auto n = in.integer(value, p);
      if (n && *n < 0)
        warnings.push_back(p + ": " + std::to_string(*n) +
                           " is negative; using 0 (KILL right after TERM)");
      if (n) out.kill_wait_ms = std::max<std::int64_t>(*n, 0);
    } else {
      warnings.push_back(p +
                         ": unknown key, ignored; known: method, kill_wait_ms");
    }
  }
}

std::optional<level_id> parse_level(json_reader& in, const config& cfg,
                                    const json::value& v,
                                    const std::string& path) {
  auto s = in.string(v, path);
  if (!s) return std::nullopt;
  if (auto l = cfg.find_level(*s)) return l;
  in.error(path,
           "unknown level " + quoted(*s) + "; levels: " + join(cfg.levels));
  return std::nullopt;
}

}  // namespace bistro::config_detail
