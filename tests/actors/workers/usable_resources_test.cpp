#include "actors/workers/usable_resources.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/e2e_support.hpp"

using namespace bistro;
using namespace bistro::testing;

namespace {

/// PATH with `dir` first, restored when done.
struct path_prefix {
  std::string old;
  explicit path_prefix(const std::string& dir) {
    const char* p = ::getenv("PATH");
    old = p ? p : "";
    ::setenv("PATH", (dir + ":" + old).c_str(), 1);
  }
  ~path_prefix() { ::setenv("PATH", old.c_str(), 1); }
};

}  // namespace

TEST_CASE("nvidia-smi's CSV becomes one GPU per line") {
  std::string error;
  auto gpus = parse_nvidia_smi(
      "0000:28:00.0, 11519, Tesla K40m\n0000:0E:00.0, 12287, Quadro M6000\n",
      error);
  CHECK(error.empty());
  REQUIRE(gpus.size() == 2);
  CHECK(gpus[0].pci_bus_id == "0000:28:00.0");
  CHECK(gpus[0].memory_mb == 11519);
  CHECK(gpus[1].name == "Quadro M6000");
  gpus = parse_nvidia_smi("garbage\n", error);
  CHECK(gpus.empty());
  CHECK_THAT(error, Catch::Contains("garbage"));
}

TEST_CASE("memory, cores and the GPUs of a fake nvidia-smi on PATH") {
  temp_dir dir;
  dir.script("nvidia-smi",
             "case \"$*\" in *--query-gpu=gpu_bus_id,memory.total,name*) ;;\n"
             "  *) exit 3 ;; esac\n"
             "echo '0000:28:00.0, 11519, Tesla K40m'\n"
             "echo '0000:29:00.0, 11519, Tesla K40m'");
  path_prefix path(dir.path.string());
  auto m = measure_usable_resources(5000);
  CHECK(m.error.empty());
  CHECK(m.usable.gpu_cards == 2);
  REQUIRE(m.gpus.size() == 2);
  CHECK(m.gpus[1].pci_bus_id == "0000:29:00.0");
  CHECK(m.usable.cpu_cores >= 1);
  CHECK(m.usable.memory_mb > 64);
}

TEST_CASE("no nvidia-smi is no GPUs; a hung one is killed and said") {
  temp_dir dir;
  {
    path_prefix path(dir.path.string());
    ::setenv("PATH", dir.path.c_str(), 1);  // nothing else either
    auto m = measure_usable_resources(1000);
    CHECK(m.usable.gpu_cards == 0);
    CHECK(m.error.empty());
  }
  dir.script("nvidia-smi", "exec sleep 30");
  path_prefix path(dir.path.string());
  auto begin = steady_ms();
  auto m = measure_usable_resources(300);
  CHECK(steady_ms() - begin < 5000);
  CHECK(m.usable.gpu_cards == 0);
  CHECK_THAT(m.error, Catch::Contains("did not answer within 300 ms"));
}
