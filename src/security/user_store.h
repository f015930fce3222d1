#pragma once
// user_store: SCRAM credentials of the broker's users, durable in one file (<data_dir>/security/users.json,
// mode 0600, replaced atomically: temp file, fsync, rename, directory fsync). Only salted hashes are stored.
// Thread-safe: readers (authentication on any network loop) take a shared lock; writers serialize and make
// the change durable before they return and before readers see it.

#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "security/errc.h"
#include "security/scram.h"

namespace sd::security {

struct user_credential_info {
  scram_algorithm algorithm;
  std::int32_t iterations;
};
struct user_info {
  std::string name;
  std::vector<user_credential_info> credentials;  // ordered by algorithm
};

class user_store {
 public:
  /// Opens (or creates, empty) the store at `file`; creates the parent directory (0700). A file that does not
  /// parse is an error (start-up stops: never silently lose the users).
  static result<std::unique_ptr<user_store>> open(std::filesystem::path file);

  std::optional<scram_credential> find(std::string_view user, scram_algorithm a) const;
  /// PLAIN: whether `password` matches any of the user's credentials.
  bool verify_plain(std::string_view user, std::string_view password) const;
  /// Adds or replaces one credential of a user (creates the user). Durable before it returns.
  status upsert(std::string_view user, scram_credential cred);
  /// Removes one credential; the user disappears with its last one. errc::not_found when absent.
  status remove(std::string_view user, scram_algorithm a);
  /// Every user, sorted by name.
  std::vector<user_info> list() const;
  bool empty() const;

  /// Valid user names: 1..255 bytes of valid UTF-8 (the store is JSON), no control characters (',' and '='
  /// are allowed: SCRAM escapes them).
  static bool valid_user_name(std::string_view user) noexcept;

 private:
  explicit user_store(std::filesystem::path file) : _file(std::move(file)) {}
  status save_locked() const;  // writes _users to _file durably; caller holds _mu exclusively

  std::filesystem::path _file;
  mutable std::shared_mutex _mu;
  struct entry {
    std::string name;
    std::vector<scram_credential> creds;
  };
  std::vector<entry> _users;  // sorted by name; guarded by _mu
};

}  // namespace sd::security
