#pragma once
// CPU time of a process from /proc/PID/stat (utime + stime, all its threads), for "CPU seconds per GB".

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace sd::benchtool {

/// Parses the text of /proc/PID/stat and returns utime + stime in clock ticks. The command name (field 2) is
/// in parentheses and may itself contain spaces and ')', so fields are counted from the last ')'.
/// nullopt when the text is malformed.
std::optional<unsigned long long> parse_stat_cpu_ticks(std::string_view stat_text);

/// CPU seconds used so far by process `pid` (user + system); nullopt when it cannot be read.
std::optional<double> process_cpu_seconds(pid_t pid);

/// CPU seconds used so far by this process, all threads (getrusage).
double self_cpu_seconds();

}  // namespace sd::benchtool
