// The data directory: partitions, reopen, lock, topic removal, clean-shutdown marker.

#include <fstream>
#include <future>

#include "storage/log_manager.h"
#include "storage_test_util.h"

namespace sd::storage::test {
namespace {

class LogManager : public StorageTest {
 protected:
  std::unique_ptr<log_manager> open_manager() {
    auto m = log_manager::open(_dir.path(), fs(), small_config());
    EXPECT_TRUE(m) << m.error().message();
    return m ? std::move(*m) : nullptr;
  }
};

TEST_P(LogManager, CreateGetAndReopen) {
  {
    auto m = open_manager();
    EXPECT_FALSE(m->opened_after_clean_shutdown());
    auto a = m->create_partition("orders", partition_id(0));
    ASSERT_TRUE(a);
    ASSERT_TRUE(m->create_partition("orders", partition_id(1)));
    ASSERT_TRUE(m->create_partition("my.topic-x", partition_id(7)));
    EXPECT_EQ(m->create_partition("orders", partition_id(1)).error(), make_error_code(errc::partition_exists));
    EXPECT_EQ(m->get("orders", partition_id(0)), *a);
    EXPECT_EQ(m->get("orders", partition_id(9)), nullptr);
    bytes b = make_batch(2, 50);
    ASSERT_TRUE((*a)->append(b, 10'000));
    EXPECT_EQ(m->partitions().size(), 3u);
    ASSERT_TRUE(m->close());
  }
  EXPECT_TRUE(std::filesystem::exists(_dir / ".clean_shutdown"));
  std::filesystem::create_directories(_dir / "not-a-partition");  // left alone
  std::filesystem::create_directories(_dir / "stray");
  auto m = open_manager();
  EXPECT_TRUE(m->opened_after_clean_shutdown());
  EXPECT_FALSE(std::filesystem::exists(_dir / ".clean_shutdown"));  // removed before any write
  auto parts = m->partitions();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].topic, "my.topic-x");
  EXPECT_EQ(parts[0].partition, partition_id(7));
  EXPECT_EQ(parts[1].topic, "orders");
  auto a = m->get("orders", partition_id(0));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->next_offset(), offset(2));
  EXPECT_EQ(a->recovery().segments_scanned, 0u);  // clean: no full scan
  EXPECT_TRUE(std::filesystem::exists(_dir / "stray"));
}

TEST_P(LogManager, UncleanRestartScansEverything) {
  {
    auto m = open_manager();
    auto a = m->create_partition("t", partition_id(0));
    ASSERT_TRUE(a);
    for (int i = 0; i < 5; ++i) {
      bytes b = make_batch(1, 239);
      ASSERT_TRUE((*a)->append(b, 10'000));
    }
    // Simulate a crash: the manager is dropped without close()... but its destructor closes. So remove the
    // marker it writes, as a kill -9 never writes it.
  }
  std::filesystem::remove(_dir / ".clean_shutdown");
  auto m = open_manager();
  EXPECT_FALSE(m->opened_after_clean_shutdown());
  auto a = m->get("t", partition_id(0));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->recovery().segments_scanned, a->segment_count());
  EXPECT_EQ(a->next_offset(), offset(5));
}

TEST_P(LogManager, ValidatesTopicNamesBeforeBuildingPaths) {
  auto m = open_manager();
  for (const char* bad : {"", ".", "..", "../evil", "a/b", "sp ace"}) {
    EXPECT_EQ(m->create_partition(bad, partition_id(0)).error(), make_error_code(errc::invalid_topic_name)) << bad;
  }
  EXPECT_EQ(m->create_partition("ok", partition_id(-1)).error(), make_error_code(errc::invalid_partition));
  EXPECT_EQ(m->remove_topic("../x").error(), make_error_code(errc::invalid_topic_name));
  EXPECT_FALSE(std::filesystem::exists(_dir / "../evil-0"));
  log_config bad_cfg = small_config();
  bad_cfg.max_batch_bytes = 1;
  EXPECT_EQ(m->create_partition("ok", partition_id(0), bad_cfg).error(), make_error_code(errc::invalid_config));
}

TEST_P(LogManager, SecondOpenOfTheDirectoryIsRefused) {
  auto m = open_manager();
  auto second = log_manager::open(_dir.path(), fs(), small_config());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), make_error_code(errc::data_dir_locked));
  EXPECT_NE(second.error().message().find("locked"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(_dir / ".clean_shutdown"));  // the refused manager wrote nothing
  ASSERT_TRUE(m->close());
  EXPECT_TRUE(log_manager::open(_dir.path(), fs(), small_config()));  // released by close()
}

TEST_P(LogManager, RemoveTopicDeletesItsDirectories) {
  auto m = open_manager();
  ASSERT_TRUE(m->create_partition("gone", partition_id(0)));
  ASSERT_TRUE(m->create_partition("gone", partition_id(1)));
  ASSERT_TRUE(m->create_partition("gone-2", partition_id(0)));  // a different topic with a similar name
  auto held = m->get("gone", partition_id(0));
  bytes b = make_batch(1, 10);
  ASSERT_TRUE(held->append(b, 10'000));
  ASSERT_TRUE(m->remove_topic("gone"));
  EXPECT_FALSE(std::filesystem::exists(_dir / "gone-0"));
  EXPECT_FALSE(std::filesystem::exists(_dir / "gone-1"));
  EXPECT_TRUE(std::filesystem::exists(_dir / "gone-2-0"));
  EXPECT_EQ(m->get("gone", partition_id(0)), nullptr);
  EXPECT_EQ(m->partitions().size(), 1u);
  for (const auto& e : std::filesystem::directory_iterator(_dir.path())) {
    EXPECT_FALSE(e.path().string().ends_with(".deleted")) << e.path();
  }
  EXPECT_EQ(m->remove_topic("gone").error(), make_error_code(errc::unknown_partition));
  EXPECT_EQ(held->append(b, 10'000).error(), make_error_code(errc::log_closed));  // a stale handle
  // The topic can be created again, empty.
  auto again = m->create_partition("gone", partition_id(0));
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->next_offset(), offset(0));
}

TEST_P(LogManager, LeftoverDeletedDirectoriesAreRemovedAtStartup) {
  std::filesystem::create_directories(_dir / "old-0.123-1.deleted");
  std::ofstream(_dir / "old-0.123-1.deleted/00000000000000000000.log") << "x";
  auto m = open_manager();
  EXPECT_FALSE(std::filesystem::exists(_dir / "old-0.123-1.deleted"));
  EXPECT_TRUE(m->partitions().empty());
}

TEST_P(LogManager, UpdateConfigAppliesToTheTopic) {
  auto m = open_manager();
  auto a = m->create_partition("t", partition_id(0));
  ASSERT_TRUE(a);
  log_config cfg = small_config();
  cfg.max_batch_bytes = 100;
  ASSERT_TRUE(m->update_config("t", cfg));
  EXPECT_EQ((*a)->config().max_batch_bytes, 100);
  bytes b = make_batch(1, 200);
  EXPECT_EQ((*a)->append(b, 10'000).error(), make_error_code(errc::batch_too_large));
  EXPECT_EQ(m->update_config("nope", cfg).error(), make_error_code(errc::unknown_partition));
  cfg.segment_bytes = 0;
  EXPECT_EQ(m->update_config("t", cfg).error(), make_error_code(errc::invalid_config));
}

TEST_P(LogManager, GroupCommitThroughTheManagersFlusher) {
  auto m = open_manager();
  auto a = m->create_partition("t", partition_id(0));
  ASSERT_TRUE(a);
  bytes b = make_batch(4, 100);
  auto info = (*a)->append(b, 10'000);
  ASSERT_TRUE(info);
  std::promise<status> done;
  m->flusher().request(**a, info->next_offset, [&](status s) { done.set_value(s); });
  EXPECT_TRUE(done.get_future().get());
  EXPECT_EQ((*a)->flushed_offset(), offset(4));
}

INSTANTIATE_TEST_SUITE_P(Fs, LogManager, ::testing::Values(false, true), fs_name);

TEST(LogManagerFaults, FailedLogMeansNoCleanMarker) {
  sd::test::temp_dir dir;
  io::faulty_filesystem fs(io::posix_filesystem());
  {
    auto m = log_manager::open(dir.path(), fs, small_config());
    ASSERT_TRUE(m);
    auto a = (*m)->create_partition("t", partition_id(0));
    ASSERT_TRUE(a);
    bytes b = make_batch(1, 10);
    ASSERT_TRUE((*a)->append(b, 10'000));
    fs.set_fail_fsync(true);
    EXPECT_FALSE((*m)->close());
  }
  EXPECT_FALSE(std::filesystem::exists(dir / ".clean_shutdown"));
}

}  // namespace
}  // namespace sd::storage::test
