#include "security/user_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "temp_dir.h"

namespace sd::security {
namespace {

namespace fs = std::filesystem;

constexpr std::int32_t store_iters = min_scram_iterations;

scram_credential cred256(std::string_view password) {
  return make_scram_credential(scram_algorithm::sha256, password, store_iters);
}
scram_credential cred512(std::string_view password) {
  return make_scram_credential(scram_algorithm::sha512, password, store_iters);
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777u;
}

void write_text(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

class UserStore : public testing::Test {
 protected:
  std::unique_ptr<user_store> open_store() {
    auto r = user_store::open(file);
    EXPECT_TRUE(r) << r.error().message();
    return r ? std::move(r).value() : nullptr;
  }

  test::temp_dir dir;
  fs::path file = fs::path(dir.path()) / "security" / "users.json";
};

TEST_F(UserStore, MissingFileIsEmptyAndNotCreated) {
  auto s = open_store();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->empty());
  EXPECT_TRUE(s->list().empty());
  EXPECT_FALSE(s->find("alice", scram_algorithm::sha256));
  EXPECT_FALSE(fs::exists(file));  // created with the first change only
  ASSERT_TRUE(fs::is_directory(file.parent_path()));
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
}

TEST_F(UserStore, UpsertFindRemoveList) {
  auto s = open_store();
  const auto a256 = cred256("a-pw");
  const auto a512 = cred512("a-pw");
  const auto b256 = cred256("b-pw");
  ASSERT_TRUE(s->upsert("bob", b256));
  ASSERT_TRUE(s->upsert("alice", a512));
  ASSERT_TRUE(s->upsert("alice", a256));
  EXPECT_FALSE(s->empty());

  EXPECT_EQ(s->find("alice", scram_algorithm::sha256), a256);
  EXPECT_EQ(s->find("alice", scram_algorithm::sha512), a512);
  EXPECT_EQ(s->find("bob", scram_algorithm::sha256), b256);
  EXPECT_FALSE(s->find("bob", scram_algorithm::sha512));
  EXPECT_FALSE(s->find("carol", scram_algorithm::sha256));

  const auto users = s->list();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "alice");  // sorted by name
  ASSERT_EQ(users[0].credentials.size(), 2u);
  EXPECT_EQ(users[0].credentials[0].algorithm, scram_algorithm::sha256);  // ordered by algorithm
  EXPECT_EQ(users[0].credentials[1].algorithm, scram_algorithm::sha512);
  EXPECT_EQ(users[0].credentials[0].iterations, store_iters);
  EXPECT_EQ(users[1].name, "bob");
  ASSERT_EQ(users[1].credentials.size(), 1u);

  // Replacing a credential keeps one per algorithm.
  const auto b256_new = make_scram_credential(scram_algorithm::sha256, "b-new", 8192);
  ASSERT_TRUE(s->upsert("bob", b256_new));
  EXPECT_EQ(s->find("bob", scram_algorithm::sha256), b256_new);
  EXPECT_EQ(s->list()[1].credentials.size(), 1u);
  EXPECT_EQ(s->list()[1].credentials[0].iterations, 8192);

  ASSERT_TRUE(s->remove("alice", scram_algorithm::sha512));
  EXPECT_FALSE(s->find("alice", scram_algorithm::sha512));
  EXPECT_TRUE(s->find("alice", scram_algorithm::sha256));
}

TEST_F(UserStore, RemovingLastCredentialRemovesUser) {
  auto s = open_store();
  ASSERT_TRUE(s->upsert("alice", cred256("pw")));
  ASSERT_TRUE(s->upsert("alice", cred512("pw")));
  ASSERT_TRUE(s->remove("alice", scram_algorithm::sha256));
  EXPECT_EQ(s->list().size(), 1u);
  ASSERT_TRUE(s->remove("alice", scram_algorithm::sha512));
  EXPECT_TRUE(s->list().empty());
  EXPECT_TRUE(s->empty());
  auto reopened = open_store();
  EXPECT_TRUE(reopened->empty());
}

TEST_F(UserStore, RemoveNotFound) {
  auto s = open_store();
  EXPECT_EQ(s->remove("alice", scram_algorithm::sha256).error(), errc::not_found);
  ASSERT_TRUE(s->upsert("alice", cred256("pw")));
  EXPECT_EQ(s->remove("alice", scram_algorithm::sha512).error(), errc::not_found);
  EXPECT_EQ(s->remove("bob", scram_algorithm::sha256).error(), errc::not_found);
  EXPECT_TRUE(s->find("alice", scram_algorithm::sha256));
}

TEST_F(UserStore, PersistsAcrossReopen) {
  const auto a256 = cred256("pw");
  const auto a512 = cred512("pw2");
  const std::string odd_name = "o,dd=name \xc3\xa9";  // ',' '=' and UTF-8 survive
  {
    auto s = open_store();
    ASSERT_TRUE(s->upsert("alice", a256));
    ASSERT_TRUE(s->upsert("alice", a512));
    ASSERT_TRUE(s->upsert(odd_name, a256));
    ASSERT_TRUE(s->upsert("zed", a256));
    ASSERT_TRUE(s->remove("zed", scram_algorithm::sha256));
  }
  auto s = open_store();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->find("alice", scram_algorithm::sha256), a256);
  EXPECT_EQ(s->find("alice", scram_algorithm::sha512), a512);
  EXPECT_EQ(s->find(odd_name, scram_algorithm::sha256), a256);
  EXPECT_FALSE(s->find("zed", scram_algorithm::sha256));
  EXPECT_EQ(s->list().size(), 2u);
  // No temp file left behind.
  EXPECT_FALSE(fs::exists(fs::path(file) += ".tmp"));
}

TEST_F(UserStore, FileModeIs0600AndHoldsNoPassword) {
  auto s = open_store();
  ASSERT_TRUE(s->upsert("alice", cred256("hunter2-secret")));
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(file.parent_path()), 0700u);
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("SCRAM-SHA-256"), std::string::npos);
  // A second write replaces the file and keeps the mode.
  ASSERT_TRUE(s->upsert("bob", cred256("x")));
  EXPECT_EQ(mode_of(file), 0600u);
}

TEST_F(UserStore, CorruptFileIsAnError) {
  fs::create_directories(file.parent_path());
  const auto good = [&] {
    auto s = open_store();
    EXPECT_TRUE(s->upsert("alice", cred256("pw")));
    std::ifstream in(file);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  const std::vector<std::string> corrupt = {
      "",
      "{",
      "not json",
      good.substr(0, good.size() / 2),  // torn
      "[]",
      R"({"users": []})",                // no version
      R"({"version": 2, "users": []})",  // unknown version
      R"({"version": 1, "users": {}})",
      R"({"version": 1, "users": [{"name": "alice", "credentials": []}]})",
      R"({"version": 1, "users": [{"name": "", "credentials": [1]}]})",
      R"({"version": 1, "users": [{"name": "alice", "credentials": [{"mechanism": "SCRAM-SHA-1"}]}]})",
  };
  for (const auto& text : corrupt) {
    SCOPED_TRACE(text.substr(0, 80));
    write_text(file, text);
    auto r = user_store::open(file);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), errc::corrupt_store);
  }
  // Field-level damage to a real file: a bad base64 key, a key of the wrong length, a duplicate user.
  auto damaged = good;
  const auto pos = damaged.find("\"stored_key\": \"") + 15;
  damaged[pos] = '*';
  write_text(file, damaged);
  EXPECT_EQ(user_store::open(file).error(), errc::corrupt_store);

  damaged = good;
  damaged.replace(damaged.find("\"stored_key\": \"") + 15, 4, "");
  write_text(file, damaged);
  EXPECT_EQ(user_store::open(file).error(), errc::corrupt_store);

  const auto users_at = good.find('[');
  const auto users_end = good.rfind(']');
  const std::string one_user = good.substr(users_at + 1, users_end - users_at - 1);
  write_text(file, good.substr(0, users_end) + "," + one_user + good.substr(users_end));
  EXPECT_EQ(user_store::open(file).error(), errc::corrupt_store);

  write_text(file, good);
  EXPECT_TRUE(user_store::open(file));
}

TEST_F(UserStore, RejectsInvalidInput) {
  auto s = open_store();
  EXPECT_EQ(s->upsert("", cred256("pw")).error(), errc::invalid_argument);
  EXPECT_EQ(s->upsert("a\nb", cred256("pw")).error(), errc::invalid_argument);
  auto weak = make_scram_credential(scram_algorithm::sha256, "pw", min_scram_iterations - 1);
  EXPECT_EQ(s->upsert("alice", weak).error(), errc::invalid_argument);
  auto broken = cred256("pw");
  broken.stored_key.resize(5);
  EXPECT_EQ(s->upsert("alice", broken).error(), errc::invalid_argument);
  auto mismatched = cred256("pw");
  mismatched.algorithm = scram_algorithm::sha512;  // keys of SHA-256 length
  EXPECT_EQ(s->upsert("alice", mismatched).error(), errc::invalid_argument);
  EXPECT_TRUE(s->empty());
  EXPECT_FALSE(fs::exists(file));
}

TEST_F(UserStore, VerifyPlain) {
  auto s = open_store();
  ASSERT_TRUE(s->upsert("alice", cred512("pw-a")));
  ASSERT_TRUE(s->upsert("bob", cred256("pw-b")));
  EXPECT_TRUE(s->verify_plain("alice", "pw-a"));
  EXPECT_TRUE(s->verify_plain("bob", "pw-b"));
  EXPECT_FALSE(s->verify_plain("alice", "pw-b"));
  EXPECT_FALSE(s->verify_plain("carol", "pw-a"));
  EXPECT_FALSE(s->verify_plain("alice", ""));
}

TEST_F(UserStore, WriteFailureLeavesStateUnchanged) {
  auto s = open_store();
  ASSERT_TRUE(s->upsert("alice", cred256("pw")));
  // A non-empty directory where the temp file goes: the write fails even for root.
  const fs::path tmp = fs::path(file) += ".tmp";
  fs::create_directories(tmp / "blocker");
  EXPECT_EQ(s->upsert("bob", cred256("pw")).error(), errc::io_error);
  EXPECT_EQ(s->remove("alice", scram_algorithm::sha256).error(), errc::io_error);
  EXPECT_FALSE(s->find("bob", scram_algorithm::sha256));  // readers never see a change that is not durable
  EXPECT_TRUE(s->find("alice", scram_algorithm::sha256));
  fs::remove_all(tmp);
  auto reopened = open_store();
  EXPECT_EQ(reopened->list().size(), 1u);
  ASSERT_TRUE(s->upsert("bob", cred256("pw")));  // and the store works again once the obstacle is gone
}

TEST_F(UserStore, ConcurrentReadersAndWriter) {
  auto s = open_store();
  const auto c = cred256("pw");
  ASSERT_TRUE(s->upsert("alice", c));
  std::atomic<bool> stop{false};
  std::atomic<int> misses{0};
  std::thread reader([&] {
    while (!stop.load()) {
      if (s->find("alice", scram_algorithm::sha256) != c) ++misses;
      (void)s->list();
    }
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(s->upsert("user" + std::to_string(i), c));
  }
  stop = true;
  reader.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(s->list().size(), 21u);
}

TEST(UserStoreNames, ValidUserName) {
  EXPECT_TRUE(user_store::valid_user_name("alice"));
  EXPECT_TRUE(user_store::valid_user_name("a,b=c"));
  EXPECT_TRUE(user_store::valid_user_name("CN=app,OU=eng"));
  EXPECT_TRUE(user_store::valid_user_name("j\xc3\xb6rg"));
  EXPECT_TRUE(user_store::valid_user_name(std::string(255, 'x')));
  EXPECT_FALSE(user_store::valid_user_name(std::string(256, 'x')));
  EXPECT_FALSE(user_store::valid_user_name(""));
  EXPECT_FALSE(user_store::valid_user_name(std::string("a\0b", 3)));
  EXPECT_FALSE(user_store::valid_user_name("a\tb"));
  EXPECT_FALSE(user_store::valid_user_name("a\x7f"));
  EXPECT_FALSE(user_store::valid_user_name("bad\xff"));       // not UTF-8
  EXPECT_FALSE(user_store::valid_user_name("\xc0\xaf"));      // overlong
  EXPECT_FALSE(user_store::valid_user_name("\xed\xa0\x80"));  // surrogate
}

}  // namespace
}  // namespace sd::security
