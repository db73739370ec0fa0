#include "actors/jobs/task_status.hpp"

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <system_error>

#include "actors/jobs/bistro_status_bits.hpp"

namespace bistro {

namespace {

// Indexed by status_label.
constexpr std::array<std::string_view, num_status_labels> label_names = {
    "never_started",      "running",       "done",   "incomplete",
    "incomplete_backoff", "error_backoff", "failed", "was_not_running",
    "worker_lost",
};

// Bistro's BistroTaskStatusBits (bistro_status_bits.hpp).
constexpr std::int64_t bit_done = status_bits::done;
constexpr std::int64_t bit_incomplete = status_bits::incomplete;
constexpr std::int64_t bit_failed = status_bits::failed;
constexpr std::int64_t bit_error = status_bits::error;
constexpr std::int64_t bit_uses_backoff = status_bits::uses_backoff;
constexpr std::int64_t bit_does_not_advance_backoff =
    status_bits::does_not_advance_backoff;
constexpr std::int64_t bit_overwriteable = status_bits::overwriteable;

constexpr std::size_t max_quoted_bytes = 200;

std::string_view trim(std::string_view s) {
  constexpr std::string_view space = " \t\r\n\v\f";
  auto begin = s.find_first_not_of(space);
  if (begin == std::string_view::npos) return {};
  auto end = s.find_last_not_of(space);
  return s.substr(begin, end - begin + 1);
}

// The first `max_quoted_bytes` bytes, never splitting a UTF-8 sequence.
std::string_view quote_prefix(std::string_view s) {
  if (s.size() <= max_quoted_bytes) return s;
  auto end = max_quoted_bytes;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

parsed_status unparseable(std::string_view line) {
  parsed_status status;
  status.label = status_label::error_backoff;
  status.message = "cannot parse status: ";
  status.message += quote_prefix(line);
  return status;
}

// Only the combinations a task can sensibly report. Overwriteable is
// accepted and ignored: a task's own status is always the real one.
std::optional<status_label> label_from_bits(std::int64_t bits) {
  switch (bits & ~bit_overwriteable) {
    case bit_done:
      return status_label::done;
    case bit_incomplete:
      return status_label::incomplete;
    case bit_incomplete | bit_uses_backoff | bit_does_not_advance_backoff:
      return status_label::incomplete_backoff;
    case bit_failed:
      return status_label::failed;
    case bit_error | bit_uses_backoff:
      return status_label::error_backoff;
    default:
      return std::nullopt;
  }
}

std::optional<status_label> label_from_json(const boost::json::object& obj) {
  // Like Bistro, result_bits wins over result when both are present.
  if (const auto* bits = obj.if_contains("result_bits")) {
    if (bits->is_int64()) return label_from_bits(bits->as_int64());
    if (bits->is_uint64() && bits->as_uint64() <= INT64_MAX) {
      return label_from_bits(static_cast<std::int64_t>(bits->as_uint64()));
    }
    return std::nullopt;
  }
  if (const auto* result = obj.if_contains("result")) {
    if (!result->is_string()) return std::nullopt;
    auto label = status_label_from_string(result->as_string());
    if (label && is_task_reported(*label)) return label;
  }
  return std::nullopt;
}

/// Whether every number in `v` is finite: Boost.JSON reads a number past
/// the double range (1e400) as infinity and writes it back as `Infinity`,
/// which is not JSON.
bool numbers_finite(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& x : v.get_array())
        if (!numbers_finite(x)) return false;
      return true;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object())
        if (!numbers_finite(kv.value())) return false;
      return true;
    default:
      return true;
  }
}

bool is_empty_data(const boost::json::value& data) {
  return data.is_null() || (data.is_object() && data.as_object().empty());
}

}  // namespace

std::string_view to_string(status_label label) {
  auto index = static_cast<std::size_t>(label);
  return index < label_names.size() ? label_names[index] : "unknown";
}

std::optional<status_label> status_label_from_string(std::string_view name) {
  if (name == "backoff") return status_label::error_backoff;
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    if (label_names[i] == name) return static_cast<status_label>(i);
  }
  return std::nullopt;
}

bool is_task_reported(status_label label) {
  switch (label) {
    case status_label::done:
    case status_label::incomplete:
    case status_label::incomplete_backoff:
    case status_label::error_backoff:
    case status_label::failed:
      return true;
    default:
      return false;
  }
}

parsed_status parse_status_line(std::string_view line) {
  auto text = trim(line);
  if (auto label = status_label_from_string(text)) {
    if (is_task_reported(*label)) return parsed_status{*label, {}, {}};
    return unparseable(text);
  }
  std::error_code ec;
  auto json = boost::json::parse(text, ec);
  if (ec || !json.is_object()) return unparseable(text);
  const auto& obj = json.as_object();
  auto label = label_from_json(obj);
  if (!label) return unparseable(text);
  parsed_status status{*label, {}, {}};
  if (const auto* data = obj.if_contains("data");
      data && !is_empty_data(*data)) {
    if (!numbers_finite(*data)) {
      auto bad = unparseable(text);
      bad.message =
          "cannot parse status: a number in its data is out of the double "
          "range: " +
          std::string{quote_prefix(text)};
      return bad;
    }
    status.data = boost::json::serialize(*data);
  }
  return status;
}

boost::json::object status_to_json(const status_record& status) {
  boost::json::object out;
  out["label"] = to_string(status.label);
  if (status.updated_ms != 0) out["time_ms"] = status.updated_ms;
  if (!status.data.empty()) {
    std::error_code ec;
    auto data = boost::json::parse(status.data, ec);
    if (ec) {
      out["data"] = status.data;
    } else {
      out["data"] = std::move(data);
    }
  }
  if (!status.message.empty()) out["message"] = status.message;
  if (status.backoff_step != 0) out["backoff_step"] = status.backoff_step;
  if (status.backoff_until_ms != 0) {
    out["backoff_until_ms"] = status.backoff_until_ms;
  }
  if (status.overwriteable) out["overwriteable"] = true;
  return out;
}

std::int64_t bistro_status_bits(status_label label, bool overwriteable) {
  // Bistro has no status for a task that never ran; as prev_status it is
  // "unstarted".
  std::int64_t bits = label == status_label::never_started
                          ? status_bits::unstarted
                          : status_bits::of_label(label);
  return overwriteable ? bits | bit_overwriteable : bits;
}

std::string bistro_prev_status(const status_record& status) {
  prior_status prior{
      status.label,      status.backoff_step,  status.backoff_until_ms,
      status.updated_ms, status.overwriteable, status.message};
  if (status.label == status_label::running) {
    if (!status.before_run) return {};
    prior = *status.before_run;
  }
  if (prior.label == status_label::never_started && status.data.empty() &&
      prior.message.empty()) {
    return {};
  }
  boost::json::object out;
  out["result_bits"] = bistro_status_bits(prior.label, prior.overwriteable);
  if (!status.data.empty()) {
    std::error_code ec;
    auto data = boost::json::parse(status.data, ec);
    if (ec) {
      out["data"] = status.data;
    } else {
      out["data"] = std::move(data);
    }
  } else if (!prior.message.empty()) {
    out["data"] = boost::json::object{{"exception", prior.message}};
  }
  out["time"] = prior.updated_ms / 1000;
  if ((bistro_status_bits(prior.label, false) & bit_uses_backoff) != 0 &&
      prior.backoff_until_ms > prior.updated_ms) {
    out["backoff_duration"] =
        (prior.backoff_until_ms - prior.updated_ms) / 1000;
  }
  return boost::json::serialize(out);
}

}  // namespace bistro
