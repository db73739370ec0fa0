// Our statuses as Bistro's status bits, and the histogram keys of its
// monitor (the values are Bistro's bits.thrift; the keys are what its web
// UI decodes: base64url, low 6 bits first).
#include "actors/jobs/bistro_status_bits.hpp"

#include <catch2/catch.hpp>

using namespace bistro;
namespace bits = bistro::status_bits;

TEST_CASE("each status label has Bistro's bits for that status") {
  CHECK(bits::of_label(status_label::never_started) == 0);
  CHECK(bits::of_label(status_label::running) == 2);
  CHECK(bits::of_label(status_label::done) == 4);
  CHECK(bits::of_label(status_label::incomplete) == 8);
  CHECK(bits::of_label(status_label::incomplete_backoff) == (8 | 64 | 512));
  CHECK(bits::of_label(status_label::error_backoff) == (32 | 64));
  CHECK(bits::of_label(status_label::failed) == 16);
  CHECK(bits::of_label(status_label::was_not_running) == (32 | 1024));
  CHECK(bits::of_label(status_label::worker_lost) == (32 | 64 | 1024 | 2048));
}

TEST_CASE("the monitor shows uses_backoff only while the backoff lasts") {
  status_record waiting;
  waiting.label = status_label::error_backoff;
  waiting.backoff_until_ms = 10'000;
  CHECK(bits::in_monitor(waiting, 9'999) == (32 | 64));
  CHECK(bits::in_monitor(waiting, 10'000) == 32);
  status_record forgiven;  // forgiven: an error with no deadline
  forgiven.label = status_label::error_backoff;
  CHECK(bits::in_monitor(forgiven, 1) == 32);
  status_record synthetic;
  synthetic.label = status_label::done;
  synthetic.overwriteable = true;
  CHECK(bits::in_monitor(synthetic, 1) == (4 | 1024));
  CHECK(bits::in_monitor(status_record{}, 1) == 0);
}

TEST_CASE("histogram keys are Bistro's base64url code of the bits") {
  CHECK(bits::histogram_key(bits::unstarted) == "B");
  CHECK(bits::histogram_key(bits::running) == "C");
  CHECK(bits::histogram_key(bits::done) == "E");
  CHECK(bits::histogram_key(bits::error) == "g");
  CHECK(bits::histogram_key(bits::unstarted | bits::done | bits::error) == "l");
  CHECK(bits::histogram_key(63) == "_");
  // Bits past the sixth add a second letter: avoided is 2 << 6.
  CHECK(bits::histogram_key(bits::avoided) == "AC");
  CHECK(bits::histogram_key(bits::disabled | bits::done) == "EE");
  CHECK(bits::histogram_key(8 | 64 | 512) == "IJ");
  CHECK(bits::histogram_key(4095) == "__");
}
