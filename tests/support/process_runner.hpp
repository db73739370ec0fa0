// Runs a command line to completion for end-to-end tests and returns its
// exit code and combined output. Single-threaded test helper.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace bistro::testing {

struct command_output {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

inline command_output run_command(const std::string& command_line) {
  command_output out;
  FILE* pipe = ::popen((command_line + " 2>&1").c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace bistro::testing
