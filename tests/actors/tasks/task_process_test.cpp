#include "actors/tasks/task_process.hpp"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

struct finished_task {
  parsed_status status;
  std::vector<task_output_line> lines;
  std::optional<int> exit_code;
};

/// Polls a task every 2 ms until it finishes; fails the test after
/// `timeout_ms` (a bound, not a wait for something to happen).
finished_task run(const task_launch& launch, int timeout_ms = 10000,
                  std::function<void(task_process&)> after_start = {}) {
  auto started = task_process::start(launch);
  if (auto* err = std::get_if<std::string>(&started)) FAIL(*err);
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  if (after_start) after_start(p);
  finished_task out;
  auto deadline = steady_ms() + timeout_ms;
  while (!p.poll(steady_ms(), out.lines)) {
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  out.status = p.status();
  out.exit_code = p.exit_code();
  return out;
}

task_launch launch_of(const std::string& program, const temp_dir& dir) {
  task_launch l;
  l.command = {program};
  l.node = "node11";
  l.json_arg = R"({"id":"job"})";
  l.cwd = (dir.path / "jobs" / "job").string();
  return l;
}

}  // namespace

TEST_CASE("a task gets node, status path and JSON as arguments in its cwd") {
  temp_dir dir;
  auto p =
      dir.script("t.sh", R"sh(echo "$1|$2|$3|$(pwd)"; echo done > "$2")sh");
  auto r = run(launch_of(p, dir));
  CHECK(r.status.label == status_label::done);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0].stream == task_output_line::out);
  CHECK(r.lines[0].text == "node11|/dev/fd/3|{\"id\":\"job\"}|" +
                               (dir.path / "jobs" / "job").string());
}

TEST_CASE("the exit code is ignored when a status was written") {
  temp_dir dir;
  auto r =
      run(launch_of(dir.script("t.sh", R"(echo done > "$2"; exit 1)"), dir));
  CHECK(r.status.label == status_label::done);
  CHECK(r.exit_code == 1);
}

TEST_CASE("no status line is an error") {
  temp_dir dir;
  auto r = run(launch_of(dir.script("t.sh", "exit 0"), dir));
  CHECK(r.status.label == status_label::error_backoff);
  CHECK(r.status.message == "task wrote no status");
}

TEST_CASE("two status lines are an error") {
  temp_dir dir;
  auto r = run(launch_of(
      dir.script("t.sh", R"(echo done > "$2"; echo failed > "$2")"), dir));
  CHECK(r.status.label == status_label::error_backoff);
  CHECK(r.status.message == "task wrote 2 status lines");
}

TEST_CASE("a JSON status keeps its data") {
  temp_dir dir;
  auto r = run(launch_of(
      dir.script("t.sh",
                 R"(echo '{"result": "incomplete", "data": {"k": 1}}' > "$2")"),
      dir));
  CHECK(r.status.label == status_label::incomplete);
  CHECK(r.status.data == R"({"k":1})");
}

TEST_CASE("a program that does not exist names the errno") {
  temp_dir dir;
  auto started = task_process::start(launch_of("/nonexistent/prog", dir));
  REQUIRE(std::holds_alternative<std::string>(started));
  CHECK(std::get<std::string>(started) ==
        "cannot start /nonexistent/prog: No such file or directory");
}

TEST_CASE("stdout and stderr are captured line by line") {
  temp_dir dir;
  auto r = run(launch_of(
      dir.script(
          "t.sh",
          R"(echo a; echo b >&2; printf 'no newline'; echo done > "$2")"),
      dir));
  std::vector<std::string> out, err;
  for (auto& l : r.lines)
    (l.stream == task_output_line::out ? out : err).push_back(l.text);
  CHECK(out == std::vector<std::string>{"a", "no newline"});
  CHECK(err == std::vector<std::string>{"b"});
}

TEST_CASE("output is rate limited per poll and very long lines are cut") {
  temp_dir dir;
  auto l = launch_of(
      dir.script("t.sh",
                 R"(i=0; while [ $i -lt 300 ]; do echo line$i; i=$((i+1)); done
                head -c 200000 /dev/zero | tr '\0' x; echo
                echo done > "$2")"),
      dir);
  l.options.max_log_lines_per_poll_interval = 7;
  auto started = task_process::start(l);
  REQUIRE(std::holds_alternative<std::unique_ptr<task_process>>(started));
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  std::vector<task_output_line> lines;
  auto deadline = steady_ms() + 10000;
  std::size_t max_per_poll = 0;
  for (;;) {
    auto before = lines.size();
    bool done = p.poll(steady_ms(), lines);
    max_per_poll = std::max(max_per_poll, lines.size() - before);
    if (done) break;
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(max_per_poll <= 7);
  REQUIRE(lines.size() >= 301);
  CHECK(lines[299].text == "line299");
  CHECK(lines[300].text.size() == task_process::max_log_line_bytes);
  CHECK(lines.size() == 301);  // the rest of the long line is dropped
  CHECK(p.status().label == status_label::done);
}

TEST_CASE("the output limit holds per poll_ms window, however often polled") {
  temp_dir dir;
  auto l = launch_of(
      dir.script("t.sh",
                 R"(i=0; while [ $i -lt 100 ]; do echo line$i; i=$((i+1)); done
                echo done > "$2")"),
      dir);
  l.options.max_log_lines_per_poll_interval = 7;
  l.options.poll_ms = 1000;
  auto started = task_process::start(l);
  REQUIRE(std::holds_alternative<std::unique_ptr<task_process>>(started));
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  // A fixed fake clock keeps every poll inside one window, polled until
  // the task has written everything (all 100 lines fit in the pipe) and
  // exited.
  std::vector<task_output_line> lines;
  auto deadline = steady_ms() + 10000;
  while (!p.exit_code()) {
    CHECK_FALSE(p.poll(5000, lines));
    REQUIRE(steady_ms() < deadline);
  }
  // The poll that reaped the process may have read before the output came:
  // once more in the same window.
  p.poll(5000, lines);
  CHECK(lines.size() == 7);
  // The next window has a fresh budget.
  p.poll(6000, lines);
  REQUIRE(lines.size() == 14);
  CHECK(lines[13].text == "line13");
}

TEST_CASE("term_wait_kill escalates to KILL for a task that traps TERM") {
  temp_dir dir;
  auto l = launch_of(
      dir.script("t.sh", R"(trap '' TERM; echo started; exec sleep 30)"), dir);
  std::int64_t killed_at = 0;
  auto r = run(l, 10000, [&](task_process& p) {
    // Kill only once the trap is set, or TERM alone would do.
    std::vector<task_output_line> lines;
    auto deadline = steady_ms() + 5000;
    while (lines.empty()) {
      REQUIRE_FALSE(p.poll(steady_ms(), lines));
      REQUIRE(steady_ms() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    killed_at = steady_ms();
    p.kill({kill_method::term_wait_kill, 300}, killed_at);
  });
  CHECK(steady_ms() - killed_at >= 300);
  CHECK(r.exit_code == -SIGKILL);
  CHECK(r.status.label == status_label::incomplete_backoff);
}

TEST_CASE("a process group leader's kill reaches its grandchildren") {
  temp_dir dir;
  auto pid_file = (dir.path / "grandchild.pid").string();
  auto l = launch_of(
      dir.script("t.sh", "sleep 30 & echo $! > " + pid_file + "; wait"), dir);
  l.options.process_group_leader = true;
  pid_t grandchild = 0;
  run(l, 10000, [&](task_process& p) {
    auto deadline = steady_ms() + 5000;
    while (!(std::ifstream(pid_file) >> grandchild)) {
      REQUIRE(steady_ms() < deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    p.kill({kill_method::term, 0}, steady_ms());
  });
  REQUIRE(grandchild > 0);
  // The grandchild was our child's child: once killed, init reaps it.
  auto deadline = steady_ms() + 5000;
  while (::kill(grandchild, 0) == 0) {
    REQUIRE(steady_ms() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

TEST_CASE("the canary pipe waits for descendants that keep the status pipe") {
  temp_dir dir;
  auto l = launch_of(
      dir.script("t.sh", R"((sleep 0.3; echo done > "$2") & exit 0)"), dir);
  auto r = run(l);
  CHECK(r.status.label == status_label::done);
}

TEST_CASE("without the canary pipe the task ends with its process") {
  temp_dir dir;
  auto l = launch_of(
      dir.script(
          "t.sh",
          R"(echo done > "$2"; (sleep 5 >/dev/null 2>&1 3>&-) & exit 0)"),
      dir);
  l.options.use_canary_pipe = false;
  auto begin = steady_ms();
  auto r = run(l);
  CHECK(steady_ms() - begin < 4000);
  CHECK(r.status.label == status_label::done);
}

TEST_CASE("a huge status is an error, not unbounded memory") {
  temp_dir dir;
  auto r = run(launch_of(
      dir.script("t.sh", R"(head -c 5000000 /dev/zero | tr '\0' x > "$2")"),
      dir));
  CHECK(r.status.label == status_label::error_backoff);
  CHECK(r.status.message == "task wrote a status longer than 4194304 bytes");
}

namespace {

bool is_drop_notice(const task_output_line& line) {
  return line.text.rfind("bistro: dropped ", 0) == 0;
}

}  // namespace

TEST_CASE(
    "a task writing 50 MB keeps at most max_log_bytes_per_poll_interval per "
    "window and max_log_bytes_per_task in all, says once what was dropped, "
    "and still ends with its status") {
  temp_dir dir;
  auto l = launch_of(
      dir.script("t.sh", R"(yes 'a line of output, long enough to count' |
                              head -c 52428800
                            echo after the flood >&2
                            echo done > "$2")"),
      dir);
  constexpr std::int64_t window_bytes = 64 * 1024, task_bytes = 1024 * 1024;
  l.options.poll_ms = 10;
  l.options.max_log_lines_per_poll_interval = 0;  // bytes are the limit
  l.options.max_log_bytes_per_poll_interval = window_bytes;
  l.options.max_log_bytes_per_task = task_bytes;
  auto started = task_process::start(l);
  REQUIRE(std::holds_alternative<std::unique_ptr<task_process>>(started));
  auto& p = *std::get<std::unique_ptr<task_process>>(started);
  // A fake clock one window further at each poll: every poll is a window.
  std::vector<task_output_line> lines;
  std::int64_t now = 0, most_in_a_window = 0;
  auto deadline = steady_ms() + 30000;
  for (;;) {
    auto before = lines.size();
    bool done = p.poll(now, lines);
    std::int64_t window = 0;
    for (auto i = before; i < lines.size(); ++i)
      if (!is_drop_notice(lines[i]))
        window += static_cast<std::int64_t>(lines[i].text.size());
    most_in_a_window = std::max(most_in_a_window, window);
    if (done) break;
    REQUIRE(steady_ms() < deadline);
    now += 10;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::int64_t kept = 0;
  std::vector<std::string> notices;
  for (const auto& line : lines) {
    if (is_drop_notice(line))
      notices.push_back(line.text);
    else
      kept += static_cast<std::int64_t>(line.text.size());
  }
  INFO(lines.size() << " lines, " << kept << " bytes kept, most in a window "
                    << most_in_a_window);
  CHECK(most_in_a_window <= window_bytes);
  CHECK(most_in_a_window > window_bytes - 100);  // that limit did bind
  CHECK(kept <= task_bytes);
  CHECK(kept > task_bytes - 100);  // filled up to the limit, then dropped
  CHECK(p.kept_bytes() == kept);
  REQUIRE(notices.size() == 1);
  CHECK(lines.back().text == notices[0]);
  CHECK(lines.back().stream == task_output_line::err);
  // 50 MiB written, ~1 MiB kept (each kept line also had its newline).
  const std::string dropped_prefix = "bistro: dropped ";
  auto dropped = std::stoll(notices[0].substr(dropped_prefix.size()));
  CHECK(dropped > 52428800 - 2 * task_bytes);
  CHECK(dropped + kept <= 52428800 + 20);  // + "after the flood\n"
  CHECK_THAT(notices[0],
             Catch::Contains(
                 "bytes: the run passed task_subprocess.max_log_bytes_per_task "
                 "(1048576)"));
  for (const auto& line : lines)
    CHECK(line.text != "after the flood");  // dropped too: a prefix is kept
  CHECK(p.status().label == status_label::done);
}

TEST_CASE(
    "a line longer than max_log_bytes_per_poll_interval is cut to it rather "
    "than wait for a window it never fits in") {
  temp_dir dir;
  auto l =
      launch_of(dir.script("t.sh", R"(head -c 5000 /dev/zero | tr '\0' x; echo
                            echo short
                            echo done > "$2")"),
                dir);
  l.options.max_log_bytes_per_poll_interval = 1000;
  auto r = run(l);
  REQUIRE(r.lines.size() == 2);
  CHECK(r.lines[0].text == std::string(1000, 'x'));
  CHECK(r.lines[1].text == "short");
  CHECK(r.status.label == status_label::done);
}

TEST_CASE("with no limits (0) a task's output is all kept") {
  temp_dir dir;
  auto l = launch_of(dir.script("t.sh", R"(yes 'some line' | head -c 3000000
                                          echo done > "$2")"),
                     dir);
  l.options.max_log_bytes_per_poll_interval = 0;
  l.options.max_log_bytes_per_task = 0;
  l.options.max_log_lines_per_poll_interval = 0;
  auto r = run(l);
  CHECK(r.lines.size() == 300000);  // 10 bytes a line
  for (const auto& line : r.lines) {
    if (line.text != "some line") FAIL("unexpected line: " << line.text);
  }
  CHECK(r.status.label == status_label::done);
}
