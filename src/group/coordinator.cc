#include "group/coordinator.h"

#include <spdlog/spdlog.h>

#include "base/clock.h"

namespace sd::group {

result<std::unique_ptr<coordinator>> coordinator::open(const coordinator_config& cfg, io::filesystem& fs,
                                                       const std::string& data_dir, storage::flusher& flusher,
                                                       net::asio::any_io_executor ex, bool clean_shutdown) {
  std::unique_ptr<coordinator> c(new coordinator(cfg, std::move(ex)));
  auto log = offset_log::open(fs, data_dir + "/" + offsets_log_dir, cfg, &flusher, clean_shutdown);
  if (!log) return log.error();
  c->_log = std::move(*log);
  c->_manager = std::make_unique<group_manager>(cfg, *c->_log);
  std::size_t records = 0;
  SD_TRY(c->_log->replay([&](const store_record& r) {
    c->_manager->apply_replayed(r);
    ++records;
  }));
  c->_manager->finish_restore();
  spdlog::info("group coordinator: restored {} group(s) from {} record(s) of the offsets log", c->_manager->group_count(),
               records);
  return c;
}

coordinator::~coordinator() { (void)close(); }

status coordinator::close() {
  if (_closed) return ok();
  _closed = true;
  return _log->close();
}

time_point coordinator::on_timer() {
  const time_point next = _manager->tick();
  auto wall = wall_ms_now();
  if (wall - _last_retention_check_ms >= _cfg.retention_check_interval_ms) {
    _last_retention_check_ms = wall;
    _manager->expire_offsets();
  }
  return next;
}

void coordinator::start() {
  _last_retention_check_ms = wall_ms_now();
  net::asio::co_spawn(
      _ex,
      [this]() -> net::awaitable<void> {
        net::asio::steady_timer timer(_ex);
        time_point next = time_point::max();
        for (;;) {
          // Wake at the earliest deadline, and at least every tick_interval_ms (deadlines set meanwhile are
          // at least a session, rebalance or initial-delay timeout away, and the gauges and offset
          // retention run on this loop too).
          timer.expires_at(std::min(next, clock::now() + std::chrono::milliseconds(_cfg.tick_interval_ms)));
          boost::system::error_code ec;
          co_await timer.async_wait(net::no_throw(ec));
          if (ec || _closed) co_return;
          next = on_timer();
        }
      },
      net::asio::detached);
}

}  // namespace sd::group
