#include "app/config_loader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace sd::app {
namespace {

std::string write_temp(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("sd_cfg_" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigLoader, FlattensDottedAndQuotedKeys) {
  auto path = write_temp(
      "\"num.partitions\" = 3\n"
      "auto.create.topics.enable = false\n"
      "[log]\nretention.ms = 1000\n");
  auto m = load_toml_file(path);
  std::filesystem::remove(path);
  EXPECT_EQ(m["num.partitions"], "3");
  EXPECT_EQ(m["auto.create.topics.enable"], "false");
  EXPECT_EQ(m["log.retention.ms"], "1000");
}

TEST(ConfigLoader, BadTomlNamesFileAndLine) {
  auto path = write_temp("num.partitions = \n");
  try {
    load_toml_file(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(ConfigLoader, ArraysOfTablesBecomeIndexedKeys) {
  auto path = write_temp(
      "[[alert]]\nname = \"a\"\nthreshold = 1000\nfor_seconds = 0.5\n"
      "[[alert]]\nname = \"b\"\npartition = 2\n");
  auto m = load_toml_file(path);
  std::filesystem::remove(path);
  EXPECT_EQ(m["alert.0.name"], "a");
  EXPECT_EQ(m["alert.0.threshold"], "1000");
  EXPECT_EQ(m["alert.0.for_seconds"], "0.5");
  EXPECT_EQ(m["alert.1.name"], "b");
  EXPECT_EQ(m["alert.1.partition"], "2");
}

TEST(ConfigLoader, ScalarArraysBecomeCommaListsAndNestedArraysAreRefusedNamingTheKey) {
  auto path = write_temp("[[source]]\ntopics = [\"a/#\", \"b\"]\nports = [1, 2]\n");
  auto m = load_toml_file(path);
  EXPECT_EQ(m["source.0.topics"], "a/#,b");
  EXPECT_EQ(m["source.0.ports"], "1,2");
  std::filesystem::remove(path);

  path = write_temp("[[alert]]\ntopic = [[\"a\"], [\"b\"]]\n");
  try {
    load_toml_file(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'alert.0.topic'"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(ConfigLoader, OverridesReplaceFileValues) {
  std::map<std::string, std::string> m{{"num.partitions", "3"}};
  apply_overrides(m, {"num.partitions=5", "log.retention.ms=-1", "x=a=b"});
  EXPECT_EQ(m["num.partitions"], "5");
  EXPECT_EQ(m["log.retention.ms"], "-1");
  EXPECT_EQ(m["x"], "a=b");
  EXPECT_THROW(apply_overrides(m, {"novalue"}), std::runtime_error);
  EXPECT_THROW(apply_overrides(m, {"=3"}), std::runtime_error);
}

}  // namespace
}  // namespace sd::app
