#include "net/shard_set.h"

#include <spdlog/spdlog.h>

#include "base/thread_name.h"

namespace sd::net {

shard_set::shard_set(std::size_t count, std::string name) : _name(std::move(name)) {
  if (count == 0) count = 1;
  for (std::size_t i = 0; i < count; ++i) {
    _contexts.push_back(std::make_unique<asio::io_context>(1));
    _guards.push_back(asio::make_work_guard(*_contexts.back()));
  }
}

shard_set::~shard_set() { stop(); }

void shard_set::start() {
  for (std::size_t i = 0; i < _contexts.size(); ++i) {
    _threads.emplace_back([this, i] {
      set_thread_name(_name + "-" + std::to_string(i));
      try {
        _contexts[i]->run();
      } catch (const std::exception& e) {
        spdlog::critical("shard {} event loop failed: {}", i, e.what());
        std::terminate();
      }
    });
  }
}

void shard_set::stop() {
  for (auto& g : _guards) g.reset();
  for (auto& c : _contexts) c->stop();
  for (auto& t : _threads)
    if (t.joinable()) t.join();
  _threads.clear();
}

}  // namespace sd::net
