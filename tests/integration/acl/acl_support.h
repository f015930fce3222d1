#pragma once
// Helpers for the ACL tests (tests/integration/acl/): a Kafka connection authenticated with SASL PLAIN that
// speaks the project's codec (protocol::encode_request and the generated messages), ACL and topic
// administration over it, the `streamdown` tools as a child process, the denial counter from /metrics, the
// "API -> operation" table of docs/SECURITY.md, a throwaway PKI made with the `openssl` command, and curl.
//
// Every network call and child process is bounded; failures throw harness_error with what happened.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/bytes.h"
#include "protocol/header.h"
#include "support/broker_process.h"
#include "support/codec_conn.h"
#include "support/process.h"
#include "support/raw_client.h"
#include "support/test_env.h"

namespace sd::itest::acl {

inline const std::string admin_user = "admin";
inline const std::string admin_password = "admin-pw";

/// Kafka's wire values (CreateAcls/DescribeAcls/DeleteAcls), written here independently of security/acl.h.
namespace rt {
constexpr std::int8_t any = 1, topic = 2, group = 3, cluster = 4, transactional_id = 5;
}
namespace op {
constexpr std::int8_t any = 1, all = 2, read = 3, write = 4, create = 5, remove = 6, alter = 7, describe = 8,
                      cluster_action = 9, describe_configs = 10, alter_configs = 11, idempotent_write = 12;
}
namespace pattern {
constexpr std::int8_t any = 1, literal = 3, prefixed = 4;
}
namespace perm {
constexpr std::int8_t any = 1, deny = 2, allow = 3;
}
namespace err {
constexpr std::int16_t none = 0, unknown_topic_or_partition = 3, topic_authorization_failed = 29,
                       group_authorization_failed = 30, cluster_authorization_failed = 31, topic_already_exists = 36,
                       transactional_id_authorization_failed = 53;
}
/// 29, 30, 31 or 53.
bool is_authorization_error(std::int16_t code);

/// Resource type and operation names as the table and /metrics write them ("Topic"/"TOPIC",
/// "DESCRIBE_CONFIGS"); nullopt for anything else.
std::optional<std::int8_t> resource_type_of(const std::string& name);
std::optional<std::int8_t> operation_of(const std::string& name);
std::optional<std::int16_t> error_code_of(const std::string& name);
/// "TOPIC", "DESCRIBE_CONFIGS": the labels of streamdown_security_authorization_denied_total.
std::string resource_label(std::int8_t rtype);
std::string operation_label(std::int8_t op);

/// The project codec over a raw socket (support/codec_conn.h).
using kafka_conn = sd::itest::codec_conn;

/// Every error code of a decoded response (its for_each_error_code), in order.
template <class Resp>
std::vector<std::int16_t> all_error_codes(const Resp& r) {
  std::vector<std::int16_t> out;
  auto f = [&out](std::int16_t c) { out.push_back(c); };
  r.for_each_error_code(f);
  return out;
}

/// One ACL as CreateAcls carries it (ALLOW, LITERAL, any host unless told otherwise).
struct binding {
  std::int8_t rtype = rt::topic;
  std::string name;
  std::string principal;
  std::int8_t operation = op::read;
  std::int8_t permission = perm::allow;
  std::int8_t pattern_type = pattern::literal;
  std::string host = "*";
  std::string describe() const;
};
/// CreateAcls v1; throws harness_error naming the first binding the broker refused.
void create_acls(kafka_conn& admin, const std::vector<binding>& bindings);
/// DeleteAcls v1 of exactly that binding; returns how many bindings the broker removed.
std::size_t delete_acl(kafka_conn& admin, const binding& b);
/// DeleteAcls v1 of every binding of `principal` (any resource, pattern, operation, permission).
std::size_t delete_acls_of(kafka_conn& admin, const std::string& principal);
/// DescribeAcls v1 of every binding; as describe() strings.
std::vector<std::string> list_acls(kafka_conn& admin);

/// CreateTopics v4 (replication 1); TOPIC_ALREADY_EXISTS is fine, any other error throws.
void create_topics(kafka_conn& admin, const std::vector<std::string>& names, int partitions = 1);
/// Produce v3 (acks=1) of `count` small records to partition 0; returns the partition's error code.
std::int16_t produce(kafka_conn& c, const std::string& topic, int count = 1,
                     const std::optional<std::string>& transactional_id = std::nullopt);
/// Fetch v4 of partition 0 from offset 0 (no wait); returns the partition's error code.
std::int16_t fetch(kafka_conn& c, const std::string& topic);
/// OffsetCommit v2 of offset `offset` for topic/0 as a simple (generation -1) commit; the partition's code.
std::int16_t commit_offset(kafka_conn& c, const std::string& group, const std::string& topic, std::int64_t offset = 0);
/// Names of the topics a Metadata v4 for all topics lists.
std::vector<std::string> metadata_topics(kafka_conn& c);

/// `streamdown ARGS -b BOOTSTRAP -X security.protocol=SASL_PLAINTEXT -X sasl.mechanism=PLAIN
/// -X sasl.username=USER` with STREAMDOWN_SASL_PASSWORD=PASSWORD, stdin from `stdin_text` (bounded, 60 s).
struct tool_result {
  exit_info exit;
  std::string out;
  std::string err;
  std::string describe() const;
};
tool_result run_tool(const std::string& bootstrap, const std::vector<std::string>& args,
                     const std::string& user = admin_user, const std::string& password = admin_password,
                     const std::string& stdin_text = "");
/// `streamdown user create NAME` as admin, the password on stdin; throws harness_error on failure.
void create_user(const std::string& bootstrap, const std::string& name, const std::string& password);

/// GET /metrics over plain HTTP (the broker's HTTP port).
std::string scrape(const broker_process& b);
/// streamdown_security_authorization_denied_total{resource_type=..,operation=..} in a page; 0 when absent.
double denied_total(const std::string& page, std::int8_t rtype, std::int8_t operation);

/// One row of docs/SECURITY.md's "Authorisation: API -> operation" table.
struct doc_row {
  std::string api;
  std::int16_t key = -1;
  std::string resource;   // "Topic", "Group", "Cluster", "TransactionalId" or "none"
  std::string operation;  // "READ", ... or "none"
  std::string error;      // "TOPIC_AUTHORIZATION_FAILED", ... or "none"
  std::string describe() const;
};
/// The rows of the table under the heading "### Authorisation: API -> operation"; throws harness_error when
/// the heading, the header line or a well-formed row is missing.
std::vector<doc_row> parse_operation_table(const std::string& markdown);
/// docs/SECURITY.md of the source tree (compile definition SD_SOURCE_DIR), or env STREAMDOWN_SECURITY_DOC.
std::string security_doc_path();

/// Absolute path of a program on $PATH (empty when absent).
std::string find_program(const std::string& name);

/// A CA and a server certificate for 127.0.0.1 (SAN IP:127.0.0.1, DNS:localhost), EC P-256, made with the
/// openssl command in a private temp directory.
class test_pki {
 public:
  test_pki();
  const std::string& ca() const { return _ca; }
  const std::string& server_cert() const { return _cert; }
  const std::string& server_key() const { return _key; }

 private:
  void openssl(const std::vector<std::string>& args);
  temp_dir _dir{"sd-acl-pki"};
  std::string _openssl, _ca, _cert, _key;
};

/// curl -s -S --max-time 10 -D headers -o body -w '%{http_code}' [--cacert CA] [-u user:password] URL.
struct curl_result {
  exit_info exit;
  int status = 0;  // %{http_code}: 0 when no HTTP answer
  std::string headers;
  std::string body;
  std::string err;
  std::string describe() const;
};
curl_result curl_get(const std::string& url, const std::string& cacert,
                     const std::optional<std::pair<std::string, std::string>>& credentials = std::nullopt);
/// Any method, with an optional JSON body.
curl_result curl_request(const std::string& method, const std::string& url, const std::string& cacert,
                         const std::optional<std::pair<std::string, std::string>>& credentials,
                         const std::optional<std::string>& json_body);

}  // namespace sd::itest::acl
