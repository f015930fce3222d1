#include <nlohmann/json.hpp>

#include "relay/sources/sources.h"

namespace sd::relay {

void source::describe(nlohmann::json& /*out*/) const {}

std::unique_ptr<source> make_source(source_config cfg, source_context& ctx) {
  switch (cfg.type) {
    case source_type::stdin_lines: return make_stdin_source(std::move(cfg), ctx);
    case source_type::file: return make_file_source(std::move(cfg), ctx);
    case source_type::http: return make_http_source(std::move(cfg), ctx);
    case source_type::mqtt_server: return make_mqtt_server_source(std::move(cfg), ctx);
    case source_type::mqtt: return make_mqtt_client_source(std::move(cfg), ctx);
    case source_type::kafka: return make_kafka_source(std::move(cfg), ctx);
  }
  throw std::runtime_error("unknown source type");
}

}  // namespace sd::relay
