// bistro_shell: flag parsing and wiring only. One command with -c, else an
// interactive prompt; both talk to the scheduler's front door.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <iostream>
#include <string>

#include "actors/protocol/access_token.hpp"
#include "apps/shell/line_editor.hpp"
#include "apps/shell/offline_stores.hpp"
#include "apps/shell/scheduler_connection.hpp"
#include "apps/shell/shell_session.hpp"
#include "apps/command_line.hpp"
#include "apps/flags_common.hpp"

namespace {

using namespace bistro;

struct shell_flags : gflags_config {
  tls_files tls;
  std::string scheduler_host = "::1";
  std::int64_t scheduler_port = 0;
  std::string auth_token_file;
  std::string command;
  std::string data_dir;
  bool json = false;
  std::int64_t connect_timeout_ms = 5000;
  std::int64_t request_timeout_ms = 10000;

  shell_flags() {
    opt_group{custom_options_, "global"}
        .add(scheduler_host, "scheduler_host",
             "the scheduler's host name or address (:: = this host)"
             " [default: ::1]")
        .add(scheduler_port, "scheduler_port", "the scheduler's --server_port")
        .add(auth_token_file, "auth_token_file",
             "file holding the scheduler's token (its "
             "--http_auth_token_file): sent with every request; mutating "
             "commands (kill, forgive) need it when the scheduler has one")
        .add(command, "command,c",
             "run this one command and exit (0, or the error on stderr)")
        .add(data_dir, "data_dir",
             "offline: read a scheduler's statuses (DIR/statuses) and a "
             "worker's task logs (DIR/task_logs) straight from disk, "
             "read-only, whether or not they run; no --scheduler_port")
        .add(json, "json", "print the scheduler's JSON instead of tables")
        .add(connect_timeout_ms, "connect_timeout_ms",
             "give up connecting after this long [default: 5000]")
        .add(request_timeout_ms, "request_timeout_ms",
             "give up waiting for an answer after this long [default: 10000]");
    opt_group{custom_options_, "global"}
        .add(tls.cert, "tls_cert_file", tls_files::cert_help)
        .add(tls.key, "tls_key_file", tls_files::key_help)
        .add(tls.ca, "tls_ca_file", tls_files::ca_help);
    set_thread_count(*this);
    enable_networking(*this);
  }
};

int interactive(shell::shell_session& session, const std::string& where,
                const char* what = "scheduler") {
  shell::line_editor editor(
      shell::default_history_path(),
      [&](std::string_view before, std::string_view word) {
        return session.complete(before, word);
      });
  std::cout << "bistro_shell: " << what << " " << where
            << " (help lists the commands)\n";
  while (!session.quit_requested()) {
    auto line = editor.read_line("bistro> ");
    if (!line) {
      std::cout << '\n';
      break;
    }
    session.run_line(*line);
  }
  return shell::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  shell_flags flags;
  if (auto exit_code = flags.read_flags(argc, argv, "bistro_shell", {}))
    return *exit_code;
  if (!flags.data_dir.empty()) {
    auto opened = shell::offline_stores::open(flags.data_dir);
    if (auto* err = std::get_if<std::string>(&opened)) {
      std::cerr << "bistro_shell: " << *err << '\n';
      return 2;
    }
    auto& stores = *std::get<0>(opened);
    shell::session_options session_options;
    session_options.json = flags.json;
    shell::shell_session session(stores, session_options, std::cout, std::cerr);
    if (!flags.command.empty()) return session.run_line(flags.command);
    return interactive(session, stores.where(), "data dir");
  }
  if (flags.scheduler_port <= 0 || flags.scheduler_port > 65535) {
    std::cerr << "bistro_shell: --scheduler_port is required (the "
                 "scheduler's --server_port)\n";
    return 2;
  }
  if (auto err = enable_tls(flags, flags.tls)) {
    std::cerr << "bistro_shell: " << *err << '\n';
    return 2;
  }
  std::string token;
  if (!flags.auth_token_file.empty()) {
    auto err = read_token_file(flags.auth_token_file, token);
    if (!err.empty()) {
      std::cerr << "bistro_shell: --auth_token_file: " << err << '\n';
      return 2;
    }
  }
  flags.add_message_types<caf::id_block::bistro>();
  int rc = 0;
  {
    caf::actor_system sys{flags};
    shell::connection_options options;
    // "::" means this host, as for bistro_worker.
    options.host = flags.scheduler_host == "::" ? std::string{"::1"}
                                                : flags.scheduler_host;
    options.port = static_cast<std::uint16_t>(flags.scheduler_port);
    options.connect_timeout =
        std::chrono::milliseconds(flags.connect_timeout_ms);
    options.request_timeout =
        std::chrono::milliseconds(flags.request_timeout_ms);
    options.token = token;
    shell::scheduler_connection connection(sys, options);
    shell::session_options session_options;
    session_options.json = flags.json;
    shell::shell_session session(connection, session_options, std::cout,
                                 std::cerr);
    if (!flags.command.empty())
      rc = session.run_line(flags.command);
    else
      rc = interactive(session, connection.where());
    // Do not wait for actors CAF's networking keeps alive for the peer.
    sys.await_actors_before_shutdown(false);
  }
  return rc;
}
