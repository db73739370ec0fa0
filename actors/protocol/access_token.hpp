// The operator's token: read from a file (--http_auth_token_file on the
// scheduler, --auth_token_file on bistro_shell) and compared in constant
// time. Mutating monitor requests carry it, over HTTP as a bearer token and
// over CAF as the front door's second string (actors/protocol/protocol.hpp).
// Plain logic: no CAF.
//
// Thread-safe: pure functions (read_token_file reads the file it is given).
#pragma once

#include <string>
#include <string_view>

namespace bistro {

/// Reads a token file into `token`: its first line, surrounding whitespace
/// trimmed. The error names the file and what was wrong (also an empty
/// token); "" when it worked.
std::string read_token_file(const std::string& path, std::string& token);

/// True when `given` equals `expected`, in time that does not depend on
/// where they differ (only on their lengths).
bool same_token(std::string_view given, std::string_view expected);

}  // namespace bistro
