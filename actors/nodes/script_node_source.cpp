#include "actors/nodes/script_node_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

#include "actors/nodes/node_source_prefs.hpp"

extern char** environ;

namespace bistro {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes a descriptor when it goes out of scope.
class fd_closer {
 public:
  explicit fd_closer(int fd) : fd_(fd) {}
  fd_closer(const fd_closer&) = delete;
  fd_closer& operator=(const fd_closer&) = delete;
  ~fd_closer() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

using steady = std::chrono::steady_clock;

// Kills the child's whole process group and reaps the child (SIGKILL
// cannot be ignored, so the wait is short).
void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status));
  return {};
}

}  // namespace

program_output run_program(const std::vector<std::string>& argv,
                           std::int64_t timeout_ms,
                           const node_source_stop* stop) {
  program_output result;
  if (stop && stop->requested()) {
    result.error = "not started: the scheduler is stopping";
    return result;
  }
  int fds[2];
  // O_CLOEXEC: children other threads spawn must not inherit our pipe.
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = "cannot create a pipe: " + errno_text(errno);
    return result;
  }
  fd_closer read_end(fds[0]);
  fd_closer write_end(fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  // A process group of its own: a timeout kills whatever the script started.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc =
      ::posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    result.error = "cannot start: " + errno_text(rc);
    return result;
  }
  write_end.reset();  // so that read() sees EOF when the child exits

  // The pidfd tells when the child has exited even if it closed its stdout
  // early or left a descendant holding it.
  fd_closer pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd.get() < 0) {
    result.error = "pidfd_open failed: " + errno_text(errno);
    kill_and_reap(pid);
    return result;
  }
  const auto deadline = steady::now() + std::chrono::milliseconds(timeout_ms);
  bool eof = false;
  bool exited = false;
  char buf[65536];
  while (!eof || !exited) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - steady::now())
                          .count();
    if (left <= 0) {
      kill_and_reap(pid);
      result.error = "timed out after " + std::to_string(timeout_ms) +
                     " ms (timeout_ms); killed its process group";
      return result;
    }
    pollfd p[3] = {{eof ? -1 : read_end.get(), POLLIN, 0},
                   {exited ? -1 : pidfd.get(), POLLIN, 0},
                   {stop ? stop->fd() : -1, POLLIN, 0}};
    const int ready = ::poll(
        p, 3,
        static_cast<int>(std::min<std::int64_t>(left, max_script_timeout_ms)));
    if (ready < 0 && errno != EINTR) {
      result.error = "poll failed: " + errno_text(errno);
      kill_and_reap(pid);
      return result;
    }
    if (ready <= 0) continue;
    if (p[2].revents != 0) {
      kill_and_reap(pid);
      result.error =
          "stopped: the scheduler is stopping; killed its process "
          "group";
      return result;
    }
    if (p[0].revents != 0) {
      const ssize_t got = ::read(read_end.get(), buf, sizeof buf);
      if (got > 0)
        result.out.append(buf, static_cast<std::size_t>(got));
      else if (got == 0 || (errno != EINTR && errno != EAGAIN))
        eof = true;
    }
    if (p[1].revents != 0) {
      exited = true;
      // The child is a zombie, so its group id cannot name another group
      // yet. What it started and left running would hold the pipe open until
      // the timeout: it has printed what it will print, kill the rest.
      ::kill(-pid, SIGKILL);
      int status = 0;
      pid_t waited = 0;
      do {
        waited = ::waitpid(pid, &status, 0);
      } while (waited < 0 && errno == EINTR);
      if (waited < 0) {
        result.error = "waitpid failed: " + errno_text(errno);
        return result;
      }
      result.error = describe_status(status);
      if (!result.error.empty()) return result;
    }
  }
  return result;
}

namespace {

struct script_prefs {
  std::string script;
  level_id parent_level = 0;
  std::int64_t timeout_ms = 0;
};

std::optional<std::string> read_script_prefs(const config& cfg,
                                             const boost::json::object& prefs,
                                             script_prefs& out) {
  if (auto e = read_string_pref(prefs, "script", std::nullopt, out.script)) {
    return e;
  }
  if (out.script.empty()) return std::string("script must not be empty");
  if (auto e = read_parent_level(cfg, prefs, out.parent_level)) return e;
  if (auto e = read_int_pref(prefs, "timeout_ms", default_script_timeout_ms,
                             out.timeout_ms))
    return e;
  if (out.timeout_ms <= 0 || out.timeout_ms > max_script_timeout_ms)
    return "timeout_ms must be between 1 and " +
           std::to_string(max_script_timeout_ms) + ", got " +
           std::to_string(out.timeout_ms);
  return std::nullopt;
}

}  // namespace

fetched_nodes script_node_source::fetch(
    const node_source_context& ctx, const boost::json::object& prefs,
    const std::vector<std::string>& parents) const {
  fetched_nodes fetched{ctx.now_sec, {}};
  script_prefs p;
  auto problem = read_script_prefs(ctx.cfg, prefs, p);
  for (const auto& parent : parents) {
    fetched.by_parent[parent] =
        problem ? program_output{{}, *problem}
                : run_program({p.script, parent}, p.timeout_ms, ctx.stop);
  }
  return fetched;
}

std::optional<std::string> script_node_source::add_nodes(
    const node_source_context& ctx, const boost::json::object& prefs,
    node_tree_builder& tree) const {
  script_prefs p;
  if (auto e = read_script_prefs(ctx.cfg, prefs, p)) return e;
  if (ctx.fetched && ctx.unfetched) {
    // A fetch for other parents than these: ask for all of them anew.
    std::vector<std::string> parents;
    bool missing = false;
    for (const node_id parent : tree.nodes_at_level(p.parent_level)) {
      parents.emplace_back(tree.name(parent));
      missing = missing || !ctx.fetched->by_parent.contains(parents.back());
    }
    if (missing) {
      *ctx.unfetched = std::move(parents);
      return std::nullopt;
    }
  }
  for (const node_id parent : tree.nodes_at_level(p.parent_level)) {
    const std::string parent_name(tree.name(parent));
    program_output ran;
    const program_output* run = &ran;
    if (ctx.fetched) {
      auto it = ctx.fetched->by_parent.find(parent_name);
      if (it == ctx.fetched->by_parent.end()) continue;  // checked above
      run = &it->second;
    } else {
      ran = run_program({p.script, parent_name}, p.timeout_ms, ctx.stop);
    }
    if (!run->error.empty()) {
      return "script \"" + p.script + "\" for parent \"" + parent_name +
             "\": " + run->error;
    }
    std::string_view rest = run->out;
    while (!rest.empty()) {
      const auto eol = rest.find('\n');
      auto line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view{}
                                           : rest.substr(eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) tree.add(line, p.parent_level + 1, parent);
    }
  }
  return std::nullopt;
}

}  // namespace bistro
