// The config watcher with a real file and real actors: a new file reaches
// the nodes actor, a broken one is reported to the scheduler and changes
// nothing, and a file whose mtime went backwards is still picked up. A FIFO
// or an oversized file is refused without blocking the watcher.
#include "actors/config_watcher/config_watcher.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>

#include "actors/policies/builtin_policies.hpp"
#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

/// What the watcher sent, for the test thread to wait on.
struct inbox {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<config_ptr> configs;
  std::vector<std::string> errors;

  template <class Pred>
  bool wait_for(Pred pred) {
    std::unique_lock<std::mutex> guard(mutex);
    return changed.wait_for(guard, std::chrono::seconds(10), pred);
  }
};

nodes_actor::behavior_type fake_nodes(nodes_actor::pointer,
                                      std::shared_ptr<inbox> box) {
  return {
      [=](update_atom, config_ptr cfg) {
        std::lock_guard<std::mutex> guard(box->mutex);
        box->configs.push_back(std::move(cfg));
        box->changed.notify_all();
      },
      [=](update_atom, std::uint64_t, fetched_nodes_ptr) {},
  };
}

caf::behavior fake_scheduler(caf::event_based_actor*,
                             std::shared_ptr<inbox> box) {
  return {
      [=](error_atom, const std::string& source, const std::string& message,
          std::int64_t) {
        std::lock_guard<std::mutex> guard(box->mutex);
        box->errors.push_back(source + ": " + message);
        box->changed.notify_all();
      },
      [](caf::message&) {},  // everything else a scheduler gets
  };
}

std::string config_with_job(const std::string& job) {
  return R"({"bistro_settings": {"enabled": true, "nodes": {"levels": ["db"],
      "node_sources": [{"source": "manual", "prefs": {"d1": []}}]},
      "resources": {}}, "bistro_job->)" +
         job + R"(": {"owner": "t"}})";
}

void set_mtime(const std::string& path, std::time_t seconds) {
  timespec times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{init(cfg)};
  temp_dir dir;
  std::string path = dir.file("config.json");
  std::shared_ptr<inbox> box = std::make_shared<inbox>();
  nodes_actor nodes = sys.spawn(fake_nodes, box);
  scheduler_actor scheduler =
      caf::actor_cast<scheduler_actor>(sys.spawn(fake_scheduler, box));
  config_watcher_actor watcher;

  static caf::actor_system_config& init(caf::actor_system_config& c) {
    c.add_message_types<caf::id_block::bistro>();
    return c;
  }

  void start(std::int64_t max_bytes = default_config_max_bytes) {
    watcher = spawn_config_watcher(
        sys, {path, 20, nodes, scheduler, max_bytes, default_config_backups,
              builtin_policy_catalog()});
  }

  ~fixture() {
    caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(nodes, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  }

  std::string last_job() {
    std::lock_guard<std::mutex> guard(box->mutex);
    return box->configs.back()->jobs.at(0).name;
  }
};

}  // namespace

TEST_CASE("a changed file is reloaded, even when its mtime went backwards") {
  fixture f;
  f.dir.write("config.json", config_with_job("first"));
  set_mtime(f.path, 2000000000);
  f.start();
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 1; }));
  CHECK(f.last_job() == "first");
  // Same size, an older mtime: a clock that went backwards.
  f.dir.write("config.json", config_with_job("other"));
  set_mtime(f.path, 1000000000);
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 2; }));
  CHECK(f.last_job() == "other");
}

TEST_CASE("a broken file is reported and the last good config stays") {
  fixture f;
  f.dir.write("config.json", config_with_job("good"));
  f.start();
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 1; }));
  f.dir.write("config.json", "{\"bistro_settings\": ");
  REQUIRE(f.box->wait_for([&] { return f.box->errors.size() == 1; }));
  {
    std::lock_guard<std::mutex> guard(f.box->mutex);
    CHECK(f.box->errors[0].starts_with("config: " + f.path + ": "));
    CHECK(f.box->configs.size() == 1);  // nothing new went to the nodes
  }
  f.dir.write("config.json", config_with_job("fixed"));
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 2; }));
  CHECK(f.last_job() == "fixed");
}

TEST_CASE("save rewrites the file and the new job goes out at once") {
  fixture f;
  f.dir.write("config.json", config_with_job("old"));
  f.start();
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 1; }));
  caf::scoped_actor self{f.sys};
  std::string answer = "unset";
  self->request(f.watcher, std::chrono::seconds(10), save_atom_v,
                std::string{"new"}, std::string{R"({"owner": "me"})"})
      .receive([&](std::string& r, bool) { answer = r; },
               [&](caf::error& e) { FAIL(f.sys.render(e)); });
  CHECK(answer.empty());
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 2; }));
  std::lock_guard<std::mutex> guard(f.box->mutex);
  CHECK(f.box->configs.back()->find_job("new") != nullptr);
  CHECK(f.box->configs.back()->find_job("old") != nullptr);
}

TEST_CASE("a FIFO as the config is refused at once; save still answers") {
  fixture f;
  f.dir.write("config.json", config_with_job("good"));
  f.start();
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 1; }));
  // Replaced by a FIFO nobody writes to: the old watcher blocked in open()
  // for good, so a save_job timed out in the scheduler and was applied later.
  REQUIRE(::unlink(f.path.c_str()) == 0);
  REQUIRE(::mkfifo(f.path.c_str(), 0600) == 0);
  REQUIRE(f.box->wait_for([&] { return f.box->errors.size() == 1; }));
  {
    std::lock_guard<std::mutex> guard(f.box->mutex);
    CHECK_THAT(f.box->errors[0],
               Catch::StartsWith("config: " + f.path + ": refused") &&
                   Catch::Contains("FIFO"));
    CHECK(f.box->configs.size() == 1);
  }
  caf::scoped_actor self{f.sys};
  std::string answer;
  const auto asked = steady_ms();
  self->request(f.watcher, std::chrono::seconds(10), save_atom_v,
                std::string{"new"}, std::string{R"({"owner": "me"})"})
      .receive([&](std::string& r, bool) { answer = r; },
               [&](caf::error& e) { FAIL(f.sys.render(e)); });
  CHECK(steady_ms() - asked < 5000);
  CHECK_THAT(answer, Catch::Contains("FIFO"));
  // Still watching: a regular file again is loaded.
  f.dir.write("config.json", config_with_job("back"));
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 2; }));
  CHECK(f.last_job() == "back");
}

TEST_CASE("a config over max_bytes is reported and the last good one stays") {
  fixture f;
  const auto good = config_with_job("good");
  f.dir.write("config.json", good);
  f.start(static_cast<std::int64_t>(good.size()) + 10);
  REQUIRE(f.box->wait_for([&] { return f.box->configs.size() == 1; }));
  f.dir.write("config.json", config_with_job(std::string(100, 'j')));
  REQUIRE(f.box->wait_for([&] { return f.box->errors.size() == 1; }));
  std::lock_guard<std::mutex> guard(f.box->mutex);
  CHECK_THAT(f.box->errors[0],
             Catch::StartsWith("config: " + f.path + ": refused: ") &&
                 Catch::Contains("over the limit of " +
                                 std::to_string(good.size() + 10)));
  CHECK(f.box->configs.size() == 1);
}
