// sd_bench_sync_modes: what one group-commit round over several files costs on this disk, by the way the files
// are made durable. Each round appends --record bytes to each of --files files in --dir, then makes them
// durable by one of:
//   one      only the first file is written and fdatasync'd (the single-file reference)
//   serial   fdatasync of each file, one after the other, on this thread
//   threads  fdatasync of each file in parallel: this thread and files-1 helper threads (the broker's
//            sync_pool when syncfs is not used)
//   syncfs   one syncfs on the first file's filesystem (storage/filesystem_sync.h)
// The modes given by --modes run in turn, --repeat times (alternating, so a drift of the shared disk hits all
// of them). One JSON line per run:
//   {"mode":M,"files":F,"rounds":R,"latency_us":{"p50":..,"p99":..},"cpu_us_per_round":C,"voluntary_switches":V}
// cpu_us_per_round and voluntary_switches are this process's (all threads) per run, from getrusage.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

/// files-1 helper threads that fdatasync the files of a round with the caller (like storage/sync_pool).
class parallel_sync {
 public:
  // _next starts at the end: a worker that starts before the first round must find nothing to do (it once
  // took file 0 early, and the round's count of files left then never reached 0).
  explicit parallel_sync(std::vector<int> fds) : _fds(std::move(fds)), _next(_fds.size()) {
    for (std::size_t i = 1; i < _fds.size(); ++i) _threads.emplace_back([this] { worker(); });
  }
  ~parallel_sync() {
    {
      std::lock_guard lk(_mu);
      _stop = true;
    }
    _work.notify_all();
    for (auto& t : _threads) t.join();
  }
  void round() {
    std::unique_lock lk(_mu);
    _next = 0;
    _left = _fds.size();
    _work.notify_all();
    while (run_one(lk)) {
    }
    _done.wait(lk, [&] { return _left == 0; });
  }

 private:
  bool run_one(std::unique_lock<std::mutex>& lk) {
    if (_next >= _fds.size()) return false;
    int fd = _fds[_next++];
    lk.unlock();
    if (::fdatasync(fd) != 0) std::perror("fdatasync");
    lk.lock();
    if (--_left == 0) _done.notify_all();
    return true;
  }
  void worker() {
    std::unique_lock lk(_mu);
    for (;;) {
      _work.wait(lk, [&] { return _stop || _next < _fds.size(); });
      if (_stop) return;
      run_one(lk);
    }
  }
  std::vector<int> _fds;
  std::mutex _mu;
  std::condition_variable _work, _done;
  std::size_t _next, _left = 0;
  bool _stop = false;
  std::vector<std::thread> _threads;
};

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

int run(const std::string& dir, const std::string& mode, int files, int rounds, long record) {
  std::vector<int> fds;
  for (int i = 0; i < files; ++i) {
    std::string path = dir + "/sd-sync-modes-" + std::to_string(i) + ".dat";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0) {
      std::perror(path.c_str());
      return 1;
    }
    fds.push_back(fd);
  }
  std::vector<char> buf(static_cast<std::size_t>(record), 'r');
  std::unique_ptr<parallel_sync> pool;
  if (mode == "threads") pool = std::make_unique<parallel_sync>(fds);
  std::vector<double> lat_us;
  lat_us.reserve(static_cast<std::size_t>(rounds));
  rusage r0{}, r1{};
  ::getrusage(RUSAGE_SELF, &r0);
  for (int r = 0; r < rounds; ++r) {
    const int written = mode == "one" ? 1 : files;
    for (int i = 0; i < written; ++i)
      if (::write(fds[static_cast<std::size_t>(i)], buf.data(), buf.size()) != record) {
        std::perror("write");
        return 1;
      }
    auto t0 = std::chrono::steady_clock::now();
    int rc = 0;
    if (mode == "one") rc = ::fdatasync(fds[0]);
    else if (mode == "serial") for (int fd : fds) rc |= ::fdatasync(fd);
    else if (mode == "threads") pool->round();
    else if (mode == "syncfs") rc = ::syncfs(fds[0]);
    if (rc != 0) {
      std::perror(mode.c_str());
      return 1;
    }
    lat_us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  ::getrusage(RUSAGE_SELF, &r1);
  pool.reset();
  for (int i = 0; i < files; ++i) {
    ::close(fds[static_cast<std::size_t>(i)]);
    ::unlink((dir + "/sd-sync-modes-" + std::to_string(i) + ".dat").c_str());
  }
  std::sort(lat_us.begin(), lat_us.end());
  auto q = [&](double f) { return lat_us[std::min(lat_us.size() - 1, static_cast<std::size_t>(f * static_cast<double>(lat_us.size())))]; };
  const double cpu = seconds_of(r1.ru_utime) - seconds_of(r0.ru_utime) + seconds_of(r1.ru_stime) - seconds_of(r0.ru_stime);
  std::printf("{\"mode\":\"%s\",\"files\":%d,\"rounds\":%d,\"latency_us\":{\"p50\":%.0f,\"p99\":%.0f},"
              "\"cpu_us_per_round\":%.1f,\"voluntary_switches\":%ld}\n",
              mode.c_str(), files, rounds, q(0.5), q(0.99), cpu / rounds * 1e6, r1.ru_nvcsw - r0.ru_nvcsw);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/tmp", modes = "one,serial,threads,syncfs";
  int files = 4, rounds = 2000, repeat = 2;
  long record = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--dir") dir = argv[i + 1];
    else if (k == "--modes") modes = argv[i + 1];
    else if (k == "--files") files = std::atoi(argv[i + 1]);
    else if (k == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (k == "--repeat") repeat = std::atoi(argv[i + 1]);
    else if (k == "--record") record = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: sd_bench_sync_modes --dir D [--modes one,serial,threads,syncfs] [--files 4] "
                           "[--rounds 2000] [--repeat 2] [--record 1024]\n");
      return 2;
    }
  }
  if (files < 1 || rounds < 1 || repeat < 1 || record < 1) return 2;
  for (int r = 0; r < repeat; ++r) {
    std::stringstream list(modes);
    for (std::string mode; std::getline(list, mode, ',');) {
      if (mode != "one" && mode != "serial" && mode != "threads" && mode != "syncfs") {
        std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
        return 2;
      }
      if (int rc = run(dir, mode, files, rounds, record); rc != 0) return rc;
    }
  }
  return 0;
}
