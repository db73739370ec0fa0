#include "actors/tasks/task_process.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

extern char** environ;

namespace bistro {

namespace {

constexpr int status_fd_in_child = 3;
constexpr const char* status_path_in_child = "/dev/fd/3";
/// How often a lingering task is named in its log.
constexpr std::int64_t linger_report_ms = 10000;
/// How often what is left of an exited task is sent SIGKILL again.
constexpr std::int64_t leftover_kill_ms = 100;

/// What a child that could not exec tells its parent: the errno, and which
/// cgroup it could not join (1-based; 0 = not a cgroup).
struct child_error {
  int error = 0;
  int cgroup = 0;
};

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Moves a descriptor to 10 or above, so that the child's dup2 onto 0-3
// never clobbers one it still needs.
int raise_fd(int fd) {
  if (fd < 0 || fd >= 10) return fd;
  int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  ::close(fd);
  return high;
}

struct pipe_pair {
  int read = -1, write = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = raise_fd(fds[0]);
    write = raise_fd(fds[1]);
    if (read < 0 || write < 0) return false;
    ::fcntl(read, F_SETFL, ::fcntl(read, F_GETFL) | O_NONBLOCK);
    return true;
  }
  void close_both() {
    close_fd(read);
    close_fd(write);
  }
};

}  // namespace

std::vector<std::string> task_launch::argv() const {
  std::vector<std::string> args = command;
  args.push_back(node);
  args.push_back(status_path_in_child);
  args.push_back(json_arg);
  return args;
}

std::variant<std::unique_ptr<task_process>, std::string> task_process::start(
    const task_launch& launch) {
  if (launch.command.empty())
    return std::string{
        "no command: set the job's \"command\" or --worker_command"};
  std::error_code ec;
  std::filesystem::create_directories(launch.cwd, ec);
  if (ec)
    return "cannot create working directory " + launch.cwd + ": " +
           ec.message();

  // Everything the child touches is prepared before it exists: between
  // vfork and exec it may only make system calls.
  std::vector<std::string> args = launch.argv();
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  pipe_pair out, err, status, exec_error;
  if (!out.open() || !err.open() || !status.open() || !exec_error.open()) {
    int e = errno;
    out.close_both();
    err.close_both();
    status.close_both();
    exec_error.close_both();
    return std::string{"cannot create pipes: "} + std::strerror(e);
  }
  std::unique_ptr<task_cgroup> cgroup;
  if (launch.cgroups) {
    auto made =
        task_cgroup::create(*launch.cgroups, launch.cgroup_name,
                            launch.cgroup_limits, launch.pooled_cgroups);
    if (auto* why = std::get_if<std::string>(&made)) {
      out.close_both();
      err.close_both();
      status.close_both();
      exec_error.close_both();
      return "cannot start " + launch.command[0] + ": " + *why;
    }
    cgroup = std::move(std::get<std::unique_ptr<task_cgroup>>(made));
  }
  // The child only reads these: they are not touched until it has exec'd.
  std::vector<const char*> join;
  if (cgroup)
    for (const auto& f : cgroup->join_files()) join.push_back(f.c_str());
  int dev_null = raise_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const bool group_leader = launch.options.process_group_leader;
  const int death_signal = static_cast<int>(launch.options.parent_death_signal);
  const pid_t parent = ::getpid();
  const char* cwd = launch.cwd.c_str();

  // Why vfork and not posix_spawn: posix_spawn (itself clone(CLONE_VM |
  // CLONE_VFORK) underneath) cannot set PR_SET_PDEATHSIG, which every task
  // needs. vfork has the same cost — no page tables are copied — and the
  // child only makes system calls before exec. Signals stay blocked until
  // the child has reset their handlers, so no handler of ours runs on the
  // parent's memory.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::vfork();
  if (pid == 0) {
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction sa;
      if (::sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_IGN &&
          sa.sa_handler != SIG_DFL) {
        sa.sa_handler = SIG_DFL;
        ::sigaction(sig, &sa, nullptr);
      }
    }
    if (group_leader) ::setpgid(0, 0);
    if (death_signal > 0) {
      ::prctl(PR_SET_PDEATHSIG, death_signal);
      if (::getppid() != parent) ::_exit(127);  // the parent already died
    }
    child_error ce;
    // Into the task's cgroups before any of its code runs: whatever it
    // starts is born inside them. "0" is the writing process. The vfork
    // child shares our memory, which stays charged to our memory cgroup
    // (it is not the memory's owner); exec gives it its own.
    for (std::size_t i = 0; i < join.size(); ++i) {
      int fd = ::open(join[i], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, "0", 1) != 1 || ::close(fd) != 0) {
        ce = {errno, static_cast<int>(i) + 1};
        [[maybe_unused]] auto n = ::write(exec_error.write, &ce, sizeof(ce));
        ::_exit(127);
      }
    }
    int& e = ce.error;
    if (::chdir(cwd) != 0 || ::dup2(dev_null, 0) < 0 ||
        ::dup2(out.write, 1) < 0 || ::dup2(err.write, 2) < 0 ||
        ::dup2(status.write, status_fd_in_child) < 0) {
      e = errno;
    } else {
      // Keep no descriptor of ours (sockets, databases) in the task, except
      // the exec-error pipe, which closes itself on exec.
      ::syscall(SYS_close_range, status_fd_in_child + 1, ~0U,
                1u << 2 /* CLOSE_RANGE_CLOEXEC */);
      // A task starts with no signal blocked, whatever its parent thread
      // blocks (the apps block TERM and INT to handle them on one thread).
      sigset_t none;
      sigemptyset(&none);
      ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
      ::execvp(argv[0], argv.data());
      e = errno;
    }
    [[maybe_unused]] auto n = ::write(exec_error.write, &ce, sizeof(ce));
    ::_exit(127);
  }
  int spawn_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  close_fd(dev_null);
  close_fd(out.write);
  close_fd(err.write);
  close_fd(status.write);
  close_fd(exec_error.write);
  if (pid < 0) {
    out.close_both();
    err.close_both();
    status.close_both();
    exec_error.close_both();
    if (cgroup) cgroup->remove();
    return "cannot start " + launch.command[0] + ": " +
           std::strerror(spawn_errno);
  }
  // The exec-error pipe closes on a successful exec; otherwise it holds the
  // child's errno. vfork resumed us only after exec or _exit, so this read
  // does not wait.
  child_error ce;
  ::fcntl(exec_error.read, F_SETFL, 0);
  auto got = ::read(exec_error.read, &ce, sizeof(ce));
  close_fd(exec_error.read);
  if (got == static_cast<ssize_t>(sizeof(ce))) {
    ::waitpid(pid, nullptr, 0);
    out.close_both();
    err.close_both();
    status.close_both();
    std::string why = std::strerror(ce.error);
    if (ce.cgroup > 0 && cgroup)
      why = "cannot join cgroup " + cgroup->join_files()[ce.cgroup - 1] + ": " +
            why;
    if (cgroup) cgroup->remove();
    return "cannot start " + launch.command[0] + ": " + why;
  }

  std::unique_ptr<task_process> p{new task_process};
  p->pid_ = pid;
  p->group_leader_ = group_leader;
  p->use_canary_ = launch.options.use_canary_pipe;
  p->max_lines_ = launch.options.max_log_lines_per_poll_interval;
  p->max_window_bytes_ = launch.options.max_log_bytes_per_poll_interval;
  p->max_task_bytes_ = launch.options.max_log_bytes_per_task;
  if (p->max_window_bytes_ > 0)
    p->cut_bytes_ = std::min(max_log_line_bytes,
                             static_cast<std::size_t>(p->max_window_bytes_));
  p->poll_ms_ = std::max<std::int64_t>(launch.options.poll_ms, 1);
  p->out_.fd = out.read;
  p->err_.fd = err.read;
  p->status_fd_ = status.read;
  // Linux >= 5.3; without it, the owner's poll timer sees the exit.
  // (The pidfd is close-on-exec.)
  p->exit_fd_ = raise_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  p->has_pidfd_ = p->exit_fd_ >= 0;
  p->cgroup_ = std::move(cgroup);
  return p;
}

task_process::~task_process() {
  if (cgroup_ && !cgroup_->removed()) {
    // The owner gave up on the task (the worker stops): all of it goes.
    // Bounded, in case a process hangs in the kernel (D state).
    const auto deadline = steady_now_ms() + 2000;
    while (!cgroup_->empty() && steady_now_ms() < deadline) {
      cgroup_->signal_all(SIGKILL, steady_now_ms());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  if (pid_ > 0 && !exit_code_) {
    // The owner gave up on a live task: make sure it does not linger.
    if (group_leader_)
      ::kill(-pid_, SIGKILL);
    else
      ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (cgroup_ && !cgroup_->removed()) cgroup_->remove();
  close_fd(out_.fd);
  close_fd(err_.fd);
  close_fd(status_fd_);
  close_fd(exit_fd_);
}

task_process::wake_source task_process::wake_fd() const {
  // A task ends when its process exits (the pidfd); with the canary, if
  // descendants still hold the status pipe then, when they close it
  // (take_late_wake_fd). Watching the pipe from the start would wake the
  // owner for the status line and for the hang-up at exit, just before the
  // process can be reaped: two polls for nothing.
  if (exit_fd_ >= 0) return {exit_fd_, true};
  return {status_fd_, false};
}

int task_process::take_late_wake_fd() {
  if (late_wake_taken_ || !exit_code_ || !use_canary_ || status_fd_ < 0 ||
      cgroup_)
    return -1;
  late_wake_taken_ = true;
  // Without a pidfd the pipe is watched from the start already.
  return has_pidfd_ ? status_fd_ : -1;
}

task_process::take_result task_process::take(
    output_stream& s, std::string_view line,
    std::vector<task_output_line>& out) {
  if (line.size() > cut_bytes_) line = line.substr(0, cut_bytes_);
  const auto size = static_cast<std::int64_t>(line.size());
  if (max_task_bytes_ > 0 && kept_bytes_ + size > max_task_bytes_) {
    // What is kept stays a prefix of the output: nothing after this line
    // is kept either, even a shorter line that would still fit.
    dropping_ = true;
    return take_result::dropped;
  }
  if (s.lines_left == 0 || (s.bytes_left >= 0 && size > s.bytes_left))
    return take_result::wait;
  out.push_back({s.kind, std::string{line}});
  kept_bytes_ += size;
  if (s.lines_left > 0) --s.lines_left;
  if (s.bytes_left > 0) s.bytes_left -= size;
  return take_result::kept;
}

bool task_process::discard(output_stream& s) {
  // Bounded per poll, so that a task writing as fast as we read cannot
  // keep the owner's thread here.
  constexpr int max_chunks_per_poll = 1024;  // 16 MiB
  s.dropped_bytes += static_cast<std::int64_t>(s.buffer.size());
  s.buffer.clear();
  char chunk[16 * 1024];
  for (int i = 0; i < max_chunks_per_poll; ++i) {
    auto n = ::read(s.fd, chunk, sizeof(chunk));
    if (n > 0) {
      s.dropped_bytes += n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
    close_fd(s.fd);
    return true;
  }
  return false;
}

bool task_process::drain(output_stream& s, std::vector<task_output_line>& out) {
  char chunk[16 * 1024];
  while (s.fd >= 0) {
    if (dropping_) return discard(s);
    if (s.in_cut_line) {
      auto nl = s.buffer.find('\n');
      s.in_cut_line = nl == std::string::npos;
      s.buffer.erase(0, s.in_cut_line ? s.buffer.size() : nl + 1);
    }
    // Whole lines already buffered go first.
    std::size_t start = 0;
    bool wait = false;
    for (auto nl = s.buffer.find('\n'); nl != std::string::npos;
         nl = s.buffer.find('\n', start)) {
      auto r =
          take(s, std::string_view{s.buffer}.substr(start, nl - start), out);
      if (r != take_result::kept) {
        wait = r == take_result::wait;
        break;
      }
      start = nl + 1;
    }
    s.buffer.erase(0, start);
    if (dropping_) continue;  // the rest of the buffer counts as dropped
    // A window used up: what is left waits in the pipe, and the buffer
    // stays under cut_bytes_ plus one chunk.
    if (wait || s.lines_left == 0 || s.bytes_left == 0) return false;
    // A line too long is cut, and its remainder dropped, so memory stays
    // bounded whatever the task writes.
    if (s.buffer.size() > cut_bytes_) {
      auto r = take(s, s.buffer, out);
      if (r == take_result::wait) return false;
      if (r == take_result::kept) {
        s.buffer.clear();
        s.in_cut_line = true;
      }
      continue;
    }
    auto n = ::read(s.fd, chunk, sizeof(chunk));
    if (n > 0) {
      s.buffer.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return false;
    // EOF or a hard error: the stream is over once its last, unended line
    // is kept (reading again at EOF sees EOF again).
    if (!s.buffer.empty()) {
      auto r = take(s, s.buffer, out);
      if (r == take_result::wait) return false;
      if (r == take_result::dropped) continue;
    }
    s.buffer.clear();
    close_fd(s.fd);
  }
  return true;
}

void task_process::read_status_pipe() {
  char chunk[16 * 1024];
  while (status_fd_ >= 0) {
    auto n = ::read(status_fd_, chunk, sizeof(chunk));
    if (n > 0) {
      if (status_text_.size() + static_cast<std::size_t>(n) > max_status_bytes)
        status_overflow_ = true;
      else
        status_text_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    close_fd(status_fd_);
  }
}

bool task_process::poll(std::int64_t now_ms,
                        std::vector<task_output_line>& out) {
  if (now_ms >= window_end_ms_) {
    window_end_ms_ = now_ms + poll_ms_;
    for (auto* s : {&out_, &err_}) {
      s->lines_left = max_lines_ > 0 ? max_lines_ : -1;
      s->bytes_left = max_window_bytes_ > 0 ? max_window_bytes_ : -1;
    }
  }
  bool out_done = drain(out_, out);
  bool err_done = drain(err_, out);
  read_status_pipe();
  if (!exit_code_) {
    int wstatus = 0;
    pid_t r = ::waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_) {
      exit_code_ =
          WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -WTERMSIG(wstatus);
      close_fd(exit_fd_);
    }
  }
  if (pending_signal_ != 0) signal_task(pending_signal_, now_ms);
  if (sigkill_at_ms_ && now_ms >= *sigkill_at_ms_) {
    signal_task(SIGKILL, now_ms);
    sigkill_at_ms_.reset();
  }
  if (!exit_code_) return false;
  if (!exited_ms_) exited_ms_ = now_ms;
  if (cgroup_) return finish_contained(now_ms, out, out_done, err_done);
  if (kill_requested_ && use_canary_ && status_fd_ >= 0)
    report_lingering(now_ms);
  // The process is gone. Descendants may still hold the pipes: with the
  // canary, the task lasts until they all close the status pipe; without
  // it, whatever is not written yet is not waited for.
  if (use_canary_ && status_fd_ >= 0) return false;
  if (!use_canary_) {
    close_fd(status_fd_);
    if (!out_done) close_fd(out_.fd);
    if (!err_done) close_fd(err_.fd);
    out_done = err_done = true;
  }
  if (out_done && err_done) {
    // A kill may leave descendants in the group; a finished task leaves
    // nothing behind when it leads its group.
    if (group_leader_) ::kill(-pid_, SIGKILL);
    tell_dropped(out);
    return true;
  }
  return false;
}

void task_process::tell_dropped(std::vector<task_output_line>& out) {
  const auto dropped = out_.dropped_bytes + err_.dropped_bytes;
  if (drop_told_ || dropped == 0) return;
  drop_told_ = true;
  out.push_back(
      {task_output_line::err,
       "bistro: dropped " + std::to_string(dropped) + " bytes of output (" +
           std::to_string(out_.dropped_bytes) + " of stdout, " +
           std::to_string(err_.dropped_bytes) + " of stderr) after keeping " +
           std::to_string(kept_bytes_) +
           " bytes: the run passed task_subprocess.max_log_bytes_per_task (" +
           std::to_string(max_task_bytes_) + ")"});
}

std::vector<std::string> task_process::take_notices() {
  return std::exchange(notices_, {});
}

cgroup_usage task_process::usage() const {
  if (final_usage_) return *final_usage_;
  return cgroup_ ? cgroup_->usage() : cgroup_usage{};
}

bool task_process::close_idle(output_stream& s,
                              std::vector<task_output_line>& out) {
  if (s.fd < 0) return true;
  int ready = 0;
  if (::ioctl(s.fd, FIONREAD, &ready) != 0 || ready > 0) return false;
  if (!s.buffer.empty() && !dropping_) {
    if (s.lines_left == 0 || s.bytes_left == 0) return false;
    if (s.in_cut_line) s.buffer.clear();
    if (!s.buffer.empty() && take(s, s.buffer, out) == take_result::wait)
      return false;
  }
  s.buffer.clear();
  close_fd(s.fd);
  return true;
}

bool task_process::finish_contained(std::int64_t now_ms,
                                    std::vector<task_output_line>& out,
                                    bool out_done, bool err_done) {
  if (!cgroup_->empty()) {
    // The task's process is gone: what it left behind goes too (daemons,
    // setsid'd children), as Bistro's cgroup reaper does. Sent again now
    // and then, for processes that were forking when the signal came.
    if (pending_signal_ == 0 &&
        (!leftover_kill_ms_ ||
         now_ms - *leftover_kill_ms_ >= leftover_kill_ms)) {
      leftover_kill_ms_ = now_ms;
      signal_task(SIGKILL, now_ms);
    }
    if (now_ms - *exited_ms_ >= 1000 && now_ms >= next_linger_report_ms_) {
      next_linger_report_ms_ = now_ms + linger_report_ms;
      std::string pids;
      for (pid_t p : cgroup_->pids())
        pids += (pids.empty() ? "" : ", ") + std::to_string(p);
      notices_.push_back("the task's process exited " +
                         std::to_string(now_ms - *exited_ms_) +
                         " ms ago, but its cgroup " + cgroup_->name() +
                         " still holds processes " + pids +
                         "; the task ends when they are gone");
    }
    return false;
  }
  // Nobody of the task is left, so nobody of it holds the pipes: what is
  // in them is all there will be.
  read_status_pipe();
  close_fd(status_fd_);
  out_done = out_done || close_idle(out_, out);
  err_done = err_done || close_idle(err_, out);
  if (!out_done || !err_done) return false;
  oom_kills_ = cgroup_->oom_kills();
  final_usage_ = cgroup_->usage();
  auto err = cgroup_->remove();
  if (!err.empty()) notices_.push_back(err);
  tell_dropped(out);
  return true;
}

void task_process::report_lingering(std::int64_t now_ms) {
  if (now_ms < next_linger_report_ms_) return;
  next_linger_report_ms_ = now_ms + linger_report_ms;
  auto holders = pipe_holders(status_fd_);
  std::string names;
  for (const auto& h : holders) names += (names.empty() ? "" : ", ") + h;
  notices_.push_back(
      "the task was killed and its process " + std::to_string(pid_) +
      " exited, but " +
      (names.empty() ? std::string{"processes not found in /proc"}
                     : "processes " + names) +
      " still hold its status pipe: it ends when they close it (set "
      "task_subprocess.cgroups to kill every process of a task)");
}

void task_process::signal_task(int sig, std::int64_t now_ms) {
  if (pid_ <= 0) return;
  if (cgroup_ && !cgroup_->removed()) {
    auto r = cgroup_->signal_all(sig, now_ms);
    pending_signal_ = r == task_cgroup::signal_result::pending ? sig : 0;
    if (r != task_cgroup::signal_result::unsupported) return;
  }
  if (group_leader_)
    ::kill(-pid_, sig);
  else if (!exit_code_)
    ::kill(pid_, sig);
}

void task_process::kill(const kill_request& how, std::int64_t now_ms) {
  kill_requested_ = true;
  switch (how.method) {
    case kill_method::term:
      signal_task(SIGTERM, now_ms);
      break;
    case kill_method::kill:
      signal_task(SIGKILL, now_ms);
      break;
    case kill_method::term_wait_kill:
      if (how.kill_wait_ms <= 0) {
        signal_task(SIGKILL, now_ms);
      } else {
        signal_task(SIGTERM, now_ms);
        sigkill_at_ms_ = now_ms + how.kill_wait_ms;
      }
      break;
  }
}

parsed_status task_process::status() const {
  auto error = [](std::string message) {
    return parsed_status{status_label::error_backoff, "", std::move(message)};
  };
  if (status_overflow_)
    return error("task wrote a status longer than " +
                 std::to_string(max_status_bytes) + " bytes");
  std::vector<std::string_view> lines;
  std::string_view text{status_text_};
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos)
      lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  if (lines.size() == 1) return parse_status_line(lines.front());
  if (oom_kills_ > 0) {
    auto limit = cgroup_ ? cgroup_->memory_limit_mb() : 0;
    return error(limit > 0
                     ? "out of memory: limit " + std::to_string(limit) + " MB"
                     : std::string{"out of memory: the OOM killer "
                                   "ended a process of the task"});
  }
  if (lines.empty() && kill_requested_)
    return {status_label::incomplete_backoff, "",
            "task was killed before it wrote a status"};
  if (lines.empty()) return error("task wrote no status");
  return error("task wrote " + std::to_string(lines.size()) + " status lines");
}

}  // namespace bistro
