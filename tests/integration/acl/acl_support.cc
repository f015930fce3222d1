#include "acl/acl_support.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <sstream>

#include "protocol/generated/create_acls.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/describe_acls.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/produce.h"
#include "protocol/generated/sasl_authenticate.h"
#include "protocol/generated/sasl_handshake.h"
#include "support/http_client.h"
#include "support/wire.h"

namespace sd::itest::acl {

using namespace std::chrono_literals;

bool is_authorization_error(std::int16_t code) {
  return code == err::topic_authorization_failed || code == err::group_authorization_failed ||
         code == err::cluster_authorization_failed || code == err::transactional_id_authorization_failed;
}

namespace {

struct named {
  const char* name;
  std::int8_t value;
};
constexpr named resource_names[] = {{"TOPIC", rt::topic},
                                    {"GROUP", rt::group},
                                    {"CLUSTER", rt::cluster},
                                    {"TRANSACTIONAL_ID", rt::transactional_id}};
constexpr named operation_names[] = {{"ALL", op::all},
                                     {"READ", op::read},
                                     {"WRITE", op::write},
                                     {"CREATE", op::create},
                                     {"DELETE", op::remove},
                                     {"ALTER", op::alter},
                                     {"DESCRIBE", op::describe},
                                     {"CLUSTER_ACTION", op::cluster_action},
                                     {"DESCRIBE_CONFIGS", op::describe_configs},
                                     {"ALTER_CONFIGS", op::alter_configs},
                                     {"IDEMPOTENT_WRITE", op::idempotent_write}};

/// "TransactionalId" -> "TRANSACTIONAL_ID", "describe-configs" -> "DESCRIBE_CONFIGS".
std::string upper_snake(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '-') {
      out += '_';
      continue;
    }
    if (std::isupper(c) && i > 0 && std::islower(static_cast<unsigned char>(s[i - 1]))) out += '_';
    out += static_cast<char>(std::toupper(c));
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

std::optional<std::int8_t> resource_type_of(const std::string& name) {
  auto n = upper_snake(name);
  for (const auto& r : resource_names)
    if (n == r.name) return r.value;
  return std::nullopt;
}

std::optional<std::int8_t> operation_of(const std::string& name) {
  auto n = upper_snake(name);
  for (const auto& o : operation_names)
    if (n == o.name) return o.value;
  return std::nullopt;
}

std::optional<std::int16_t> error_code_of(const std::string& name) {
  if (name == "TOPIC_AUTHORIZATION_FAILED") return err::topic_authorization_failed;
  if (name == "GROUP_AUTHORIZATION_FAILED") return err::group_authorization_failed;
  if (name == "CLUSTER_AUTHORIZATION_FAILED") return err::cluster_authorization_failed;
  if (name == "TRANSACTIONAL_ID_AUTHORIZATION_FAILED") return err::transactional_id_authorization_failed;
  return std::nullopt;
}

std::string resource_label(std::int8_t rtype) {
  for (const auto& r : resource_names)
    if (r.value == rtype) return r.name;
  return "type" + std::to_string(rtype);
}

std::string operation_label(std::int8_t operation) {
  for (const auto& o : operation_names)
    if (o.value == operation) return o.name;
  return "op" + std::to_string(operation);
}

// ---- ACLs, topics, records ----

std::string binding::describe() const {
  return std::string(permission == perm::deny ? "DENY " : "ALLOW ") + principal + " from " + host + " " +
         operation_label(operation) + " on " + resource_label(rtype) + ":" +
         (pattern_type == pattern::prefixed ? "PREFIXED:" : "") + name;
}

void create_acls(kafka_conn& admin, const std::vector<binding>& bindings) {
  protocol::create_acls_request req;
  for (const auto& b : bindings) {
    auto& c = req.creations.emplace_back();
    c.resource_type = b.rtype;
    c.resource_name = b.name;
    c.resource_pattern_type = b.pattern_type;
    c.principal = b.principal;
    c.host = b.host;
    c.operation = b.operation;
    c.permission_type = b.permission;
  }
  auto resp = admin.call<protocol::create_acls_response>(req, 1);
  if (resp.results.size() != bindings.size()) throw harness_error("CreateAcls: wrong number of results");
  for (std::size_t i = 0; i < bindings.size(); ++i)
    if (resp.results[i].error_code != 0)
      throw harness_error("CreateAcls " + bindings[i].describe() + ": error " +
                          std::to_string(resp.results[i].error_code) + " " +
                          resp.results[i].error_message.value_or(""));
}

namespace {
std::size_t delete_acls(kafka_conn& admin, const protocol::delete_acls_request::delete_acls_filter& f) {
  protocol::delete_acls_request req;
  req.filters.push_back(f);
  auto resp = admin.call<protocol::delete_acls_response>(req, 1);
  if (resp.filter_results.size() != 1) throw harness_error("DeleteAcls: wrong number of results");
  const auto& r = resp.filter_results[0];
  if (r.error_code != 0)
    throw harness_error("DeleteAcls: error " + std::to_string(r.error_code) + " " + r.error_message.value_or(""));
  return r.matching_acls.size();
}
}  // namespace

std::size_t delete_acl(kafka_conn& admin, const binding& b) {
  protocol::delete_acls_request::delete_acls_filter f;
  f.resource_type_filter = b.rtype;
  f.resource_name_filter = b.name;
  f.pattern_type_filter = b.pattern_type;
  f.principal_filter = b.principal;
  f.host_filter = b.host;
  f.operation = b.operation;
  f.permission_type = b.permission;
  return delete_acls(admin, f);
}

std::size_t delete_acls_of(kafka_conn& admin, const std::string& principal) {
  protocol::delete_acls_request::delete_acls_filter f;
  f.resource_type_filter = rt::any;
  f.pattern_type_filter = pattern::any;
  f.principal_filter = principal;
  f.operation = op::any;
  f.permission_type = perm::any;
  return delete_acls(admin, f);
}

std::vector<std::string> list_acls(kafka_conn& admin) {
  protocol::describe_acls_request req;
  req.resource_type_filter = rt::any;
  req.pattern_type_filter = pattern::any;
  req.operation = op::any;
  req.permission_type = perm::any;
  auto resp = admin.call<protocol::describe_acls_response>(req, 1);
  if (resp.error_code != 0) throw harness_error("DescribeAcls: error " + std::to_string(resp.error_code));
  std::vector<std::string> out;
  for (const auto& r : resp.resources)
    for (const auto& a : r.acls)
      out.push_back(binding{r.resource_type, r.resource_name, a.principal, a.operation, a.permission_type,
                            r.pattern_type, a.host}
                        .describe());
  return out;
}

void create_topics(kafka_conn& admin, const std::vector<std::string>& names, int partitions) {
  protocol::create_topics_request req;
  for (const auto& n : names) {
    auto& t = req.topics.emplace_back();
    t.name = n;
    t.num_partitions = partitions;
    t.replication_factor = 1;
  }
  req.timeout_ms = 10000;
  auto resp = admin.call<protocol::create_topics_response>(req, 4);
  for (const auto& t : resp.topics)
    if (t.error_code != 0 && t.error_code != err::topic_already_exists)
      throw harness_error("CreateTopics " + t.name + ": error " + std::to_string(t.error_code) + " " +
                          t.error_message.value_or(""));
}

std::int16_t produce(kafka_conn& c, const std::string& topic, int count,
                     const std::optional<std::string>& transactional_id) {
  std::vector<wire::test_record> records;
  for (int i = 0; i < count; ++i) records.push_back({"k" + std::to_string(i), "value-" + std::to_string(i)});
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  bytes batch = wire::record_batch(records, now_ms);
  protocol::produce_request req;
  req.transactional_id = transactional_id;
  req.acks = 1;
  req.timeout_ms = 10000;
  auto& td = req.topic_data.emplace_back();
  td.name = topic;
  auto& pd = td.partition_data.emplace_back();
  pd.index = 0;
  pd.records.data = mutable_byte_span(batch.data(), batch.size());
  auto resp = c.call<protocol::produce_response>(req, 3);
  if (resp.responses.size() != 1 || resp.responses[0].partition_responses.size() != 1)
    throw harness_error("Produce: expected one topic and one partition in the answer");
  return resp.responses[0].partition_responses[0].error_code;
}

std::int16_t fetch(kafka_conn& c, const std::string& topic) {
  protocol::fetch_request req;
  req.max_wait_ms = 0;
  req.min_bytes = 0;
  req.max_bytes = 1 << 20;
  auto& t = req.topics.emplace_back();
  t.topic = topic;
  auto& p = t.partitions.emplace_back();
  p.partition = 0;
  p.fetch_offset = 0;
  p.partition_max_bytes = 1 << 20;
  auto resp = c.call<protocol::fetch_response>(req, 4);
  if (resp.responses.size() != 1 || resp.responses[0].partitions.size() != 1)
    throw harness_error("Fetch: expected one topic and one partition in the answer");
  return resp.responses[0].partitions[0].error_code;
}

std::int16_t commit_offset(kafka_conn& c, const std::string& group, const std::string& topic, std::int64_t offset) {
  protocol::offset_commit_request req;
  req.group_id = group;
  req.generation_id_or_member_epoch = -1;
  auto& t = req.topics.emplace_back();
  t.name = topic;
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.committed_offset = offset;
  auto resp = c.call<protocol::offset_commit_response>(req, 2);
  if (resp.topics.size() != 1 || resp.topics[0].partitions.size() != 1)
    throw harness_error("OffsetCommit: expected one topic and one partition in the answer");
  return resp.topics[0].partitions[0].error_code;
}

std::vector<std::string> metadata_topics(kafka_conn& c) {
  protocol::metadata_request req;  // topics null: all
  req.allow_auto_topic_creation = false;
  auto resp = c.call<protocol::metadata_response>(req, 4);
  std::vector<std::string> out;
  for (const auto& t : resp.topics) out.push_back(t.name.value_or(""));
  std::sort(out.begin(), out.end());
  return out;
}

// ---- tools ----

std::string tool_result::describe() const {
  return exit.describe() + "\nstdout:\n" + tail(out, 2000) + "\nstderr:\n" + tail(err, 2000);
}

tool_result run_tool(const std::string& bootstrap, const std::vector<std::string>& args, const std::string& user,
                     const std::string& password, const std::string& stdin_text) {
  temp_dir dir("sd-acl-tool");
  command cmd;
  cmd.argv.push_back(streamdown_binary());
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  for (const auto& a : {"-b", bootstrap.c_str(), "-X", "security.protocol=SASL_PLAINTEXT", "-X",
                        "sasl.mechanism=PLAIN", "--timeout", "10s"})
    cmd.argv.emplace_back(a);
  cmd.argv.push_back("-X");
  cmd.argv.push_back("sasl.username=" + user);
  cmd.env = {{"STREAMDOWN_SASL_PASSWORD", password}};
  if (!stdin_text.empty()) {
    cmd.stdin_path = dir.file("stdin");
    write_file(cmd.stdin_path, stdin_text);
  }
  cmd.stdout_path = dir.file("stdout");
  cmd.stderr_path = dir.file("stderr");
  tool_result r;
  r.exit = run_command(cmd, 60s);
  r.out = read_file(cmd.stdout_path);
  r.err = read_file(cmd.stderr_path);
  return r;
}

void create_user(const std::string& bootstrap, const std::string& name, const std::string& password) {
  auto r = run_tool(bootstrap, {"user", "create", name}, admin_user, admin_password, password + "\n");
  if (!r.exit.clean()) throw harness_error("streamdown user create " + name + ": " + r.describe());
}

// ---- metrics ----

std::string scrape(const broker_process& b) {
  auto r = http_get(b.http_port(), "/metrics");
  if (r.status != 200) throw harness_error("GET /metrics: status " + std::to_string(r.status));
  return r.body;
}

double denied_total(const std::string& page, std::int8_t rtype, std::int8_t operation) {
  auto v = metric_value(page, "streamdown_security_authorization_denied_total{resource_type=\"" +
                                  resource_label(rtype) + "\",operation=\"" + operation_label(operation) + "\"}");
  return v.value_or(0.0);
}

// ---- docs/SECURITY.md ----

std::string doc_row::describe() const {
  return api + " (key " + std::to_string(key) + "): " + resource + " " + operation + " -> " + error;
}

std::vector<doc_row> parse_operation_table(const std::string& markdown) {
  const std::string heading = "### Authorisation: API -> operation";
  auto pos = markdown.find(heading);
  if (pos == std::string::npos) throw harness_error("docs/SECURITY.md: no heading '" + heading + "'");
  std::istringstream in(markdown.substr(pos + heading.size()));
  std::string line;
  bool in_table = false;
  std::vector<doc_row> rows;
  while (std::getline(in, line)) {
    line = trim(line);
    if (!in_table) {
      if (line.rfind("| API |", 0) == 0) {
        in_table = true;
        std::getline(in, line);  // |---|---|
        if (trim(line).rfind("|---", 0) != 0) throw harness_error("docs/SECURITY.md: no separator under the header");
      } else if (line.rfind("#", 0) == 0) {
        break;  // the next section: no table here
      }
      continue;
    }
    if (line.empty() || line[0] != '|') break;
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '|') {
        cells.push_back(trim(cell));
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    if (cells.size() != 5) throw harness_error("docs/SECURITY.md: a table row without 5 cells: " + line);
    doc_row r;
    r.api = cells[0];
    char* end = nullptr;
    long key = std::strtol(cells[1].c_str(), &end, 10);
    if (cells[1].empty() || *end != '\0' || key < 0 || key > 32767)
      throw harness_error("docs/SECURITY.md: bad key in row: " + line);
    r.key = static_cast<std::int16_t>(key);
    r.resource = cells[2];
    r.operation = cells[3];
    r.error = cells[4];
    rows.push_back(std::move(r));
  }
  if (rows.empty()) throw harness_error("docs/SECURITY.md: the API -> operation table has no rows");
  return rows;
}

std::string security_doc_path() {
  if (const char* p = std::getenv("STREAMDOWN_SECURITY_DOC"); p && *p) return p;
  return std::string(SD_SOURCE_DIR) + "/docs/SECURITY.md";
}

// ---- PKI and curl ----

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream in(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(in, dir, ':')) {
    if (dir.empty()) continue;
    auto p = dir + "/" + name;
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

void test_pki::openssl(const std::vector<std::string>& args) {
  command cmd;
  cmd.argv.push_back(_openssl);
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.stdout_path = _dir.file("openssl.out");
  cmd.stderr_path = _dir.file("openssl.err");
  auto e = run_command(cmd, 30s);
  if (!e.clean())
    throw harness_error("openssl " + quote_argv(args) + ": " + e.describe() + "\n" + read_file(cmd.stderr_path));
}

test_pki::test_pki() {
  _openssl = find_program("openssl");
  if (_openssl.empty()) throw harness_error("the openssl command is not on $PATH");
  _ca = _dir.file("ca.pem");
  _cert = _dir.file("server.pem");
  _key = _dir.file("server.key");
  const auto ca_key = _dir.file("ca.key"), csr = _dir.file("server.csr"), ext = _dir.file("server.ext");
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ca_key});
  openssl({"req", "-x509", "-new", "-key", ca_key, "-subj", "/CN=streamdown acl test CA", "-days", "2", "-out", _ca,
           "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", _key});
  openssl({"req", "-new", "-key", _key, "-subj", "/CN=127.0.0.1", "-out", csr});
  write_file(ext,
             "basicConstraints=CA:FALSE\n"
             "keyUsage=critical,digitalSignature\n"
             "extendedKeyUsage=serverAuth\n"
             "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl({"x509", "-req", "-in", csr, "-CA", _ca, "-CAkey", ca_key, "-set_serial", "2", "-days", "2", "-extfile", ext,
           "-out", _cert});
}

std::string curl_result::describe() const {
  return "status " + std::to_string(status) + ", curl " + exit.describe() + "\nheaders:\n" + headers + "\nbody:\n" +
         tail(body, 1000) + "\nstderr:\n" + tail(err, 1000);
}

curl_result curl_get(const std::string& url, const std::string& cacert,
                     const std::optional<std::pair<std::string, std::string>>& credentials) {
  return curl_request("GET", url, cacert, credentials, std::nullopt);
}

curl_result curl_request(const std::string& method, const std::string& url, const std::string& cacert,
                         const std::optional<std::pair<std::string, std::string>>& credentials,
                         const std::optional<std::string>& json_body) {
  static const std::string curl = find_program("curl");
  if (curl.empty()) throw harness_error("curl is not on $PATH");
  temp_dir dir("sd-acl-curl");
  command cmd;
  cmd.argv = {
      curl, "-s",          "-S", "--max-time", "10", "-D", dir.file("headers"), "-o", dir.file("body"),
      "-w", "%{http_code}", "-X", method};
  if (json_body) {
    cmd.argv.insert(cmd.argv.end(), {"-H", "Content-Type: application/json", "--data-binary", *json_body});
  }
  if (!cacert.empty()) {
    cmd.argv.push_back("--cacert");
    cmd.argv.push_back(cacert);
  }
  if (credentials) {
    cmd.argv.push_back("-u");
    cmd.argv.push_back(credentials->first + ":" + credentials->second);
  }
  cmd.argv.push_back(url);
  cmd.stdout_path = dir.file("stdout");
  cmd.stderr_path = dir.file("stderr");
  curl_result r;
  r.exit = run_command(cmd, 30s);
  auto code = read_file(cmd.stdout_path);
  r.status = std::atoi(code.c_str());
  r.headers = read_file(dir.file("headers"));
  r.body = read_file(dir.file("body"));
  r.err = read_file(cmd.stderr_path);
  return r;
}

}  // namespace sd::itest::acl
