#include "tools/tools_support.h"

#include <arpa/inet.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <sstream>

#include "support/kafka_client.h"
#include "support/raw_client.h"
#include "support/wire.h"

namespace sd::itest {

std::string tool_run::describe() const {
  return exit.describe() + "\n--- stderr ---\n" + tail(err, 3000) + "\n--- stdout ---\n" + tail(out, 3000);
}

tool_run run_tool(const temp_dir& dir, const std::vector<std::string>& args, const std::string& stdin_text,
                  std::chrono::milliseconds timeout, const env_list& env) {
  static int counter = 0;
  const std::string base = dir.file("tool-" + std::to_string(++counter));
  write_file(base + ".in", stdin_text);
  command cmd;
  cmd.argv.push_back(streamdown_binary());
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.env = env;
  cmd.stdin_path = base + ".in";
  cmd.stdout_path = base + ".out";
  cmd.stderr_path = base + ".err";
  tool_run r;
  r.exit = run_command(cmd, timeout);
  r.out = read_file(base + ".out");
  r.err = read_file(base + ".err");
  return r;
}

pid_t start_tool(const temp_dir& dir, const std::vector<std::string>& args, const std::string& out_name,
                 const env_list& env) {
  command cmd;
  cmd.argv.push_back(streamdown_binary());
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.env = env;
  cmd.stdout_path = dir.file(out_name);
  cmd.stderr_path = dir.file(out_name + ".err");
  return spawn(cmd);
}

bool broker_has_groups(const broker_process& b) {
  raw_client c(b.kafka_port());
  if (!c.send_all(wire::request_frame(wire::api::api_versions, 0, 1, "sd-itest", {}))) return false;
  auto r = c.receive_frame(std::chrono::seconds(10));
  if (r.st != raw_client::status::frame) return false;
  auto v = wire::parse_api_versions_v0(r.payload);
  return v && v->find(11).has_value();
}

std::vector<std::int64_t> committed_offsets(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, std::int32_t partitions) {
  auto values = client_defaults(bootstrap);
  values["group.id"] = group;
  values["enable.auto.commit"] = "false";
  auto conf = make_conf(values);
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) throw harness_error("consumer: " + err);
  std::vector<RdKafka::TopicPartition*> list;
  for (std::int32_t p = 0; p < partitions; ++p) list.push_back(RdKafka::TopicPartition::create(topic, p));
  auto e = c->committed(list, 20000);
  std::vector<std::int64_t> out;
  for (auto* tp : list) out.push_back(tp->offset() < 0 ? -1 : tp->offset());
  RdKafka::TopicPartition::destroy(list);
  c->close();
  if (e != RdKafka::ERR_NO_ERROR) throw harness_error("committed(): " + RdKafka::err2str(e));
  return out;
}

std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw harness_error("cannot find a free port");
  ::close(fd);
  return ntohs(a.sin_port);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::optional<std::string> http_get(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto body = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.1 200", 0) != 0 || body == std::string::npos) return std::nullopt;
  return resp.substr(body + 4);
}

}  // namespace sd::itest
