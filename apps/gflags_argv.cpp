#include "apps/gflags_argv.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

namespace bistro {

namespace {

constexpr int max_flagfile_depth = 8;

std::optional<bool> read_bool(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (const char* yes : {"true", "t", "yes", "y", "1"})
    if (s == yes) return true;
  for (const char* no : {"false", "f", "no", "n", "0"})
    if (s == no) return false;
  return std::nullopt;
}

// The canonical text of `value` for a flag of `kind`, or nothing.
std::optional<std::string> canonical(flag_kind kind, const std::string& value) {
  switch (kind) {
    case flag_kind::boolean: {
      auto b = read_bool(value);
      if (!b) return std::nullopt;
      return std::string(*b ? "true" : "false");
    }
    case flag_kind::integer: {
      std::int64_t n = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || r.ec != std::errc{} ||
          r.ptr != value.data() + value.size())
        return std::nullopt;
      return std::to_string(n);
    }
    case flag_kind::real: {
      if (value.empty()) return std::nullopt;
      char* end = nullptr;
      errno = 0;
      std::strtod(value.c_str(), &end);
      if (errno != 0 || end != value.c_str() + value.size())
        return std::nullopt;
      return value;
    }
    case flag_kind::text:
      return value;
  }
  return std::nullopt;
}

bool is_default(flag_kind kind, const std::string& canonical_value) {
  switch (kind) {
    case flag_kind::boolean:
      return canonical_value == "false";
    case flag_kind::integer:
    case flag_kind::real:
      return std::strtod(canonical_value.c_str(), nullptr) == 0.0;
    case flag_kind::text:
      return canonical_value.empty();
  }
  return true;
}

struct reader {
  const std::vector<flag_spec>& known;
  const std::vector<unsupported_flag>& unsupported;
  command_line out;
  std::string error;

  const flag_spec* find_known(const std::string& name) const {
    for (const auto& f : known)
      if (f.name == name) return &f;
    return nullptr;
  }
  const unsupported_flag* find_unsupported(const std::string& name) const {
    for (const auto& f : unsupported)
      if (f.name == name) return &f;
    return nullptr;
  }

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }

  bool read_flagfile(const std::string& path, int depth) {
    if (depth > max_flagfile_depth)
      return fail("--flagfile=" + path + ": flag files nest deeper than " +
                  std::to_string(max_flagfile_depth));
    std::ifstream in(path);
    if (!in)
      return fail("--flagfile=" + path +
                  ": cannot read: " + std::strerror(errno));
    std::vector<std::string> args;
    for (std::string line; std::getline(in, line);) {
      auto begin = line.find_first_not_of(" \t\r");
      if (begin == std::string::npos || line[begin] == '#') continue;
      auto end = line.find_last_not_of(" \t\r");
      args.push_back(line.substr(begin, end - begin + 1));
    }
    return read(args, depth + 1);
  }

  bool set(const std::string& name, flag_kind kind, const std::string& value,
           const std::string& given) {
    auto text = canonical(kind, value);
    if (!text)
      return fail(given + ": --" + name + " expects " + expectation(kind) +
                  ", got \"" + value + "\"");
    if (const auto* u = find_unsupported(name)) {
      if (u->refuse_if_set && !is_default(kind, *text))
        return fail("--" + name + "=" + *text + ": not supported: " + u->why);
      out.notes.push_back("--" + name + "=" + *text +
                          ": not supported, ignored: " + u->why);
      return true;
    }
    out.values[name] = *text;
    return true;
  }

  bool read(const std::vector<std::string>& args, int depth) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (arg == "--") return true;  // gflags stops here
      if (arg.size() < 2 || arg[0] != '-')
        return fail("unexpected argument \"" + arg +
                    "\": every argument is a --flag (see --help)");
      std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
      std::optional<std::string> value;
      if (auto eq = body.find('='); eq != std::string::npos) {
        value = body.substr(eq + 1);
        body.resize(eq);
      }
      if (body == "help" || body == "helpfull" || body == "h" || body == "?") {
        out.help = true;
        continue;
      }
      if (body == "version") {
        out.version = true;
        continue;
      }
      if (body == "flagfile") {
        if (!value) {
          if (i + 1 == args.size())
            return fail("--flagfile expects a file name");
          value = args[++i];
        }
        if (!read_flagfile(*value, depth)) return false;
        continue;
      }
      if (arg[1] != '-' && body.size() == 1) {
        for (const auto& f : known)
          if (f.short_names.find(body[0]) != std::string::npos) body = f.name;
      }
      const flag_spec* spec = find_known(body);
      const unsupported_flag* u = spec ? nullptr : find_unsupported(body);
      flag_kind kind = spec ? spec->kind : u ? u->kind : flag_kind::text;
      std::string name = body;
      if (!spec && !u && body.starts_with("no")) {
        // --noflag: a boolean set to false.
        auto positive = body.substr(2);
        const flag_spec* s = find_known(positive);
        const unsupported_flag* un = s ? nullptr : find_unsupported(positive);
        if ((s && s->kind == flag_kind::boolean) ||
            (un && un->kind == flag_kind::boolean)) {
          if (value) return fail(arg + ": --no" + positive + " takes no value");
          if (!set(positive, flag_kind::boolean, "false", arg)) return false;
          continue;
        }
      }
      if (!spec && !u) return fail("unknown flag --" + body + " (see --help)");
      if (!value) {
        if (kind == flag_kind::boolean) {
          value = "true";
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          return fail("--" + name + " expects " + expectation(kind) +
                      " after it");
        }
      }
      if (!set(name, kind, *value, arg)) return false;
    }
    return true;
  }
};

}  // namespace

const char* expectation(flag_kind kind) {
  switch (kind) {
    case flag_kind::boolean:
      return "true or false";
    case flag_kind::integer:
      return "an integer";
    case flag_kind::real:
      return "a number";
    case flag_kind::text:
      return "a value";
  }
  return "a value";
}

std::variant<command_line, std::string> read_command_line(
    const std::vector<std::string>& args, const std::vector<flag_spec>& known,
    const std::vector<unsupported_flag>& unsupported) {
  reader r{known, unsupported, {}, {}};
  if (!r.read(args, 0)) return r.error;
  return std::move(r.out);
}

}  // namespace bistro
