// What a node name may hold. Names travel in every JSON answer (/api/nodes,
// /api/tasks, the monitor's `POST /`), in log keys and in task arguments,
// and JSON text is UTF-8: a name must be well-formed UTF-8 without a NUL
// (C APIs and task argv would cut it there). The tree builder refuses any
// other name, with a message that shows it escaped, so the message itself
// stays valid UTF-8.
//
// Pure functions; safe from any thread. Plain logic: no CAF include (the
// UTF-8 decoding is actors/protocol/utf8.hpp, header-only).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bistro {

/// The default of `nodes.max_name_bytes`.
inline constexpr std::size_t default_max_name_bytes = 4096;

/// Why `name` cannot be a node name ("is not valid UTF-8: byte 0xff at
/// offset 1", "holds a NUL byte at offset 3"), or nullopt when it can.
/// A name longer than `max_bytes` (the `nodes.max_name_bytes` setting) is
/// refused too ("is 5000 bytes long, over nodes.max_name_bytes = 4096").
std::optional<std::string> node_name_problem(
    std::string_view name, std::size_t max_bytes = default_max_name_bytes);

/// `name` in double quotes, each byte that is not printable ASCII or part
/// of a well-formed UTF-8 character written as \xNN: always valid UTF-8.
std::string escaped_name(std::string_view name);

}  // namespace bistro
