// Target `messages`: the first byte picks a protocol type (actors/protocol/
// messages.hpp), the rest is that value as CAF's binary serializer writes
// it, as a remote peer could send it. Decoding must fail cleanly or give a
// value that re-encodes to the same bytes; a decoded value then goes
// through what its receiver does with it:
// - worker_hello: the scheduler's on_hello (protocol version, the worker
//   registry's hello, heartbeat and health check, the finished results);
// - task_result: the scheduler's on_result for a run it knows (the row's
//   apply with the worker's label, data and message, then its rendering);
// - heartbeat (shard, start_ms, running): the registry's heartbeat and check.
// The actor system is built once, with the testing scheduler (no threads),
// only to give the deserializer the project's type-id block.
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <string>

#include "actors/jobs/job_status_row.hpp"
#include "actors/jobs/task_status.hpp"
#include "actors/protocol/protocol.hpp"
#include "actors/workers/worker_registry.hpp"
#include "tests/fuzz/fuzz_targets.hpp"

namespace bistro::fuzz {

namespace {

constexpr std::int64_t fuzz_now_ms = 1'700'000'000'000;

/// The heartbeat's arguments, framed like the others for the fuzzer.
struct heartbeat_args {
  std::string shard;
  std::int64_t start_ms = 0;
  std::vector<running_task_report> running;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, heartbeat_args& x) {
  return f(x.shard, x.start_ms, x.running);
}

struct fuzz_actor_system {
  caf::actor_system_config cfg;
  caf::actor_system sys;
  fuzz_actor_system() : sys(configure(cfg)) {}
  static caf::actor_system_config& configure(caf::actor_system_config& c) {
    c.add_message_types<caf::id_block::bistro>();
    c.set("scheduler.policy", caf::atom("testing"));
    c.set("logger.file-verbosity", caf::atom("quiet"));
    c.set("logger.console-verbosity", caf::atom("quiet"));
    return c;
  }
};

caf::actor_system& fuzz_system() {
  static auto* holder = new fuzz_actor_system;  // lives until exit
  return holder->sys;
}

template <class T>
std::string encode(T& x) {
  std::vector<char> buf;
  caf::binary_serializer sink{fuzz_system(), buf};
  auto err = sink(x);
  fuzz_check(!err, "messages: a decoded value does not encode");
  return {buf.begin(), buf.end()};
}

template <class T>
bool decode(std::string_view bytes, T& x) {
  caf::binary_deserializer source{fuzz_system(), bytes.data(), bytes.size()};
  return !source(x);
}

/// Decoded values re-encode to bytes that decode to the same value.
template <class T>
void check_round_trip(T& x) {
  auto first = encode(x);
  T again;
  fuzz_check(decode(first, again), "messages: re-encoded bytes do not decode");
  fuzz_check(encode(again) == first, "messages: encoding is not stable");
}

/// The scheduler's on_result once the run matched: the row gets the
/// worker's label, data and message as they came.
void apply_result(const task_result& r) {
  job_status_row row(1);
  row.mark_running(0, fuzz_now_ms);
  row.apply(0, parsed_status{r.label, r.data, r.message}, fuzz_now_ms + 1,
            backoff_settings::bistro_default());
  (void)to_string(row.label(0));
  auto json = status_to_json(row.record(0));
  (void)row.take_newly_runnable(fuzz_now_ms + 1);
  (void)row.next_backoff_expiry_ms();
}

worker_timeouts fuzz_timeouts() {
  worker_timeouts t;
  t.allow_bump_unhealthy_worker = true;
  return t;
}

/// The scheduler's on_hello against a registry with one worker in it.
void apply_hello(const worker_hello& hello) {
  if (hello.protocol_version != protocol_version) return;  // refused
  worker_registry registry(fuzz_timeouts());
  worker_record other;
  other.shard = "w1";
  other.host = "h1";
  other.start_ms = fuzz_now_ms - 10;
  registry.hello(other, fuzz_now_ms - 10, false);
  worker_record candidate;
  candidate.shard = hello.shard;
  candidate.host = hello.host;
  candidate.pid = hello.pid;
  candidate.start_ms = hello.start_ms;
  candidate.heartbeat_period_ms = hello.heartbeat_period_ms;
  auto result = registry.hello(candidate, fuzz_now_ms, !hello.secret.empty());
  if (!result.accepted) return;
  (void)registry.heartbeat(hello.shard, hello.start_ms, fuzz_now_ms + 1);
  registry.healthcheck_ok(hello.shard, hello.start_ms, fuzz_now_ms + 2);
  for (std::int64_t later : {0, 60'000, 10'000'000})
    (void)registry.check(fuzz_now_ms + later);
  for (const auto& r : hello.finished) apply_result(r);
}

void apply_heartbeat(const heartbeat_args& hb) {
  worker_registry registry(fuzz_timeouts());
  worker_record w;
  w.shard = "w1";
  w.start_ms = fuzz_now_ms - 10;
  registry.hello(w, fuzz_now_ms - 10, false);
  (void)registry.heartbeat(hb.shard, hb.start_ms, fuzz_now_ms);
  (void)registry.check(fuzz_now_ms + 1);
}

template <class T, class Apply>
void fuzz_one(std::string_view bytes, Apply&& apply) {
  T x;
  if (!decode(bytes, x)) return;
  check_round_trip(x);
  apply(x);
}

constexpr auto nothing = [](const auto&) {};

}  // namespace

int fuzz_messages(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 11) {
    case 0:
      fuzz_one<task_spec>(bytes, nothing);
      break;
    case 1:
      fuzz_one<task_result>(bytes, apply_result);
      break;
    case 2:
      fuzz_one<kill_order>(bytes, nothing);
      break;
    case 3:
      fuzz_one<running_task_report>(bytes, nothing);
      break;
    case 4:
      fuzz_one<health_settings>(bytes, nothing);
      break;
    case 5:
      fuzz_one<worker_hello>(bytes, apply_hello);
      break;
    case 6:
      fuzz_one<worker_welcome>(bytes, nothing);
      break;
    case 7:
      fuzz_one<heartbeat_reply>(bytes, nothing);
      break;
    case 8:
      fuzz_one<log_request>(bytes, nothing);
      break;
    case 9:
      fuzz_one<log_reply>(bytes, nothing);
      break;
    default:
      fuzz_one<heartbeat_args>(bytes, apply_heartbeat);
      break;
  }
  return 0;
}

namespace {

template <class T>
std::pair<std::string, std::string> seed(std::string name, std::uint8_t tag,
                                         T x) {
  return {std::move(name), std::string(1, static_cast<char>(tag)) + encode(x)};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> message_seeds() {
  task_spec spec;
  spec.job = "job1";
  spec.node = "node1";
  spec.run_id = 42;
  spec.command = {"/bin/echo", "hi"};
  spec.json_arg = R"({"a":1})";
  spec.kill = {kill_method::term, 7};
  task_result done{"job1",          "node1", 42, status_label::done,
                   R"({"k":"v"})",  "",      0,  fuzz_now_ms,
                   fuzz_now_ms + 5, "w1"};
  task_result failed = done;
  failed.label = status_label::error_backoff;
  failed.message = "cannot parse status: x";
  failed.data.clear();
  kill_order kill{"job1", "node1", 42, {kill_method::term_wait_kill, 5000}};
  running_task_report running{"job1", "node2", 43, fuzz_now_ms};
  worker_hello hello;
  hello.shard = "w2";
  hello.host = "host2";
  hello.pid = 1234;
  hello.port = 6790;
  hello.start_ms = fuzz_now_ms;
  hello.protocol_version = protocol_version;
  hello.running = {running};
  hello.finished = {done};
  hello.physical = {4096, 2, {{"Tesla K40m", "0000:28:00.0", 11519}}, ""};
  worker_welcome welcome{true, "welcome", protocol_version, {}, {}, ""};
  heartbeat_reply beat{true, ""};
  log_request logs;
  logs.jobs = {"job1"};
  logs.regex_filter = "err.*";
  log_reply page{{{"job1", "node1", fuzz_now_ms, "line", 7}}, -1, ""};
  running_task_report measured = running;
  measured.memory_bytes = 12 << 20;
  measured.cpu_time_ns = 250'000'000;
  heartbeat_args hb{"w1", fuzz_now_ms - 10, {measured}};
  return {
      seed("task_spec", 0, spec),
      seed("task_result_done", 1, done),
      seed("task_result_error", 1, failed),
      seed("kill_order", 2, kill),
      seed("running_task_report", 3, running),
      seed("health_settings", 4, health_settings{}),
      seed("worker_hello", 5, hello),
      seed("worker_welcome", 6, welcome),
      seed("heartbeat_reply", 7, beat),
      seed("log_request", 8, logs),
      seed("log_reply", 9, page),
      seed("heartbeat", 10, hb),
  };
}

}  // namespace bistro::fuzz
