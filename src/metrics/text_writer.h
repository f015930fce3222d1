#pragma once
// text_writer: builds a Prometheus text exposition (format 0.0.4) and refuses to build an invalid one.
//
// Contract (checked; a violation throws std::logic_error, since it is a programming error in a probe):
//   - family() starts a metric family: its name matches [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in `_total`,
//     each family name appears once per exposition, HELP and TYPE are written once, before its samples;
//   - samples belong to the family started last (families are never interleaved);
//   - label names match [a-zA-Z_][a-zA-Z0-9_]* and do not start with `__`; label values are escaped
//     (backslash, double quote, newline); one series (name + labels) appears once;
//   - histogram samples are written by histogram(): cumulative `_bucket{le=...}` in ascending order ending in
//     `le="+Inf"`, then `_sum` and `_count` (count == the +Inf bucket).
// Values are written so Prometheus parses them back exactly: integers without exponent when integral,
// "+Inf", "-Inf", "NaN" otherwise as needed.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "metrics/histogram.h"

namespace sd::metrics {

enum class metric_type { counter, gauge, histogram };

/// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);
/// [a-zA-Z_][a-zA-Z0-9_]*, not starting with `__` (reserved by Prometheus).
bool valid_label_name(std::string_view name);
/// Appends a sample value as text_writer writes it (integers exactly, shortest round-trip otherwise).
void append_value(std::string& out, double value);

struct label {
  std::string_view name;
  std::string_view value;
};

class text_writer {
 public:
  /// Starts a family (see the contract above).
  void family(std::string_view name, metric_type type, std::string_view help);
  /// One sample of the current counter or gauge family; the sample's name is the family's name.
  void sample(std::span<const label> labels, double value);
  void sample(double value) { sample({}, value); }
  /// The series of one histogram of the current histogram family.
  void histogram(std::span<const label> labels, const histogram_snapshot& h);

  const std::string& text() const { return _out; }
  std::string take() { return std::move(_out); }

 private:
  /// Checks the labels (valid, unique names) and returns the series identity (name + labels sorted by name).
  static std::string series_key(std::string_view name, std::span<const label> labels,
                                std::string_view extra_name, std::string_view extra_value);
  void write_series(std::string_view name, std::span<const label> labels, std::string_view extra_name,
                    std::string_view extra_value, double value);

  std::string _out;
  std::string _family;
  metric_type _type = metric_type::gauge;
  std::unordered_set<std::string> _families;  // every name a family owns (a histogram owns four)
  std::unordered_set<std::string> _series;
};

}  // namespace sd::metrics
