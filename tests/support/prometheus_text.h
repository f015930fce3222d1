#pragma once
// A strict parser of the Prometheus text exposition format 0.0.4, for tests. It checks what a scraper
// relies on and a bit more (this project's own conventions), and refuses the whole page at the first
// violation with the line number:
//   - every line is a sample, `# HELP name text`, `# TYPE name type`, another `#` comment, or empty;
//     the page ends with a newline;
//   - names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* (not `__`-prefixed), label
//   values
//     are quoted with only the escapes \\ \" \n, HELP text only the escapes \\ \n;
//   - a sample's family was declared by `# TYPE` BEFORE it (stricter than the format, which allows untyped);
//     types are counter, gauge, histogram, summary, untyped; HELP and TYPE at most once per family;
//   - a family's samples are contiguous (no interleaving), and no series (name + label set) repeats;
//   - values are floats (+Inf, -Inf and NaN spelled so), an optional timestamp is an integer;
//   - counters: name ends in `_total`, the sample's name is the family's, the value is >= 0 and not NaN;
//   - histograms: only name_bucket (with `le`), name_sum and name_count; per label set the `le` bounds
//     ascend strictly and end with +Inf, bucket counts are non-decreasing, _count equals the +Inf bucket,
//     and _sum and _count are present.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sd::testing::prom {

using label_set = std::map<std::string, std::string>;

struct sample {
  std::string name;
  label_set labels;
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
};

struct family {
  std::string name;
  std::string type;  // counter, gauge, histogram, summary, untyped
  std::string help;
  std::vector<sample> samples;
};

struct exposition {
  std::vector<family> families;

  const family* find_family(std::string_view name) const;
  /// The sample with exactly this name and label set, or nullopt.
  std::optional<double> value(std::string_view name, const label_set& labels = {}) const;
  /// Sum of the samples of this name whose labels include every pair of `subset` (0 when none match).
  double sum(std::string_view name, const label_set& subset = {}) const;
  /// Every sample of this name (any labels).
  std::vector<const sample*> samples(std::string_view name) const;
};

struct parse_error : std::runtime_error {
  parse_error(std::size_t line_, const std::string& what) : std::runtime_error(what), line(line_) {}
  std::size_t line;  // 1-based; 0 when the page as a whole is wrong (missing final newline)
};

/// Parses and validates a whole page; throws parse_error at the first violation.
exposition parse(std::string_view text);

/// The parse_error's message (with its line), or "" when the page is valid.
std::string parse_problem(std::string_view text);

}  // namespace sd::testing::prom
