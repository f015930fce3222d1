// sd_bench_disk_sync: the data disk's durable-write limits for bench/run-all. Appends blocks of --block bytes
// to a fresh file in --dir and fdatasyncs after each, for --seconds (at most --max-bytes), then prints
//   {"block":B,"ops":N,"ops_per_s":X,"mb_per_s":Y,"latency_us":{"p50":..,"p99":..,"p999":..,"max":..}}
// ops_per_s at 4 KiB is the fdatasync rate; mb_per_s at 64 KiB is the fdatasync'd write bandwidth; latency_us
// is one write + fdatasync, the floor under any acks=all answer on this disk.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::string dir = "/tmp";
  long block = 4096;
  double seconds = 2.0;
  long long max_bytes = 1ll << 30;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--dir") dir = argv[i + 1];
    else if (k == "--block") block = std::atol(argv[i + 1]);
    else if (k == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (k == "--max-bytes") max_bytes = std::atoll(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: sd_bench_disk_sync --dir D --block B --seconds S [--max-bytes N]\n");
      return 2;
    }
  }
  if (block <= 0 || seconds <= 0) return 2;
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
