// Each injected fault does what io/fault_config.h promises.

#include <gtest/gtest.h>
#include <stdlib.h>

#include "io/errc.h"
#include "io/faulty_filesystem.h"
#include "temp_dir.h"

namespace sd::io {
namespace {

class Faults : public ::testing::Test {
 protected:
  std::shared_ptr<file> open_new(const std::string& name) {
    auto f = _fs.open(_dir / name, open_mode::create_new);
    EXPECT_TRUE(f);
    return *f;
  }
  std::uint64_t real_size(const std::string& name) {
    auto f = posix_filesystem().open(_dir / name, open_mode::read_only);
    return *(*f)->size();
  }
  test::temp_dir _dir;
  faulty_filesystem _fs{posix_filesystem()};
};

TEST_F(Faults, ShortWritesAreCompletedByWriteAll) {
  _fs.set_short_writes(7);
  auto f = open_new("a");
  bytes data(100, 0x5A);
  auto n = f->pwrite(file_pos(0), data);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 7u);
  ASSERT_TRUE(write_all(*f, file_pos(0), data));
  EXPECT_EQ(real_size("a"), 100u);
  EXPECT_GE(_fs.stats().writes, 15u);
}

TEST_F(Faults, FailedFsyncReturnsEio) {
  auto f = open_new("a");
  ASSERT_TRUE(f->datasync());
  _fs.set_fail_fsync(true);
  auto r = f->datasync();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::io_error);
  EXPECT_FALSE(_fs.sync_dir(_dir.path()));
  EXPECT_EQ(_fs.stats().failed_syncs, 2u);
  EXPECT_EQ(_fs.stats().syncs, 1u);
  _fs.set_fail_fsync(false);
  EXPECT_TRUE(f->datasync());
}

TEST_F(Faults, FsyncFailsAfterABudgetOfGoodOnes) {
  auto f = open_new("a");
  fault_config c;
  c.fail_fsync_after = 2;
  EXPECT_TRUE(c.any());
  _fs.set_config(c);
  EXPECT_TRUE(f->datasync());
  EXPECT_TRUE(_fs.sync_dir(_dir.path()));
  auto r = f->datasync();
  ASSERT_FALSE(r) << "the third sync fails";
  EXPECT_EQ(r.error(), std::errc::io_error);
  EXPECT_FALSE(f->datasync()) << "and every later one";
  EXPECT_EQ(_fs.stats().failed_syncs, 2u);
  _fs.set_config(c);  // a new config starts a new budget
  EXPECT_TRUE(f->datasync());
}

TEST_F(Faults, NoSpaceAfterBudget) {
  auto f = open_new("a");
  _fs.set_no_space_after(10);
  bytes data(8, 1);
  ASSERT_TRUE(write_all(*f, file_pos(0), data));
  auto r = write_all(*f, file_pos(8), data);  // 2 bytes fit, then ENOSPC
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_no_space(r.error()));
  EXPECT_EQ(real_size("a"), 10u);
  // Other operations still work (a full disk is not a crash).
  EXPECT_TRUE(f->truncate(8));
  EXPECT_TRUE(f->datasync());
  _fs.set_no_space_after(-1);
  EXPECT_TRUE(write_all(*f, file_pos(8), data));
}

TEST_F(Faults, CrashDropsTheRestAndFailsEverything) {
  auto f = open_new("a");
  auto g = open_new("b");
  _fs.set_crash_after(12);
  bytes data(10, 2);
  ASSERT_TRUE(write_all(*f, file_pos(0), data));
  auto r = write_all(*g, file_pos(0), data);  // 2 bytes land, the rest is dropped
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::crashed));
  EXPECT_TRUE(_fs.crashed());
  EXPECT_EQ(real_size("a"), 10u);
  EXPECT_EQ(real_size("b"), 2u);
  EXPECT_EQ(f->pwrite(file_pos(10), data).error(), make_error_code(errc::crashed));
  EXPECT_FALSE(f->datasync());
  EXPECT_FALSE(f->truncate(0));
  EXPECT_FALSE(_fs.open(_dir / "c", open_mode::create));
  EXPECT_FALSE(_fs.rename(_dir / "a", _dir / "c"));
  EXPECT_EQ(real_size("a"), 10u);
}

TEST_F(Faults, ThrottleDelaysWritesByRate) {
  _fs.set_write_throttle(1'000'000);  // 1 MB/s: 20 KB = 20 ms of imposed delay
  auto f = open_new("a");
  bytes data(10'000, 3);
  ASSERT_TRUE(write_all(*f, file_pos(0), data));
  ASSERT_TRUE(write_all(*f, file_pos(10'000), data));
  EXPECT_EQ(_fs.stats().throttle_ns, 20'000'000u);
  EXPECT_EQ(real_size("a"), 20'000u);
}

TEST_F(Faults, ConfigFromEnvironment) {
  ::setenv("STREAMDOWN_FAULT_WRITE_BPS", "1000000", 1);
  ::setenv("STREAMDOWN_FAULT_SHORT_WRITE", "512", 1);
  ::setenv("STREAMDOWN_FAULT_NO_SPACE_AFTER", "4096", 1);
  ::setenv("STREAMDOWN_FAULT_CRASH_AFTER", "-1", 1);
  ::setenv("STREAMDOWN_FAULT_FSYNC_EIO", "1", 1);
  ::setenv("STREAMDOWN_FAULT_FSYNC_EIO_AFTER", "30", 1);
  auto c = fault_config::from_env();
  EXPECT_EQ(c.fail_fsync_after, 30);
  EXPECT_EQ(c.write_bytes_per_second, 1'000'000u);
  EXPECT_EQ(c.max_bytes_per_write, 512u);
  EXPECT_EQ(c.no_space_after_bytes, 4096);
  EXPECT_EQ(c.crash_after_bytes, -1);
  EXPECT_TRUE(c.fail_fsync);
  EXPECT_TRUE(c.any());
  ::setenv("STREAMDOWN_FAULT_WRITE_BPS", "fast", 1);
  EXPECT_THROW(fault_config::from_env(), std::invalid_argument);
  for (const char* v : {"STREAMDOWN_FAULT_WRITE_BPS", "STREAMDOWN_FAULT_SHORT_WRITE", "STREAMDOWN_FAULT_NO_SPACE_AFTER",
                        "STREAMDOWN_FAULT_CRASH_AFTER", "STREAMDOWN_FAULT_FSYNC_EIO", "STREAMDOWN_FAULT_FSYNC_EIO_AFTER"}) {
    ::unsetenv(v);
  }
  EXPECT_FALSE(fault_config::from_env().any());
}

TEST(FaultsFromEnv, ProcessFilesystemHonoursTheEnvironment) {
  // First call in this process decides; with a throttle set it must be the faulty wrapper.
  ::setenv("STREAMDOWN_FAULT_WRITE_BPS", "500000000", 1);
  filesystem& fs = filesystem_from_env();
  ::unsetenv("STREAMDOWN_FAULT_WRITE_BPS");
  EXPECT_NE(&fs, &posix_filesystem());
  ASSERT_NE(dynamic_cast<faulty_filesystem*>(&fs), nullptr);
  test::temp_dir dir;
  auto f = fs.open(dir / "a", open_mode::create_new);
  ASSERT_TRUE(f);
  bytes data(1000, 1);
  ASSERT_TRUE(write_all(**f, file_pos(0), data));
  EXPECT_EQ(dynamic_cast<faulty_filesystem&>(fs).stats().throttle_ns, 2000u);  // 1000 B at 500 MB/s
  EXPECT_EQ(&filesystem_from_env(), &fs);  // decided once
}

TEST_F(Faults, NoFaultMeansPassThrough) {
  faulty_filesystem fs(posix_filesystem(), fault_config{});
  auto f = fs.open(_dir / "p", open_mode::create_new);
  ASSERT_TRUE(f);
  bytes data(4096, 9);
  ASSERT_TRUE(write_all(**f, file_pos(0), data));
  ASSERT_TRUE((*f)->datasync());
  EXPECT_EQ(fs.stats().bytes_written, 4096u);
  EXPECT_EQ(fs.stats().writes, 1u);
  EXPECT_EQ(fs.stats().syncs, 1u);
}

}  // namespace
}  // namespace sd::io
