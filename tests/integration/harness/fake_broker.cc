// A stand-in for `streamdown broker` used only to test the harness itself: it honours the start-up contract
// (--data-dir, --kafka-addr, --http-addr, the listening line, SIGTERM -> exit 0) and echoes every
// size-prefixed frame back. FAKE_MODE selects misbehaviour: "exit3" (fail at start-up with a message),
// "silent" (never print the listening line), "ignore_term" (ignore SIGTERM).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
volatile sig_atomic_t g_stop = 0;
void on_term(int) { g_stop = 1; }

int listen_on(const std::string& addr, int& port_out) {
  auto colon = addr.rfind(':');
  int port = std::atoi(addr.substr(colon + 1).c_str());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 16) != 0) {
    std::fprintf(stderr, "fake: cannot listen on %s: %s\n", addr.c_str(), std::strerror(errno));
    std::exit(4);
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port_out = ntohs(sa.sin_port);
  return fd;
}

bool read_exact(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

void echo_frames(int fd) {
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, 100);
    if (g_stop) return;
    if (n <= 0) continue;  // timeout, or EINTR from the SIGTERM handler (then g_stop is set)
    char len_buf[4];
    if (!read_exact(fd, len_buf, 4)) return;
    std::uint32_t len = ntohl(*reinterpret_cast<std::uint32_t*>(len_buf));
    if (len > (1u << 20)) return;  // close on oversized frames
    std::vector<char> buf(4 + len);
    std::memcpy(buf.data(), len_buf, 4);
    if (!read_exact(fd, buf.data() + 4, len)) return;
    if (::send(fd, buf.data(), buf.size(), MSG_NOSIGNAL) < 0) return;
  }
}
}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, kafka = "127.0.0.1:0", http = "127.0.0.1:0";
  for (int i = 1; i + 1 < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data-dir") data_dir = argv[++i];
    else if (a == "--kafka-addr") kafka = argv[++i];
    else if (a == "--http-addr") http = argv[++i];
  }
  const char* mode_env = std::getenv("FAKE_MODE");
  std::string mode = mode_env ? mode_env : "";
  if (mode == "exit3") {
    std::fprintf(stderr, "fake: refusing to start: unknown config key 'fake.key'\n");
    return 3;
  }
  if (!data_dir.empty()) ::mkdir(data_dir.c_str(), 0755);
  struct sigaction sa{};
  sa.sa_handler = mode == "ignore_term" ? SIG_IGN : on_term;
  ::sigaction(SIGTERM, &sa, nullptr);
  int kport = 0, hport = 0;
  int kfd = listen_on(kafka, kport);
  int hfd = listen_on(http, hport);
  if (mode == "silent") {
    for (;;) ::pause();
  }
  std::printf("fake broker starting\nlistening kafka=127.0.0.1:%d http=127.0.0.1:%d\n", kport, hport);
  std::fflush(stdout);
  while (!g_stop) {
    pollfd p{kfd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int c = ::accept(kfd, nullptr, nullptr);
    if (c < 0) continue;
    echo_frames(c);
    ::close(c);
  }
  std::fprintf(stderr, "fake: clean shutdown\n");
  ::close(kfd);
  ::close(hfd);
  return 0;
}
