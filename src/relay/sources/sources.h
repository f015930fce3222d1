#pragma once
// The relay's source kinds (relay/source.h states the contract every one keeps). make_source picks by type.
// Each factory throws std::runtime_error for a configuration it cannot serve.

#include <memory>

#include "relay/source.h"

namespace sd::relay {

std::unique_ptr<source> make_stdin_source(source_config cfg, source_context& ctx);
std::unique_ptr<source> make_file_source(source_config cfg, source_context& ctx);
std::unique_ptr<source> make_http_source(source_config cfg, source_context& ctx);
std::unique_ptr<source> make_mqtt_server_source(source_config cfg, source_context& ctx);
std::unique_ptr<source> make_mqtt_client_source(source_config cfg, source_context& ctx);
std::unique_ptr<source> make_kafka_source(source_config cfg, source_context& ctx);

std::unique_ptr<source> make_source(source_config cfg, source_context& ctx);

}  // namespace sd::relay
