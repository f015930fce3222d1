#pragma once
// relay: one `streamdown relay` process: the spool, the forwarder, the sources and the relay's HTTP port
// (/metrics, /v1/health, /v1/relay, and the http source's routes when it serves there).
//
// start() opens and recovers the spool (throws on a spool that cannot be used: locked by another relay, another
// relay id, an unusable directory), starts every source (throws on a start-up error such as a port in use) and
// the forwarder. Being ready never waits for the upstream: records are taken and spooled while it is away.
// stop() stops the sources first (no new records), then the forwarder (a short drain), then closes the spool.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "relay/config.h"

namespace sd::metrics {
class text_writer;
}

namespace sd::relay {

class relay {
 public:
  explicit relay(relay_config config);
  ~relay();
  relay(const relay&) = delete;
  relay& operator=(const relay&) = delete;

  void start();
  void stop();

  /// The bound HTTP address (HOST:PORT), valid after start().
  std::string http_address() const;
  /// Listening addresses of the sources that listen, by source name.
  std::vector<std::pair<std::string, std::string>> source_addresses() const;

  /// GET /v1/relay: sources, spool and upstream.
  nlohmann::json status() const;
  /// The streamdown_relay_* families.
  void write_metrics(metrics::text_writer& w) const;

 private:
  struct impl;
  std::unique_ptr<impl> _impl;
};

}  // namespace sd::relay
