#include "storage/topic_name.h"

#include "storage/errc.h"

namespace sd::storage {

bool is_valid_topic_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_topic_name_length || name == "." || name == "..") return false;
  for (char c : name) {
    bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-';
    if (!good) return false;
  }
  return true;
}

status validate_topic_name(std::string_view name) {
  if (!is_valid_topic_name(name)) return errc::invalid_topic_name;
  return ok();
}

}  // namespace sd::storage
