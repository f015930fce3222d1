// sd_bench_disk_sync: the data disk's durable-write limits for bench/run-all. Appends blocks of --block bytes
// to a fresh file in --dir and fdatasyncs after each, for --seconds (at most --max-bytes), then prints
//   {"block":B,"ops":N,"ops_per_s":X,"mb_per_s":Y,"latency_us":{"p50":..,"p99":..,"p999":..,"max":..}}
// ops_per_s at 4 KiB is the fdatasync rate; mb_per_s at 64 KiB is the fdatasync'd write bandwidth; latency_us
// is one write + fdatasync, the floor under any acks=all answer on this disk.
//
// With --rate R (records per second) and --record B, it is instead an open-loop group-commit loop, the physical
// floor under an acks=all broker at that rate: records "arrive" on a fixed schedule (one every 1/R s, as
// `streamdown bench latency` sends them); one writer appends every record that has arrived in one write,
// fdatasyncs, and counts each record's latency from its arrival time to the end of that sync (a record that
// arrives during a sync waits for the next one, as in a broker's group commit). It prints
//   {"rate":R,"record":B,"records":N,"syncs":S,"latency_us":{"p50":..,"p99":..,"p999":..,"max":..}}
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

double quantile(const std::vector<double>& sorted, double f) {
  if (sorted.empty()) return 0.0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(f * static_cast<double>(sorted.size())))];
}

// The open-loop group-commit floor (see the file comment). Returns the process exit code.
int group_commit_loop(const std::string& dir, double rate, long record, double seconds, long long max_bytes) {
  std::string path = dir + "/sd-group-commit.dat";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    return 1;
  }
  using clock = std::chrono::steady_clock;
  const auto interval = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / rate));
  const auto total = static_cast<long long>(rate * seconds);
  std::vector<char> buf;
  std::vector<double> lat_us;
  lat_us.reserve(static_cast<std::size_t>(total));
  const auto t0 = clock::now();
  long long arrived = 0;  // records whose arrival time has passed and that were written
  long long syncs = 0, bytes = 0;
  while (arrived < total && bytes + record <= max_bytes) {
    auto next_arrival = t0 + interval * arrived;
    auto now = clock::now();
    if (now < next_arrival) {
      std::this_thread::sleep_until(next_arrival);
      now = clock::now();
    }
    // Every record due by now goes into this write.
    auto due = std::min<long long>(total, (now - t0) / interval + 1);
    due = std::min<long long>(due, arrived + (max_bytes - bytes) / record);
    const auto n = due - arrived;
    buf.resize(static_cast<std::size_t>(n * record), 'r');
    if (::write(fd, buf.data(), buf.size()) != static_cast<ssize_t>(buf.size()) || ::fdatasync(fd) != 0) {
      std::perror("write/fdatasync");
      return 1;
    }
    const auto done = clock::now();
    for (long long i = arrived; i < due; ++i)
      lat_us.push_back(std::chrono::duration<double, std::micro>(done - (t0 + interval * i)).count());
    arrived = due;
    bytes += n * record;
    ++syncs;
  }
  ::close(fd);
  ::unlink(path.c_str());
  std::sort(lat_us.begin(), lat_us.end());
  std::printf("{\"rate\":%.0f,\"record\":%ld,\"records\":%lld,\"syncs\":%lld,"
              "\"latency_us\":{\"p50\":%.0f,\"p99\":%.0f,\"p999\":%.0f,\"max\":%.0f}}\n",
              rate, record, arrived, syncs, quantile(lat_us, 0.5), quantile(lat_us, 0.99), quantile(lat_us, 0.999),
              lat_us.empty() ? 0.0 : lat_us.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp";
  long block = 4096;
  double seconds = 2.0;
  long long max_bytes = 1ll << 30;
  double rate = 0;
  long record = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--dir") dir = argv[i + 1];
    else if (k == "--block") block = std::atol(argv[i + 1]);
    else if (k == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (k == "--max-bytes") max_bytes = std::atoll(argv[i + 1]);
    else if (k == "--rate") rate = std::atof(argv[i + 1]);
    else if (k == "--record") record = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: sd_bench_disk_sync --dir D (--block B | --rate R [--record B]) --seconds S [--max-bytes N]\n");
      return 2;
    }
  }
  if (block <= 0 || seconds <= 0 || rate < 0 || record <= 0) return 2;
  if (rate > 0) return group_commit_loop(dir, rate, record, seconds, max_bytes);
  std::string path = dir + "/sd-disk-sync.dat";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    return 1;
  }
  std::vector<char> buf(static_cast<std::size_t>(block));
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131 + 7);
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  auto end = t0 + std::chrono::duration<double>(seconds);
  long long ops = 0, bytes = 0;
  std::vector<double> lat_us;
  lat_us.reserve(1 << 16);
  for (auto now = clock::now(); now < end && bytes + block <= max_bytes;) {
    if (::write(fd, buf.data(), buf.size()) != block || ::fdatasync(fd) != 0) {
      std::perror("write/fdatasync");
      return 1;
    }
    auto after = clock::now();
    lat_us.push_back(std::chrono::duration<double, std::micro>(after - now).count());
    now = after;
    ++ops;
    bytes += block;
  }
  std::sort(lat_us.begin(), lat_us.end());
  auto q = [&](double f) {
    if (lat_us.empty()) return 0.0;
    return lat_us[std::min(lat_us.size() - 1, static_cast<std::size_t>(f * static_cast<double>(lat_us.size())))];
  };
  double s = std::chrono::duration<double>(clock::now() - t0).count();
  ::close(fd);
  ::unlink(path.c_str());
  std::printf("{\"block\":%ld,\"ops\":%lld,\"ops_per_s\":%.1f,\"mb_per_s\":%.2f,"
              "\"latency_us\":{\"p50\":%.0f,\"p99\":%.0f,\"p999\":%.0f,\"max\":%.0f}}\n",
              block, ops, ops / s, bytes / s / 1e6, q(0.5), q(0.99), q(0.999), lat_us.empty() ? 0.0 : lat_us.back());
  return 0;
}
