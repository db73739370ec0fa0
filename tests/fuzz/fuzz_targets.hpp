// The fuzz targets: each takes arbitrary bytes, feeds them to one parser
// the scheduler exposes to the outside world, and checks the invariants the
// rest of the code relies on. A target returns 0 for every input; a broken
// invariant aborts (`fuzz_check`), so libFuzzer and the corpus replay test
// (corpus_replay_test.cpp) both see it as a crash.
//
// Stateless between calls apart from `fuzz_messages`' actor system (built
// once, see messages_fuzz.cpp). Not thread-safe: one caller at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bistro::fuzz {

/// A config file's text: parse_config, then the node tree it builds.
int fuzz_config(const std::uint8_t* data, std::size_t size);
/// A task's status text: parse_status_line, then the status row it feeds.
int fuzz_status_line(const std::uint8_t* data, std::size_t size);
/// "METHOD\nTARGET\nBODY": plan_route, the finish of its plan with BODY as
/// the scheduler's reply, url_decode and has_mutating_handler.
int fuzz_http_routes(const std::uint8_t* data, std::size_t size);
/// One type-tag byte, then a CAF binary-serialized protocol message: the
/// decoded value goes through what the scheduler does with it.
int fuzz_messages(const std::uint8_t* data, std::size_t size);

/// Serialized valid messages, each with its type-tag byte: the seeds of
/// `fuzz_messages`, written to corpus/messages by the seed writer test.
std::vector<std::pair<std::string, std::string>> message_seeds();

/// Aborts with `what` when `ok` is false: an invariant the project relies
/// on does not hold for this input.
inline void fuzz_check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace bistro::fuzz
