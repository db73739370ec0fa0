#include "apps/command_line.hpp"

#include <caf/config_value.hpp>
#include <iomanip>
#include <iostream>
#include <sstream>

#ifndef BISTRO_VERSION
#define BISTRO_VERSION "unknown"
#endif

namespace bistro {

namespace {

// CAF's own entries of the "global" group: not Bistro flags.
bool is_caf_option(caf::string_view name) {
  for (const char* own : {"help", "long-help", "dump-config", "config-file"})
    if (name == own) return true;
  return false;
}

flag_kind kind_of(const caf::config_option& opt) {
  if (opt.is_flag()) return flag_kind::boolean;
  if (!opt.check(caf::config_value{0.5})) return flag_kind::real;
  if (!opt.check(caf::config_value{std::int64_t{0}})) return flag_kind::integer;
  return flag_kind::text;
}

caf::config_value value_of(flag_kind kind, const std::string& text) {
  switch (kind) {
    case flag_kind::boolean:
      return caf::config_value{text == "true"};
    case flag_kind::integer:
      return caf::config_value{static_cast<std::int64_t>(std::stoll(text))};
    case flag_kind::real:
      return caf::config_value{std::stod(text)};
    case flag_kind::text:
      break;
  }
  return caf::config_value{text};
}

}  // namespace

std::optional<int> gflags_config::read_flags(
    int argc, char** argv, const char* program,
    const std::vector<unsupported_flag>& unsupported) {
  std::vector<flag_spec> known;
  std::vector<const caf::config_option*> options;
  for (const auto& opt : custom_options_) {
    if (opt.category() != "global" || is_caf_option(opt.long_name())) continue;
    known.push_back(
        {std::string(opt.long_name().begin(), opt.long_name().end()),
         kind_of(opt),
         std::string(opt.short_names().begin(), opt.short_names().end())});
    options.push_back(&opt);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  auto read = read_command_line(args, known, unsupported);
  if (auto* err = std::get_if<std::string>(&read)) {
    std::cerr << program << ": " << *err << '\n';
    return 2;
  }
  auto& cli = std::get<command_line>(read);
  if (cli.version) {
    std::cout << program << " (bistro-caf) " << BISTRO_VERSION << '\n';
    return 0;
  }
  if (cli.help) {
    std::cout << "Usage: " << program
              << " --flag=value ... (gflags syntax: --flag value, --flag, "
                 "--noflag, --flagfile=FILE, --version)\n\nFlags:\n";
    for (std::size_t i = 0; i < known.size(); ++i) {
      std::ostringstream head;
      head << "  --" << known[i].name;
      if (known[i].kind != flag_kind::boolean)
        head << '='
             << (known[i].kind == flag_kind::text      ? "<text>"
                 : known[i].kind == flag_kind::integer ? "<int>"
                                                       : "<number>");
      auto description = options[i]->description();
      std::cout << std::left << std::setw(44) << head.str() << ' '
                << std::string(description.begin(), description.end()) << '\n';
    }
    if (!unsupported.empty()) {
      std::cout << "\nBistro flags accepted but not supported:\n";
      for (const auto& u : unsupported)
        std::cout << "  --" << u.name << ": " << u.why
                  << (u.refuse_if_set ? " (refused when set)" : "") << '\n';
    }
    return 0;
  }
  for (const auto& note : cli.notes)
    std::cerr << program << ": " << note << '\n';
  for (std::size_t i = 0; i < known.size(); ++i) {
    auto it = cli.values.find(known[i].name);
    if (it == cli.values.end()) continue;
    auto value = value_of(known[i].kind, it->second);
    if (auto err = options[i]->check(value)) {
      std::cerr << program << ": --" << known[i].name << "=" << it->second
                << ": expects " << expectation(known[i].kind) << '\n';
      return 2;
    }
    options[i]->store(value);
  }
  // CAF's own setup (its defaults and an optional caf-application.ini),
  // with no command-line arguments left for it.
  if (auto err = parse(string_list{})) {
    std::cerr << program << ": " << caf::to_string(err) << '\n';
    return 2;
  }
  return std::nullopt;
}

}  // namespace bistro
