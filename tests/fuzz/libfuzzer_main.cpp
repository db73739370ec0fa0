// libFuzzer's entry point for one target, chosen at compile time:
// BISTRO_FUZZ_TARGET names one of the functions in fuzz_targets.hpp.
#include "tests/fuzz/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  return bistro::fuzz::BISTRO_FUZZ_TARGET(data, size);
}
