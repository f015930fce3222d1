#include "net/staging_buffer.h"

#include <vector>

namespace sd::net {
namespace {

std::vector<std::unique_ptr<std::uint8_t[]>>& free_list() {
  thread_local std::vector<std::unique_ptr<std::uint8_t[]>> list;
  return list;
}

}  // namespace

staging_buffer staging_buffer::take() {
  auto& list = free_list();
  if (list.empty()) return staging_buffer(std::make_unique_for_overwrite<std::uint8_t[]>(capacity));
  staging_buffer b(std::move(list.back()));
  list.pop_back();
  return b;
}

staging_buffer::~staging_buffer() {
  if (!_data) return;  // moved from
  auto& list = free_list();
  if (list.size() < idle_per_thread) list.push_back(std::move(_data));
}

std::size_t staging_buffer::idle_on_this_thread() noexcept { return free_list().size(); }

}  // namespace sd::net
