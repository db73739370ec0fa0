#include "actors/nodes/script_node_source.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
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
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

program_output run_program(const std::vector<std::string>& argv) {
  program_output result;
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
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc =
      ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    result.error = "cannot start: " + errno_text(rc);
    return result;
  }
  write_end.reset();  // so that read() sees EOF when the child exits

  char buf[65536];
  for (;;) {
    const ssize_t got = ::read(fds[0], buf, sizeof buf);
    if (got > 0) {
      result.out.append(buf, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  int status = 0;
  pid_t waited = 0;
  do {
    waited = ::waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (waited < 0) {
    result.error = "waitpid failed: " + errno_text(errno);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    result.error = "exited with status " + std::to_string(WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    result.error = "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return result;
}

std::optional<std::string> script_node_source::add_nodes(
    const node_source_context& ctx, const boost::json::object& prefs,
    node_tree_builder& tree) const {
  std::string script;
  level_id parent_level = 0;
  if (auto e = read_string_pref(prefs, "script", std::nullopt, script)) {
    return e;
  }
  if (script.empty()) return std::string("script must not be empty");
  if (auto e = read_parent_level(ctx.cfg, prefs, parent_level)) return e;

  for (const node_id parent : tree.nodes_at_level(parent_level)) {
    const std::string parent_name(tree.name(parent));
    auto run = run_program({script, parent_name});
    if (!run.error.empty()) {
      return "script \"" + script + "\" for parent \"" + parent_name +
             "\": " + run.error;
    }
    std::string_view rest = run.out;
    while (!rest.empty()) {
      const auto eol = rest.find('\n');
      auto line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view{}
                                           : rest.substr(eol + 1);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) tree.add(line, parent_level + 1, parent);
    }
  }
  return std::nullopt;
}

}  // namespace bistro
