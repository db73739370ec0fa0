// Replays every checked-in input of corpus/<target>/ through its target, in
// the normal build: seeds and the regressions of fixed crashes run in every
// CI build, not only when someone fuzzes. An input that crashes fails the
// whole test binary; an abort names the broken invariant on stderr.
//
// `fuzz_corpus_tests "[.write-seeds]"` rewrites the generated seeds
// (corpus/messages/seed-*), e.g. after a protocol change.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/fuzz/fuzz_targets.hpp"

namespace fs = std::filesystem;
using namespace bistro::fuzz;

namespace {

using target_fn = int (*)(const std::uint8_t*, std::size_t);

const fs::path corpus_root{BISTRO_FUZZ_CORPUS_DIR};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void replay(const std::string& target, target_fn fn) {
  const auto dir = corpus_root / target;
  REQUIRE(fs::is_directory(dir));
  std::size_t inputs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    INFO("input: " << entry.path().string());
    const auto bytes = read_file(entry.path());
    CHECK(fn(reinterpret_cast<const std::uint8_t*>(bytes.data()),
             bytes.size()) == 0);
    ++inputs;
  }
  CHECK(inputs > 0);
}

}  // namespace

TEST_CASE("every config corpus input parses or is refused without a crash") {
  replay("config", fuzz_config);
}

TEST_CASE("every status_line corpus input is understood without a crash") {
  replay("status_line", fuzz_status_line);
}

TEST_CASE("every http_routes corpus input is routed without a crash") {
  replay("http_routes", fuzz_http_routes);
}

TEST_CASE("every messages corpus input is decoded without a crash") {
  replay("messages", fuzz_messages);
}

TEST_CASE("the generated message seeds decode and are checked in",
          "[.write-seeds]") {
  const auto dir = corpus_root / "messages";
  fs::create_directories(dir);
  for (const auto& [name, bytes] : message_seeds()) {
    std::ofstream out(dir / ("seed-" + name), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
  }
}
