#pragma once
// One function per Kafka API, each in handlers/<api>.cc with its supported version range next to it.
// The dispatcher's table (dispatcher.cc) lists them; ApiVersions answers from that table.

#include "broker/request_context.h"

namespace sd::broker::handlers {

#define SD_DECLARE_HANDLER(name) net::awaitable<net::response_task> name(request_context& ctx)

SD_DECLARE_HANDLER(api_versions);
SD_DECLARE_HANDLER(metadata);
SD_DECLARE_HANDLER(produce);
SD_DECLARE_HANDLER(fetch);
SD_DECLARE_HANDLER(list_offsets);
SD_DECLARE_HANDLER(create_topics);
SD_DECLARE_HANDLER(delete_topics);
SD_DECLARE_HANDLER(create_partitions);
SD_DECLARE_HANDLER(describe_configs);
SD_DECLARE_HANDLER(alter_configs);
SD_DECLARE_HANDLER(incremental_alter_configs);
SD_DECLARE_HANDLER(delete_records);
SD_DECLARE_HANDLER(init_producer_id);
SD_DECLARE_HANDLER(describe_producers);
SD_DECLARE_HANDLER(describe_cluster);
SD_DECLARE_HANDLER(describe_log_dirs);
// consumer groups (group_common.h)
SD_DECLARE_HANDLER(find_coordinator);
SD_DECLARE_HANDLER(join_group);
SD_DECLARE_HANDLER(sync_group);
SD_DECLARE_HANDLER(heartbeat);
SD_DECLARE_HANDLER(leave_group);
SD_DECLARE_HANDLER(offset_commit);
SD_DECLARE_HANDLER(offset_fetch);
SD_DECLARE_HANDLER(describe_groups);
SD_DECLARE_HANDLER(list_groups);
SD_DECLARE_HANDLER(delete_groups);
SD_DECLARE_HANDLER(offset_delete);
// transactions (txn_common.h)
SD_DECLARE_HANDLER(add_partitions_to_txn);
SD_DECLARE_HANDLER(add_offsets_to_txn);
SD_DECLARE_HANDLER(end_txn);
SD_DECLARE_HANDLER(txn_offset_commit);
SD_DECLARE_HANDLER(describe_transactions);
SD_DECLARE_HANDLER(list_transactions);
// security (sasl.cc, acls.cc, user_scram_credentials.cc)
SD_DECLARE_HANDLER(sasl_handshake);
SD_DECLARE_HANDLER(sasl_authenticate);
SD_DECLARE_HANDLER(describe_acls);
SD_DECLARE_HANDLER(create_acls);
SD_DECLARE_HANDLER(delete_acls);
SD_DECLARE_HANDLER(describe_user_scram_credentials);
SD_DECLARE_HANDLER(alter_user_scram_credentials);

#undef SD_DECLARE_HANDLER

}  // namespace sd::broker::handlers
