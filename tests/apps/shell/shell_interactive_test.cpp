// The interactive prompt on a pseudo-terminal: completion, history, top,
// and a scheduler that goes away and comes back.
#include <catch2/catch.hpp>

#include "tests/apps/shell/shell_test_support.hpp"

using namespace bistro::testing;

TEST_CASE("shell: tab completes a job name and a node name at the prompt") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  pty_shell sh(c.shell_args({}), c.dir.path.string());
  REQUIRE(sh.expect("bistro> "));
  sh.mark();
  sh.send("job al\t\r");
  CHECK(sh.expect("level_for_tasks"));
  CHECK(sh.expect("bistro> "));
  CHECK(!contains(sh.output(), "unknown job"));
  sh.mark();
  sh.send("logs alpha node11 stde\t\r");
  CHECK(sh.expect("complaint from node11"));
  sh.mark();
  sh.send("logs alpha sch\t\r");
  CHECK(sh.expect("no stdout lines for alpha on scheduler\r\n"));
  sh.send("quit\r");
  CHECK(sh.wait(10000) == 0);
}

TEST_CASE("shell: history is saved in ~/.bistro_shell_history and recalled") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  auto home = c.dir.path.string();
  {
    pty_shell sh(c.shell_args({}), home);
    REQUIRE(sh.expect("bistro> "));
    sh.send("workers\r");
    REQUIRE(sh.expect("SHARD"));
    sh.send("quit\r");
    REQUIRE(sh.wait(10000) == 0);
  }
  CHECK(contains(read_file(c.dir.file(".bistro_shell_history")), "workers"));
  pty_shell sh(c.shell_args({}), home);
  REQUIRE(sh.expect("bistro> "));
  sh.mark();
  // Up arrow twice: past "quit", the previous session's first command.
  sh.send("\033[A\033[A\r");
  CHECK(sh.expect("SHARD"));
  sh.send("quit\r");
  CHECK(sh.wait(10000) == 0);
}

TEST_CASE("shell: top draws running tasks and leaves on a key") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  pty_shell sh(c.shell_args({}), c.dir.path.string());
  REQUIRE(sh.expect("bistro> "));
  sh.mark();
  sh.send("top\r");
  CHECK(sh.expect("bistro top"));
  CHECK(sh.expect("alpha  node13"));
  CHECK(sh.expect("press any key to leave"));
  // Still drawing a second later: it is a live view.
  sh.mark();
  CHECK(sh.expect("bistro top"));
  sh.mark();
  sh.send("x");
  CHECK(sh.expect("bistro> "));
  sh.send("status\r");
  CHECK(sh.expect("workers         HEALTHY 1"));
  sh.send("quit\r");
  CHECK(sh.wait(10000) == 0);
}

TEST_CASE("shell: a scheduler that goes away is reported, and found again") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  pty_shell sh(c.shell_args({}), c.dir.path.string());
  REQUIRE(sh.expect("bistro> "));
  sh.send("status\r");
  REQUIRE(sh.expect("enabled         yes"));
  c.scheduler->kill(SIGKILL);
  REQUIRE(c.scheduler->wait(5000));
  sh.mark();
  sh.send("status\r");
  CHECK(sh.expect("lost the scheduler at ::1:" + std::to_string(c.port)));
  CHECK(sh.expect("bistro> "));
  c.start_scheduler("sched2.log");
  // The next command reconnects (once the new scheduler listens).
  CHECK(eventually(
      [&] {
        sh.mark();
        sh.send("status\r");
        return sh.expect("enabled         yes", 3000);
      },
      30000));
  sh.send("quit\r");
  CHECK(sh.wait(10000) == 0);
}

TEST_CASE(
    "shell: a frozen scheduler times out, a dying one is reported at once") {
  shell_cluster c;
  REQUIRE(cluster_settled(c));
  pty_shell quick(c.shell_args({"--request_timeout_ms=1500"}),
                  c.dir.path.string());
  pty_shell patient(c.shell_args({"--request_timeout_ms=60000"}),
                    c.dir.path.string());
  for (auto* sh : {&quick, &patient}) {
    REQUIRE(sh->expect("bistro> "));
    sh->send("status\r");
    REQUIRE(sh->expect("enabled         yes"));
    sh->mark();
  }
  REQUIRE(c.scheduler->stop());
  quick.send("status\r");
  CHECK(quick.expect("error: the scheduler at ::1:" + std::to_string(c.port) +
                         " did not answer within 1500 ms",
                     10000));
  patient.send("status\r");
  // The request is on its way (its echo is back) when the scheduler dies.
  REQUIRE(patient.expect("status"));
  auto killed = steady_ms();
  c.scheduler->kill(SIGKILL);
  CHECK(patient.expect("lost the scheduler at ::1:" + std::to_string(c.port),
                       20000));
  CHECK(steady_ms() - killed < 20000);
}
