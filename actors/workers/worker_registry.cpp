#include "actors/workers/worker_registry.hpp"

#include <algorithm>

#include "actors/protocol/saturating_add.hpp"

namespace bistro {

const char* to_string(worker_health h) {
  switch (h) {
    case worker_health::new_worker:
      return "NEW";
    case worker_health::healthy:
      return "HEALTHY";
    case worker_health::unhealthy:
      return "UNHEALTHY";
    case worker_health::must_die:
      return "MUST_DIE";
  }
  return "?";
}

std::int64_t silence_after_ms(std::int64_t heartbeat_period_ms) {
  return saturating_add(heartbeat_period_ms,
                        std::max<std::int64_t>(heartbeat_period_ms, 1000));
}

namespace {

std::string seconds(std::int64_t ms) {
  auto s = std::to_string(ms / 1000);
  if (auto tenths = ms % 1000 / 100; tenths != 0 && ms < 10000)
    s += "." + std::to_string(tenths);
  return s + " s";
}

}  // namespace

worker_registry::hello_result worker_registry::hello(
    const worker_record& candidate, std::int64_t now_ms, bool proven) {
  hello_result out;
  if (candidate.heartbeat_period_ms < min_heartbeat_period_ms ||
      candidate.heartbeat_period_ms > max_heartbeat_period_ms) {
    out.message = "heartbeat period " +
                  std::to_string(candidate.heartbeat_period_ms) +
                  " ms is outside [1 ms, 1 day]; start the worker with "
                  "--heartbeat_period_sec between 1 and 86400";
    return out;
  }
  auto it = workers_.find(candidate.shard);
  if (it != workers_.end() && it->second.health != worker_health::must_die) {
    auto& current = it->second;
    bool same_instance = proven && current.start_ms == candidate.start_ms &&
                         current.pid == candidate.pid &&
                         current.host == candidate.host;
    if (same_instance) {
      // A reconnect after a dropped connection: the same process, same
      // tasks; it stays what it was.
      current.last_heartbeat_ms = now_ms;
      out.accepted = true;
      out.message = "welcome back";
      return out;
    }
    // A new instance that proves the secret is this worker's successor: the
    // secret lives in the worker's data dir, which one process holds at a
    // time, so the old instance has given up (its suicide) or is gone (a
    // restart). Waiting until it is lost would hold back the results the
    // hello carries while the old instance's runs are given up and run
    // again.
    bool bump = proven || (current.health == worker_health::unhealthy &&
                           timeouts_.allow_bump_unhealthy_worker);
    if (!bump) {
      out.message = "shard id \"" + candidate.shard +
                    "\" is already taken by the " + to_string(current.health) +
                    " worker on " + current.host + " (pid " +
                    std::to_string(current.pid) +
                    "); use another --shard_id, or stop that worker";
      return out;
    }
    out.bumped = current;
  }
  worker_record r = candidate;
  r.health = worker_health::new_worker;
  r.registered_ms = now_ms;
  r.last_heartbeat_ms = now_ms;
  r.last_good_healthcheck_ms.reset();
  r.unhealthy_since_ms = 0;
  workers_[r.shard] = std::move(r);
  out.accepted = true;
  out.message = "welcome";
  return out;
}

bool worker_registry::heartbeat(const std::string& shard, std::int64_t start_ms,
                                std::int64_t now_ms) {
  auto it = workers_.find(shard);
  if (it == workers_.end() || it->second.start_ms != start_ms ||
      it->second.health == worker_health::must_die)
    return false;
  it->second.last_heartbeat_ms = now_ms;
  return true;
}

void worker_registry::healthcheck_ok(const std::string& shard,
                                     std::int64_t start_ms,
                                     std::int64_t sent_ms) {
  auto it = workers_.find(shard);
  if (it == workers_.end() || it->second.start_ms != start_ms) return;
  auto& r = it->second;
  if (!r.last_good_healthcheck_ms || *r.last_good_healthcheck_ms < sent_ms)
    r.last_good_healthcheck_ms = sent_ms;
}

std::vector<worker_registry::transition> worker_registry::check(
    std::int64_t now_ms) {
  std::vector<transition> out;
  for (auto& [shard, r] : workers_) {
    if (r.health == worker_health::must_die) continue;
    // Saturating sums: the period is the worker's and the timeouts come
    // from flags; "never late" is the answer to a sum past int64.
    bool heartbeat_ok =
        now_ms - r.last_heartbeat_ms <=
        saturating_add(r.heartbeat_period_ms, timeouts_.heartbeat_grace_ms);
    // A NEW worker has until one healthcheck period plus grace after it
    // registered to answer its first healthcheck.
    auto checked = r.last_good_healthcheck_ms.value_or(r.registered_ms);
    bool healthcheck_ok =
        now_ms - checked <= saturating_add(timeouts_.healthcheck_period_ms,
                                           timeouts_.healthcheck_grace_ms);
    auto from = r.health;
    std::string why;
    if (heartbeat_ok && healthcheck_ok) {
      if (r.last_good_healthcheck_ms) r.health = worker_health::healthy;
    } else {
      if (!heartbeat_ok)
        why = "no heartbeat for " + seconds(now_ms - r.last_heartbeat_ms) +
              " (it sends one every " + seconds(r.heartbeat_period_ms) +
              ", grace " + seconds(timeouts_.heartbeat_grace_ms) + ")";
      else
        why = r.last_good_healthcheck_ms
                  ? "no healthcheck answered for " + seconds(now_ms - checked)
                  : "no healthcheck answered since it joined " +
                        seconds(now_ms - checked) + " ago";
      if (r.health != worker_health::unhealthy) {
        r.health = worker_health::unhealthy;
        r.unhealthy_since_ms = now_ms;
      }
      if (now_ms - r.unhealthy_since_ms >=
          timeouts_.lose_unhealthy_worker_after_ms) {
        r.health = worker_health::must_die;
        why += "; UNHEALTHY for " + seconds(now_ms - r.unhealthy_since_ms);
      }
    }
    if (r.health != from) out.push_back({shard, from, r.health, why});
  }
  return out;
}

std::vector<worker_registry::silence_change> worker_registry::check_silence(
    std::int64_t now_ms) {
  std::vector<silence_change> out;
  for (auto& [shard, r] : workers_) {
    if (r.health == worker_health::must_die) continue;
    auto quiet_ms = now_ms - r.last_heartbeat_ms;
    bool late = quiet_ms > silence_after_ms(r.heartbeat_period_ms);
    if (late && !r.silent) {
      r.silent = true;
      r.heard_before_silence_ms = r.last_heartbeat_ms;
      out.push_back({shard, true, quiet_ms});
    } else if (!late && r.silent) {
      r.silent = false;
      out.push_back(
          {shard, false, r.last_heartbeat_ms - r.heard_before_silence_ms});
    }
  }
  return out;
}

const worker_record* worker_registry::find(const std::string& shard) const {
  auto it = workers_.find(shard);
  return it == workers_.end() ? nullptr : &it->second;
}

bool worker_registry::usable(const std::string& shard) const {
  const auto* r = find(shard);
  return r && (r->health == worker_health::new_worker ||
               r->health == worker_health::healthy);
}

}  // namespace bistro
