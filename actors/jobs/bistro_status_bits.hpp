// Bistro's task status bits and how our statuses map onto them. The numbers
// are Bistro's wire protocol (its bits.thrift): a task may report
// `{"result_bits": N}`, the statuses log's "got_status" events carry them,
// and the monitor's `histogram` keys are them, in Bistro's base64url code.
// Never renumber.
//
// Constants and pure functions: safe from any thread. No CAF include.
#pragma once

#include <cstdint>
#include <string>

#include "actors/jobs/task_status.hpp"

namespace bistro::status_bits {

/// Monitor only: the task may run but never has.
inline constexpr std::uint32_t unstarted = 1;
inline constexpr std::uint32_t running = 2;
inline constexpr std::uint32_t done = 4;
inline constexpr std::uint32_t incomplete = 8;
inline constexpr std::uint32_t failed = 16;
inline constexpr std::uint32_t error = 32;
/// The status waits out a backoff; the monitor keeps it only while it does.
inline constexpr std::uint32_t uses_backoff = 64;
/// Monitor only: the job's filters exclude the node.
inline constexpr std::uint32_t avoided = 128;
/// Monitor only: the node or an ancestor is disabled.
inline constexpr std::uint32_t disabled = 256;
inline constexpr std::uint32_t does_not_advance_backoff = 512;
/// A synthetic status that a real one may replace.
inline constexpr std::uint32_t overwriteable = 1024;
/// A lost worker's safety wait hides the job's own backoff.
inline constexpr std::uint32_t has_saved_backoff = 2048;

/// The bits Bistro gives a status with this label, `uses_backoff` included
/// for the labels that wait; 0 for never_started (Bistro has no status
/// then).
std::uint32_t of_label(status_label label);

/// What Bistro's monitor shows for a stored status at `now_ms`:
/// `of_label`, `uses_backoff` only while the backoff lasts, and
/// `overwriteable` when the record is. 0 for never_started.
std::uint32_t in_monitor(const status_record& status, std::int64_t now_ms);

/// A histogram key: the low 6 bits as one base64url letter, then the next 6
/// as a second letter when any is set (`bits` < 4096).
std::string histogram_key(std::uint32_t bits);

}  // namespace bistro::status_bits
