// persistent_sessions: the mqtt-server source's session store survives a restart (Session Present after a new
// store loads the file), honours clean start, expiry and takeover, and ignores an unreadable file.

#include "relay/sources/mqtt_persistent_sessions.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"

namespace sd::relay {
namespace {

const auto now = steady_clock::now();

struct store_on_disk {
  explicit store_on_disk(const std::string& path) : store(path, ioc, limit) { store.load(); }
  net::asio::io_context ioc;
  log_limiter limit;
  persistent_sessions store;
};

TEST(mqtt_persistent_sessions, a_persistent_session_is_present_after_a_restart) {
  sd::test::temp_dir dir;
  const auto path = dir / "s.sessions.json";
  {
    store_on_disk s(path);
    EXPECT_FALSE(s.store.attach("dev1", /*clean_start=*/false, 1, now).session_present);
    s.store.set_expiry("dev1", 1, mqtt::session_never_expires);  // 3.1.1 clean session 0
    EXPECT_FALSE(s.store.attach("tmp", /*clean_start=*/true, 2, now).session_present);
    s.store.set_expiry("tmp", 2, 0);  // clean session: never persisted
    EXPECT_FALSE(s.store.attach("v5", /*clean_start=*/false, 3, now).session_present);
    s.store.set_expiry("v5", 3, 3600);
    // No detach: the relay "dies" with all three connected.
  }
  store_on_disk s(path);
  EXPECT_TRUE(s.store.attach("dev1", false, 10, now).session_present);
  EXPECT_TRUE(s.store.attach("v5", false, 11, now).session_present);
  EXPECT_FALSE(s.store.attach("tmp", false, 12, now).session_present);
}

TEST(mqtt_persistent_sessions, clean_start_and_zero_expiry_forget_the_session) {
  sd::test::temp_dir dir;
  const auto path = dir / "s.sessions.json";
  {
    store_on_disk s(path);
    (void)s.store.attach("a", false, 1, now);
    s.store.set_expiry("a", 1, mqtt::session_never_expires);
    s.store.detach("a", 1, mqtt::session_never_expires, now);
    (void)s.store.attach("b", false, 2, now);
    s.store.set_expiry("b", 2, 60);
    s.store.detach("b", 2, 0, now);  // MQTT 5 DISCONNECT lowering the expiry to 0
    EXPECT_FALSE(s.store.attach("a", /*clean_start=*/true, 3, now).session_present);
    s.store.set_expiry("a", 3, 0);
    s.store.save_now();
  }
  store_on_disk s(path);
  EXPECT_FALSE(s.store.attach("a", false, 10, now).session_present);
  EXPECT_FALSE(s.store.attach("b", false, 11, now).session_present);
}

TEST(mqtt_persistent_sessions, detached_sessions_expire_by_wall_clock_across_restarts) {
  sd::test::temp_dir dir;
  const auto path = dir / "s.sessions.json";
  {
    std::ofstream out(path);
    out << R"({"version":1,"sessions":[{"client_id":"old","expiry_s":10,"expires_ms":1000},)"
        << R"({"client_id":"live","expiry_s":10,"expires_ms":)" << wall_ms_now() + 60'000 << "}]}";
  }
  store_on_disk s(path);
  EXPECT_FALSE(s.store.attach("old", false, 1, now).session_present);
  EXPECT_TRUE(s.store.attach("live", false, 2, now).session_present);
}

TEST(mqtt_persistent_sessions, takeover_names_the_older_connection) {
  store_on_disk s("");  // memory only
  (void)s.store.attach("d", false, 1, now);
  s.store.set_expiry("d", 1, mqtt::session_never_expires);
  auto r = s.store.attach("d", false, 2, now);
  EXPECT_EQ(r.taken_over, std::optional<std::uint64_t>(1));
  EXPECT_TRUE(r.session_present);
  s.store.detach("d", 1, mqtt::session_never_expires, now);  // the old connection ends: no effect
  EXPECT_EQ(s.store.attach("d", false, 3, now).taken_over,
            std::optional<std::uint64_t>(2));  // 2 still holds it
}

TEST(mqtt_persistent_sessions, an_unreadable_file_starts_empty) {
  sd::test::temp_dir dir;
  const auto path = dir / "s.sessions.json";
  {
    std::ofstream out(path);
    out << "{not json";
  }
  store_on_disk s(path);
  EXPECT_EQ(s.store.size(), 0u);
  EXPECT_FALSE(s.store.attach("x", false, 1, now).session_present);
}

}  // namespace
}  // namespace sd::relay
