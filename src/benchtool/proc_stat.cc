#include "benchtool/proc_stat.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace sd::benchtool {

std::optional<unsigned long long> parse_stat_cpu_ticks(std::string_view text) {
  auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After ") " come fields 3 (state), 4, ... ; utime is field 14 and stime field 15.
  std::string_view rest = text.substr(close + 1);
  int field = 2;
  unsigned long long utime = 0, stime = 0;
  bool have_u = false, have_s = false;
  std::size_t i = 0;
  while (i < rest.size() && !(have_u && have_s)) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    if (i >= rest.size()) break;
    std::size_t j = i;
    while (j < rest.size() && rest[j] != ' ' && rest[j] != '\n') ++j;
    ++field;
    std::string_view tok = rest.substr(i, j - i);
    if (field == 14 || field == 15) {
      unsigned long long v = 0;
      auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
      if (ec != std::errc{} || p != tok.data() + tok.size()) return std::nullopt;
      (field == 14 ? utime : stime) = v;
      (field == 14 ? have_u : have_s) = true;
    }
    i = j;
    if (i < rest.size() && rest[i] == '\n') break;
  }
  if (!have_u || !have_s) return std::nullopt;
  return utime + stime;
}

std::optional<double> process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  auto ticks = parse_stat_cpu_ticks(ss.str());
  if (!ticks) return std::nullopt;
  long hz = ::sysconf(_SC_CLK_TCK);
  if (hz <= 0) hz = 100;
  return static_cast<double>(*ticks) / static_cast<double>(hz);
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

}  // namespace sd::benchtool
