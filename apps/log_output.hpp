// Where the apps' log lines go. On a terminal, spdlog's default (colored
// stdout, written line by line). Otherwise (a file, a pipe: how the
// scheduler runs as a service and in the benchmarks) a line is written at
// once while the lines come slowly (up to a burst of 256, then 100 writes
// a second), as before; past that, lines are gathered in a buffer and
// written together: spdlog's stdout sink flushes after every line, one
// write system call each, which at tens of thousands of lines a second
// cost the scheduler about a tenth of its CPU. The buffer is written with
// the next line that may be written at once, when it holds 64 KiB, with
// every warning or error, every 20 ms from the sink's own flusher thread,
// and at exit.
//
// Thread-safe (a mutex, as spdlog's _mt sinks). Call once, before logging.
#pragma once

namespace bistro {

/// Replaces spdlog's default logger's output as described above, unless
/// stdout is a terminal.
void use_buffered_log_output();

}  // namespace bistro
