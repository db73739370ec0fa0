#include "apps/shell/completion.hpp"

#include <algorithm>

#include "apps/shell/shell_command.hpp"

namespace bistro::shell {

namespace {

const std::vector<std::string> log_types = {"stdout", "stderr", "statuses"};
const std::vector<std::string> status_names = {
    "running",       "done",    "incomplete",    "incomplete_backoff",
    "error_backoff", "failed",  "never_started", "was_not_running",
    "worker_lost",   "avoided", "disabled"};

std::vector<std::string> options_of(std::string_view command) {
  if (command == "tasks") return {"--job", "--state", "--limit"};
  if (command == "logs") return {"--follow", "--limit"};
  if (command == "job" || command == "nodes") return {"--limit"};
  if (command == "top") return {"--count"};
  if (command == "running") return {"--job", "--worker", "--node"};
  if (command == "kill") return {"--all"};
  return {};
}

/// What the positional argument `index` (0-based) of `command` names.
const std::vector<std::string>* positional(std::string_view command,
                                           std::size_t index,
                                           const completion_names& names) {
  static const std::vector<std::string> task_word = {"task"};
  if (command == "job" || command == "forgive" || command == "enable" ||
      command == "disable")
    return index == 0 ? &names.jobs : nullptr;
  if (command == "show") {
    if (index == 0) return &task_word;
    if (index == 1) return &names.jobs;
    if (index == 2) return &names.nodes;
    return nullptr;
  }
  if (command == "kill" || command == "logs") {
    if (index == 0) return &names.jobs;
    if (index == 1) return &names.nodes;
    if (index == 2 && command == "logs") return &log_types;
    return nullptr;
  }
  if (command == "nodes") {
    if (index == 0) return &names.levels;
    if (index == 1) return &names.nodes;
  }
  return nullptr;
}

}  // namespace

completion_names parse_names(const monitor_reply& reply) {
  completion_names out;
  std::string why;
  if (const auto* jobs = reply.data("jobs", why); jobs && jobs->is_object())
    for (const auto& [name, job] : jobs->as_object())
      out.jobs.emplace_back(name);
  if (const auto* levels = reply.data("nodes", why);
      levels && levels->is_object())
    for (const auto& [level, nodes] : levels->as_object()) {
      out.levels.emplace_back(level);
      if (nodes.is_array())
        for (const auto& n : nodes.as_array())
          if (n.is_string()) out.nodes.emplace_back(n.as_string());
    }
  return out;
}

std::vector<std::string> complete(std::string_view before,
                                  std::string_view word,
                                  const completion_names& names) {
  auto words = split_words(before).value_or(std::vector<std::string>{});
  std::vector<std::string> pool;
  if (words.empty()) {
    pool = command_names();
  } else if (word.starts_with("--")) {
    pool = options_of(words[0]);
  } else if (words.back() == "--job") {
    pool = names.jobs;
  } else if (words.back() == "--state") {
    pool = status_names;
  } else {
    // Count the positional arguments typed so far (option values excluded).
    std::size_t index = 0;
    for (std::size_t i = 1; i < words.size(); ++i) {
      if (words[i].starts_with("--")) {
        if (words[i] != "--follow" && words[i] != "--all" &&
            words[i].find('=') == std::string::npos)
          ++i;
        continue;
      }
      ++index;
    }
    if (const auto* p = positional(words[0], index, names)) pool = *p;
  }
  std::vector<std::string> out;
  for (const auto& c : pool)
    if (c.starts_with(word)) out.push_back(c);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace bistro::shell
