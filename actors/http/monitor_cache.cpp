#include "actors/http/monitor_cache.hpp"

#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/monitor/monitor_table.hpp"

namespace bistro::http {

namespace {

using clock = std::chrono::steady_clock;
using callback = std::function<void(monitor_answer)>;

bool mutates(std::string_view request) {
  return !mutating_handlers_in(request, monitor_roles).empty();
}

struct cache {
  struct entry {
    std::string reply;
    clock::time_point at{};
    bool answered = false;
    bool in_flight = false;
    std::vector<callback> waiters;
  };

  monitor_function inner;
  clock::duration ttl;
  std::mutex mutex;
  std::unordered_map<std::string, entry> entries;
  /// Bumped by every mutating request: answers that were on their way
  /// before it are passed on but not kept.
  std::uint64_t generation = 0;

  /// Drops answered entries older than the ttl (the map stays small: one
  /// entry per distinct recent request).
  void prune(clock::time_point now) {
    for (auto it = entries.begin(); it != entries.end();) {
      if (!it->second.in_flight && now - it->second.at >= ttl)
        it = entries.erase(it);
      else
        ++it;
    }
  }
};

}  // namespace

monitor_function cache_monitor(monitor_function inner,
                               std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return inner;
  auto c = std::make_shared<cache>();
  c->inner = std::move(inner);
  c->ttl = ttl;
  return [c](std::string request, callback done) {
    if (mutates(request)) {
      {
        std::lock_guard<std::mutex> guard(c->mutex);
        ++c->generation;
        for (auto it = c->entries.begin(); it != c->entries.end();)
          it = it->second.in_flight ? std::next(it) : c->entries.erase(it);
        for (auto& [key, e] : c->entries) e.answered = false;
      }
      c->inner(std::move(request), std::move(done));
      return;
    }
    auto now = clock::now();
    std::uint64_t generation = 0;
    std::optional<std::string> hit;
    {
      std::lock_guard<std::mutex> guard(c->mutex);
      if (c->entries.size() > 256) c->prune(now);
      auto& e = c->entries[request];
      if (e.answered && now - e.at < c->ttl) {
        hit = e.reply;
      } else {
        e.waiters.push_back(std::move(done));
        if (e.in_flight) return;  // the answer on its way is ours too
        e.in_flight = true;
        generation = c->generation;
      }
    }
    if (hit) {  // outside the lock: `done` may do anything
      done({monitor_answer::outcome::ok, std::move(*hit)});
      return;
    }
    c->inner(request, [c, request, generation](monitor_answer answer) {
      std::vector<callback> waiters;
      {
        std::lock_guard<std::mutex> guard(c->mutex);
        auto& e = c->entries[request];
        waiters = std::move(e.waiters);
        e.waiters.clear();
        e.in_flight = false;
        if (answer.result == monitor_answer::outcome::ok &&
            generation == c->generation) {
          e.reply = answer.text;
          e.at = clock::now();
          e.answered = true;
        }
      }
      for (auto& w : waiters) w(answer);
    });
  };
}

}  // namespace bistro::http
