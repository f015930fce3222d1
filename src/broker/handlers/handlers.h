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

#undef SD_DECLARE_HANDLER

}  // namespace sd::broker::handlers
