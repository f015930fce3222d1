#include "relay_support.h"

#include <arpa/inet.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <thread>

#include "support/http_client.h"
#include "support/kafka_client.h"
#include "support/test_env.h"

namespace sd::itest {
namespace {

std::uint16_t port_of(const std::string& host_port) {
  auto colon = host_port.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::atoi(host_port.c_str() + colon + 1));
}

std::vector<std::string> relay_argv(const env_list& sets) {
  std::vector<std::string> argv{streamdown_binary(), "relay"};
  for (const auto& [k, v] : sets) {
    argv.push_back("--set");
    argv.push_back(k + "=" + v);
  }
  return argv;
}

}  // namespace

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw harness_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) throw harness_error("no free loopback port");
  return ntohs(a.sin_port);
}

relay_process::relay_process(env_list sets, env_list env) : _sets(std::move(sets)), _env(std::move(env)) {
  auto has = [this](const std::string& k) {
    return std::any_of(_sets.begin(), _sets.end(), [&](const auto& kv) { return kv.first == k; });
  };
  _spool_dir = _dir.path() + "/spool";
  if (!has("spool.dir")) _sets.emplace_back("spool.dir", _spool_dir);
  else for (const auto& [k, v] : _sets) if (k == "spool.dir") _spool_dir = v;
  if (!has("http.addr")) _sets.emplace_back("http.addr", "127.0.0.1:0");
  if (!has("relay.id")) _sets.emplace_back("relay.id", "itest-relay");
}

relay_process::~relay_process() {
  if (_pid > 0) kill9();
}

void relay_process::start(const std::string& stdin_path) {
  const std::string out = _dir.path() + "/stdout.log";
  command cmd;
  cmd.argv = relay_argv(_sets);
  // After the first start, reuse the bound HTTP port so clients keep their address.
  if (_http_port != 0)
    for (std::size_t i = 0; i + 1 < cmd.argv.size(); ++i)
      if (cmd.argv[i + 1] == "http.addr=127.0.0.1:0") cmd.argv[i + 1] = "http.addr=127.0.0.1:" + std::to_string(_http_port);
  cmd.env = _env;
  cmd.stdin_path = stdin_path;
  cmd.stdout_path = out;
  cmd.stderr_path = _dir.path() + "/stderr.log";
  cmd.append_output = true;
  const auto before = read_file(out).size();
  _pid = spawn(cmd);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = read_file(out).substr(before);
    auto pos = text.find("relay ready http=");
    if (pos != std::string::npos && text.find('\n', pos) != std::string::npos) {
      std::istringstream line(text.substr(pos, text.find('\n', pos) - pos));
      std::string word;
      line >> word;  // relay
      line >> word;  // ready
      while (line >> word) {
        auto eq = word.find('=');
        if (eq == std::string::npos) continue;
        if (word.substr(0, eq) == "http") _http_port = port_of(word.substr(eq + 1));
        else _source_ports[word.substr(0, eq)] = port_of(word.substr(eq + 1));
      }
      return;
    }
    auto e = poll_exit(_pid);
    if (!e.timed_out) {
      _pid = -1;
      throw harness_error("relay exited before ready (" + e.describe() + "): " + tail(stderr_text()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  throw harness_error("relay not ready within 30 s: " + tail(stderr_text()));
}

void relay_process::kill9() {
  if (_pid <= 0) return;
  ::kill(_pid, SIGKILL);
  (void)wait_for_exit(_pid, std::chrono::seconds(30));
  _pid = -1;
}

exit_info relay_process::stop() {
  if (_pid <= 0) return {};
  ::kill(_pid, SIGTERM);
  auto e = wait_for_exit(_pid, std::chrono::seconds(30));
  if (e.timed_out) {
    ::kill(_pid, SIGKILL);
    (void)wait_for_exit(_pid, std::chrono::seconds(30));
  }
  _pid = -1;
  return e;
}

std::uint16_t relay_process::source_port(const std::string& name) const {
  auto it = _source_ports.find(name);
  return it == _source_ports.end() ? 0 : it->second;
}

std::string relay_process::stderr_text() const { return read_file(_dir.path() + "/stderr.log"); }

exit_info relay_process::run_to_exit(const env_list& sets, std::string& stderr_out, std::chrono::milliseconds timeout) {
  test::temp_dir dir;
  command cmd;
  cmd.argv = relay_argv(sets);
  cmd.stderr_path = dir.path() + "/stderr.log";
  auto e = run_command(cmd, timeout);
  stderr_out = read_file(cmd.stderr_path);
  return e;
}

std::string dechunk(const std::string& chunked) {
  std::string out;
  std::size_t pos = 0;
  while (pos < chunked.size()) {
    const auto eol = chunked.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const auto size = std::strtoul(chunked.c_str() + pos, nullptr, 16);
    if (size == 0) break;
    out.append(chunked, eol + 2, size);
    pos = eol + 2 + size + 2;
  }
  return out;
}

http_result http_post(std::uint16_t port, const std::string& path, const std::string& body,
                      const std::string& content_type, const std::vector<std::pair<std::string, std::string>>& headers,
                      std::chrono::milliseconds timeout) {
  http_result out;
  int fd = connect_loopback(port);
  if (fd < 0) return out;
  std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: " +
                    content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  req += body;
  std::size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before reading everything
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[8192];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto sp = raw.find(' ');
  auto hdr_end = raw.find("\r\n\r\n");
  if (sp == std::string::npos || hdr_end == std::string::npos) return out;
  out.status = std::atoi(raw.c_str() + sp + 1);
  out.body = raw.substr(hdr_end + 4);
  std::istringstream hs(raw.substr(0, hdr_end));
  std::string line;
  std::getline(hs, line);
  while (std::getline(hs, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r')) value.pop_back();
    out.headers[name] = value;
  }
  if (out.headers["transfer-encoding"] == "chunked") out.body = dechunk(out.body);
  return out;
}

std::optional<std::string> upstream_record::header(const std::string& name) const {
  std::optional<std::string> v;
  for (const auto& [k, val] : headers)
    if (k == name) v = val;
  return v;
}

std::vector<upstream_record> read_upstream(const std::string& bootstrap, const std::string& topic,
                                           std::chrono::milliseconds timeout) {
  const auto partitions = partition_count(bootstrap, topic);
  const auto ends = high_watermarks(bootstrap, topic, partitions);
  auto conf = make_conf({{"bootstrap.servers", bootstrap}, {"group.id", "itest-relay-reader"},
                         {"enable.auto.commit", "false"}, {"enable.partition.eof", "false"}});
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw harness_error("consumer: " + err);
  std::vector<RdKafka::TopicPartition*> parts;
  std::int64_t remaining = 0;
  for (std::int32_t p = 0; p < partitions; ++p) {
    if (ends[static_cast<std::size_t>(p)] == 0) continue;
    parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
    remaining += ends[static_cast<std::size_t>(p)];
  }
  std::vector<upstream_record> out;
  if (!parts.empty()) {
    c->assign(parts);
    std::vector<std::int64_t> next(static_cast<std::size_t>(partitions), 0);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto done = [&] {
      for (std::int32_t p = 0; p < partitions; ++p)
        if (next[static_cast<std::size_t>(p)] < ends[static_cast<std::size_t>(p)]) return false;
      return true;
    };
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::unique_ptr<RdKafka::Message> m(c->consume(200));
      if (m->err() != RdKafka::ERR_NO_ERROR) continue;
      upstream_record r;
      r.partition = m->partition();
      r.offset = m->offset();
      if (m->key()) r.key = *m->key();
      if (m->payload()) r.value = std::string(static_cast<const char*>(m->payload()), m->len());
      if (auto* h = m->headers())
        for (const auto& hh : h->get_all())
          r.headers.emplace_back(hh.key(), std::string(static_cast<const char*>(hh.value()), hh.value_size()));
      next[static_cast<std::size_t>(r.partition)] = r.offset + 1;
      out.push_back(std::move(r));
    }
    for (auto* p : parts) delete p;
  }
  c->close();
  return out;
}

}  // namespace sd::itest
