// sd_bench_ingest_floor: the CPU floor under any broker that takes produced bytes from a TCP socket and writes
// them through the page cache, on this machine. It is the reference for the "broker CPU per GB at acks=1"
// goal (docs/BENCHMARKS.md, "Produce goals"): a broker cannot do less than what this loop does per byte.
//
// A sender thread writes --chunk bytes at a time (default 1 MiB, the size of one librdkafka batch at
// linger 5 ms) to a loopback TCP connection for --seconds (at most --max-bytes). A receiver thread reads
// them, and per --mode does:
//   recv         nothing else (the socket's copy into user memory)
//   crc          recv + CRC-32C over every byte (a broker must check each batch's CRC)
//   overwrite    recv + CRC + pwrite into a file of --window bytes in --dir, round and round, written once
//                before the clock starts: every write lands in a page already in the page cache, so this is
//                the copy without page allocation or writeback, the least any page-cache writer pays
//   write        recv + CRC + pwrite appends to a fresh file in --dir, and, as the broker's page-cache window
//                does, POSIX_FADV_DONTNEED of what lies more than --window bytes behind the end (which starts
//                the writeback of those pages on the receiver's thread). Advised pages that are still dirty
//                stay cached, so this pays for fresh pages: a naive writer, not a floor
//   direct       recv + CRC + a copy into a 4 KiB-aligned buffer + pwrite appending with O_DIRECT: no page
//                cache at all, what a storage engine with its own cache (Redpanda's kind) pays per byte. The
//                write waits for the device (one thread, no queue), so its MB/s is the disk's at one write
//                in flight, not an engine's; its CPU per GB is the figure to read
// The modes given by --modes run in turn, --repeat times (alternating, so a drift of the machine hits all of
// them). One JSON line per run:
//   {"mode":M,"bytes":N,"seconds":S,"mb_per_s":X,"receiver_cpu_s_per_gb":R,"sender_cpu_s_per_gb":W}
// --receiver-cpu / --sender-cpu pin the two threads (bench/produce-goals' pinned mode puts the receiver on the
// servers' core and the sender on the client's); by default neither is pinned.
// CPU is each thread's own (CLOCK_THREAD_CPUTIME_ID), per 1e9 bytes; the kernel's own writeback threads are
// not counted, as they are not counted in a broker's process CPU either. The file is removed after each run.
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/crc32c.h"

namespace {

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct options {
  std::string dir = ".";
  std::vector<std::string> modes = {"recv", "crc", "overwrite", "write"};
  long chunk = 1 << 20;
  double seconds = 3;
  long long max_bytes = 4LL << 30;
  long long window = 256LL << 20;
  int repeat = 1;
  int receiver_cpu = -1;  // -1: not pinned
  int sender_cpu = -1;
};

/// Pins the calling thread to one CPU; cpu < 0 leaves it as it is.
void pin_this_thread(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (int rc = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set); rc != 0)
    std::fprintf(stderr, "pinning to cpu %d: %s\n", cpu, std::strerror(rc));
}

/// A connected loopback pair: {sender fd, receiver fd}; {-1, -1} on failure.
std::pair<int, int> loopback_pair() {
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (lfd < 0 || ::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 1) != 0 ||
      ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("listen");
    return {-1, -1};
  }
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    return {-1, -1};
  }
  int r = ::accept(lfd, nullptr, nullptr);
  ::close(lfd);
  if (r < 0) {
    std::perror("accept");
    return {-1, -1};
  }
  int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return {s, r};
}

int run(const options& o, const std::string& mode) {
  const bool crc = mode != "recv";
  const bool append = mode == "write";
  const bool overwrite = mode == "overwrite";
  const bool direct = mode == "direct";
  const bool write = append || overwrite || direct;
  auto [sfd, rfd] = loopback_pair();
  if (sfd < 0) return 1;
  const std::string path = o.dir + "/sd-ingest-floor.dat";
  int fd = -1;
  if (write) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | (direct ? O_DIRECT : 0), 0644);
    if (fd < 0) {
      std::perror(path.c_str());
      return 1;
    }
    if (overwrite) {  // every page of the window in the page cache before the clock starts
      std::vector<char> fill(1 << 20, 'f');
      for (long long at = 0; at < o.window; at += static_cast<long long>(fill.size()))
        if (::pwrite(fd, fill.data(), fill.size(), at) != static_cast<ssize_t>(fill.size())) {
          std::perror("pwrite");
          return 1;
        }
    }
  }
  std::atomic<double> sender_cpu{0};
  std::thread sender([&, sfd = sfd] {
    pin_this_thread(o.sender_cpu);
    std::vector<char> buf(static_cast<std::size_t>(o.chunk), 'v');
    const double c0 = thread_cpu_seconds();
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.seconds);
    long long sent = 0;
    while (sent + o.chunk <= o.max_bytes && std::chrono::steady_clock::now() < end) {
      long off = 0;
      while (off < o.chunk) {
        ssize_t n = ::send(sfd, buf.data() + off, static_cast<std::size_t>(o.chunk - off), MSG_NOSIGNAL);
        if (n <= 0) {
          std::perror("send");
          std::exit(1);
        }
        off += n;
      }
      sent += o.chunk;
    }
    sender_cpu = thread_cpu_seconds() - c0;
    ::shutdown(sfd, SHUT_WR);
  });

  std::vector<char> buf(static_cast<std::size_t>(o.chunk));
  // direct: the aligned buffer the bytes are copied into (a request's batches sit at any offset in it).
  constexpr std::size_t k_block = 4096;
  std::unique_ptr<char, decltype(&std::free)> aligned(
      direct ? static_cast<char*>(std::aligned_alloc(k_block, static_cast<std::size_t>(o.chunk))) : nullptr, &std::free);
  if (direct && !aligned) {
    std::perror("aligned_alloc");
    std::exit(1);  // the sender thread is running: end the process, as its own errors do
  }
  pin_this_thread(o.receiver_cpu);
  std::uint32_t sum = 0;
  long long received = 0, advised = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = thread_cpu_seconds();
  for (;;) {
    // One chunk at a time, like a broker reading one request: fill the buffer, then process it.
    long have = 0;
    while (have < o.chunk) {
      ssize_t n = ::recv(rfd, buf.data() + have, static_cast<std::size_t>(o.chunk - have), 0);
      if (n < 0) {
        std::perror("recv");
        return 1;
      }
      if (n == 0) break;
      have += n;
    }
    if (have == 0) break;
    if (crc)
      sum = sd::crc32c::extend(sum, reinterpret_cast<const std::uint8_t*>(buf.data()), static_cast<std::size_t>(have));
    if (direct) {
      // Whole blocks only: a short last chunk (the sender's end) is left out of the file, not of the figures.
      const auto whole = static_cast<std::size_t>(have) / k_block * k_block;
      std::memcpy(aligned.get(), buf.data(), static_cast<std::size_t>(have));
      if (whole > 0 && ::pwrite(fd, aligned.get(), whole, received) != static_cast<ssize_t>(whole)) {
        std::perror("pwrite O_DIRECT");
        std::exit(1);  // the sender thread is running: end the process, as its own errors do
      }
    } else if (write) {
      const long long at = overwrite ? received % (o.window - o.window % o.chunk) : received;
      if (::pwrite(fd, buf.data(), static_cast<std::size_t>(have), at) != have) {
        std::perror("pwrite");
        return 1;
      }
      if (append && received + have - advised > o.window + (16LL << 20)) {
        const long long upto = received + have - o.window;
        ::posix_fadvise(fd, advised, upto - advised, POSIX_FADV_DONTNEED);
        advised = upto;
      }
    }
    received += have;
  }
  const double receiver_cpu = thread_cpu_seconds() - c0;
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sender.join();
  ::close(sfd);
  ::close(rfd);
  if (fd >= 0) {
    ::close(fd);
    ::unlink(path.c_str());
  }
  const double gb = static_cast<double>(received) / 1e9;
  std::printf(
      "{\"mode\":\"%s\",\"bytes\":%lld,\"seconds\":%.3f,\"mb_per_s\":%.1f,\"receiver_cpu_s_per_gb\":%.3f,"
      "\"sender_cpu_s_per_gb\":%.3f,\"crc\":%u}\n",
      mode.c_str(), received, secs, static_cast<double>(received) / 1e6 / secs, receiver_cpu / gb,
      sender_cpu.load() / gb, sum);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") {
      o.dir = next();
    } else if (a == "--modes") {
      o.modes.clear();
      std::stringstream ss(next());
      for (std::string m; std::getline(ss, m, ',');) {
        if (m != "recv" && m != "crc" && m != "overwrite" && m != "write" && m != "direct") {
          std::fprintf(stderr, "unknown mode %s (recv, crc, overwrite, write, direct)\n", m.c_str());
          return 2;
        }
        o.modes.push_back(m);
      }
    } else if (a == "--chunk") {
      o.chunk = std::atol(next().c_str());
    } else if (a == "--seconds") {
      o.seconds = std::atof(next().c_str());
    } else if (a == "--max-bytes") {
      o.max_bytes = std::atoll(next().c_str());
    } else if (a == "--window") {
      o.window = std::atoll(next().c_str());
    } else if (a == "--receiver-cpu") {
      o.receiver_cpu = std::atoi(next().c_str());
    } else if (a == "--sender-cpu") {
      o.sender_cpu = std::atoi(next().c_str());
    } else if (a == "--repeat") {
      o.repeat = std::atoi(next().c_str());
    } else {
      std::fprintf(stderr,
                   "usage: sd_bench_ingest_floor [--dir D] [--modes recv,crc,overwrite,write,direct] [--chunk BYTES] [--seconds S] "
                   "[--max-bytes N] [--window BYTES] [--repeat N] [--receiver-cpu C] [--sender-cpu C]\n");
      return 2;
    }
  }
  if (o.chunk <= 0 || o.seconds <= 0 || o.repeat <= 0 || o.modes.empty() || o.window < o.chunk) {
    std::fprintf(stderr, "chunk, seconds and repeat must be positive, and the window at least one chunk\n");
    return 2;
  }
  if (o.chunk % 4096 != 0 && std::find(o.modes.begin(), o.modes.end(), "direct") != o.modes.end()) {
    std::fprintf(stderr, "--modes direct needs a chunk that is a multiple of 4096 (O_DIRECT writes whole blocks)\n");
    return 2;
  }
  for (int r = 0; r < o.repeat; ++r)
    for (const auto& m : o.modes)
      if (int rc = run(o, m); rc != 0) return rc;
  return 0;
}
