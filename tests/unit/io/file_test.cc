// The file layer contract, run against both implementations: the POSIX one and the fault-injecting wrapper
// with no fault set (which must behave identically).

#include <gtest/gtest.h>

#include "io/errc.h"
#include "io/faulty_filesystem.h"
#include "io/filesystem.h"
#include "temp_dir.h"

namespace sd::io {
namespace {

class FileLayer : public ::testing::TestWithParam<bool> {
 protected:
  filesystem& fs() { return GetParam() ? static_cast<filesystem&>(_faulty) : posix_filesystem(); }
  test::temp_dir _dir;
  faulty_filesystem _faulty{posix_filesystem()};
};

TEST_P(FileLayer, WriteReadSizeTruncate) {
  auto f = fs().open(_dir / "a", open_mode::create_new);
  ASSERT_TRUE(f);
  ASSERT_TRUE(write_all(**f, file_pos(0), as_bytes("hello world")));
  ASSERT_TRUE(write_all(**f, file_pos(11), as_bytes("!")));
  EXPECT_EQ(*(*f)->size(), 12u);
  bytes buf(20);
  auto n = read_up_to(**f, file_pos(6), buf);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 6u);
  EXPECT_EQ(as_chars(byte_span(buf).first(6)), "world!");
  ASSERT_TRUE((*f)->datasync());
  ASSERT_TRUE((*f)->truncate(5));
  EXPECT_EQ(*(*f)->size(), 5u);
  EXPECT_GE((*f)->native_handle(), 0);
  ASSERT_TRUE((*f)->close());
  EXPECT_EQ((*f)->native_handle(), -1);
  EXPECT_EQ((*f)->pwrite(file_pos(0), as_bytes("x")).error(), make_error_code(errc::closed));
}

TEST_P(FileLayer, OpenModes) {
  EXPECT_EQ(fs().open(_dir / "missing", open_mode::read_only).error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(fs().open(_dir / "missing", open_mode::read_write).error(), std::errc::no_such_file_or_directory);
  auto f = fs().open(_dir / "b", open_mode::create);
  ASSERT_TRUE(f);
  ASSERT_TRUE(write_all(**f, file_pos(0), as_bytes("abc")));
  EXPECT_EQ(fs().open(_dir / "b", open_mode::create_new).error(), std::errc::file_exists);
  auto g = fs().open(_dir / "b", open_mode::create_truncate);
  ASSERT_TRUE(g);
  EXPECT_EQ(*(*g)->size(), 0u);
  auto ro = fs().open(_dir / "b", open_mode::read_only);
  ASSERT_TRUE(ro);
  EXPECT_FALSE((*ro)->pwrite(file_pos(0), as_bytes("x")));
}

TEST_P(FileLayer, DirectoryOperations) {
  ASSERT_TRUE(fs().mkdir(_dir / "x/y/z"));
  ASSERT_TRUE(fs().mkdir(_dir / "x/y/z"));  // existing is fine
  ASSERT_TRUE(fs().open(_dir / "x/y/f1", open_mode::create));
  ASSERT_TRUE(fs().rename(_dir / "x/y/f1", _dir / "x/y/f2"));
  EXPECT_FALSE(*fs().exists(_dir / "x/y/f1"));
  EXPECT_TRUE(*fs().exists(_dir / "x/y/f2"));
  auto list = fs().list(_dir / "x/y");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  int dirs = 0;
  for (const auto& e : *list) dirs += e.is_dir ? 1 : 0;
  EXPECT_EQ(dirs, 1);
  ASSERT_TRUE(fs().sync_dir(_dir / "x/y"));
  EXPECT_FALSE(fs().remove(_dir / "x"));  // not empty
  ASSERT_TRUE(fs().remove(_dir / "x/y/f2"));
  ASSERT_TRUE(fs().remove_all(_dir / "x"));
  EXPECT_FALSE(*fs().exists(_dir / "x"));
  ASSERT_TRUE(fs().remove_all(_dir / "x"));  // missing is fine
  EXPECT_FALSE(fs().list(_dir / "nope"));
  EXPECT_FALSE(fs().sync_dir(_dir / "nope"));
  auto space = fs().free_space(_dir.path());
  ASSERT_TRUE(space);
  EXPECT_GT(*space, 0u);
}

TEST_P(FileLayer, ExclusiveLock) {
  auto first = fs().lock_exclusive(_dir / ".lock");
  ASSERT_TRUE(first);
  auto second = fs().lock_exclusive(_dir / ".lock");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), make_error_code(errc::locked));
  first->reset();
  auto third = fs().lock_exclusive(_dir / ".lock");
  EXPECT_TRUE(third);
}

INSTANTIATE_TEST_SUITE_P(Impl, FileLayer, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "faulty" : "posix"; });

}  // namespace
}  // namespace sd::io
