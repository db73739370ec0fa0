#include "config/config_lint.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <deque>
#include <unordered_map>

#include "config/config.hpp"

namespace bistro {

namespace {

// basic_parser handler that only records the keys of the top-level object.
struct top_key_handler {
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  using ec_t = boost::json::error_code;
  std::size_t depth = 0;
  std::string key;  // the top-level key being read (keys come in parts)
  std::unordered_map<std::string, std::size_t> seen;
  std::vector<std::string> order;

  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return ++depth, true; }
  bool on_array_end(std::size_t, ec_t&) { return --depth, true; }
  bool on_object_begin(ec_t&) { return ++depth, true; }
  bool on_object_end(std::size_t, ec_t&) { return --depth, true; }
  bool on_string_part(boost::json::string_view, std::size_t, ec_t&) {
    return true;
  }
  bool on_string(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_key_part(boost::json::string_view s, std::size_t, ec_t&) {
    if (depth == 1) key.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, ec_t&) {
    if (depth != 1) return true;
    key.append(s.data(), s.size());
    auto [it, added] = seen.try_emplace(std::move(key), 0);
    if (added) order.push_back(it->first);
    ++it->second;
    key.clear();
    return true;
  }
  bool on_number_part(boost::json::string_view, ec_t&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, ec_t&) {
    return true;
  }
  bool on_double(double, boost::json::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
  bool on_comment(boost::json::string_view, ec_t&) { return true; }
};

}  // namespace

std::vector<duplicate_key> duplicate_top_level_keys(
    std::string_view json_text) {
  boost::json::parse_options options;
  options.max_depth = 128;  // as parse_config: deeper input is an error
  boost::json::basic_parser<top_key_handler> p(options);
  boost::json::error_code ec;
  p.write_some(false, json_text.data(), json_text.size(), ec);
  std::vector<duplicate_key> out;
  if (ec) return out;
  const auto& h = p.handler();
  for (const auto& k : h.order) {
    auto times = h.seen.at(k);
    if (times > 1) out.push_back({k, times});
  }
  return out;
}

depends_report find_depends_cycles(const std::vector<job_config>& jobs) {
  const std::size_t n = jobs.size();
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(n);
  for (std::size_t i = 0; i < n; ++i) index.emplace(jobs[i].name, i);
  std::vector<std::vector<std::size_t>> deps(n);
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& d : jobs[i].depends_on)
      if (auto it = index.find(d); it != index.end())
        deps[i].push_back(it->second);

  // Tarjan's strongly connected components, iteratively. Components come
  // out dependencies first, so one pass in that order marks every job that
  // waits on a blocked one.
  constexpr std::size_t unvisited = static_cast<std::size_t>(-1);
  std::vector<std::size_t> order(n, unvisited), low(n, 0), component(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<std::size_t> stack;
  std::vector<std::vector<std::size_t>> components;
  std::vector<std::pair<std::size_t, std::size_t>> frames;  // job, next edge
  std::size_t counter = 0;
  for (std::size_t root = 0; root < n; ++root) {
    if (order[root] != unvisited) continue;
    frames.emplace_back(root, 0);
    order[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!frames.empty()) {
      auto& [v, next] = frames.back();
      if (next < deps[v].size()) {
        const std::size_t w = deps[v][next++];
        if (order[w] == unvisited) {
          order[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          frames.emplace_back(w, 0);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], order[w]);
        }
        continue;
      }
      const std::size_t done = v;
      frames.pop_back();
      if (!frames.empty())
        low[frames.back().first] =
            std::min(low[frames.back().first], low[done]);
      if (low[done] != order[done]) continue;
      std::vector<std::size_t> members;
      std::size_t w = 0;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        component[w] = components.size();
        members.push_back(w);
      } while (w != done);
      std::sort(members.begin(), members.end());
      components.push_back(std::move(members));
    }
  }

  depends_report report;
  // Per job: the cycle (index into report.cycles) that keeps it from running.
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::size_t> cycle_of(n, none);
  std::vector<std::string> blocked(n);
  for (std::size_t c = 0; c < components.size(); ++c) {
    const auto& members = components[c];
    const std::size_t first = members.front();
    const bool self_loop =
        members.size() == 1 && std::find(deps[first].begin(), deps[first].end(),
                                         first) != deps[first].end();
    if (members.size() > 1 || self_loop) {
      // The shortest closed path through the first member, for the message.
      std::unordered_map<std::size_t, std::size_t> came_from;
      std::deque<std::size_t> queue{first};
      std::size_t last = first;
      bool closed = false;
      while (!queue.empty() && !closed) {
        const std::size_t v = queue.front();
        queue.pop_front();
        for (std::size_t w : deps[v]) {
          if (component[w] != c) continue;
          if (w == first) {
            last = v;
            closed = true;
            break;
          }
          if (came_from.try_emplace(w, v).second) queue.push_back(w);
        }
      }
      std::vector<std::size_t> path{first};
      for (std::size_t v = last; v != first; v = came_from.at(v))
        path.push_back(v);
      std::reverse(path.begin() + 1, path.end());
      // A long cycle is cut: every blocked job's reason repeats it.
      constexpr std::size_t shown = 8;
      std::string text;
      for (std::size_t k = 0; k < path.size() && k < shown; ++k)
        text += jobs[path[k]].name + " -> ";
      if (path.size() > shown)
        text += "... (" + std::to_string(path.size()) + " jobs) -> ";
      text += jobs[first].name;
      for (std::size_t v : members) {
        blocked[v] = "blocked by the depends_on cycle " + text;
        cycle_of[v] = report.cycles.size();
      }
      report.cycles.push_back({members, std::move(text)});
      continue;
    }
    for (std::size_t d : deps[first]) {
      if (cycle_of[d] == none) continue;
      cycle_of[first] = cycle_of[d];
      blocked[first] = "blocked: depends on job " + jobs[d].name +
                       ", which never runs (depends_on cycle " +
                       report.cycles[cycle_of[d]].path + ")";
      break;
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (!blocked[i].empty()) report.blocked.push_back({i, blocked[i]});
  return report;
}

}  // namespace bistro
