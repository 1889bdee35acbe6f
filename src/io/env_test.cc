#include "io/env.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace dokja::io {
namespace {

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "dokja_env_test_" + name;
}

TEST(PosixEnv, MappedAndPreadReadsAgree) {
  const std::string path = TempPath("a.bin");
  std::string bytes;
  for (int i = 0; i < 10000; ++i) bytes.push_back(static_cast<char>(i * 7));
  std::ofstream(path, std::ios::binary) << bytes;
  for (bool mmap : {true, false}) {
    auto f = Env::Default().OpenFile(path, OpenOptions{.use_mmap = mmap});
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ((*f)->size(), bytes.size());
    EXPECT_EQ((*f)->mapped(), mmap);
    std::string got(100, '\0');
    ASSERT_TRUE((*f)->Read(9000, 100, reinterpret_cast<std::byte*>(got.data())).ok());
    EXPECT_EQ(got, bytes.substr(9000, 100));
  }
  std::remove(path.c_str());
}

TEST(PosixEnv, RejectsReadsBeyondTheEnd) {
  const std::string path = TempPath("b.bin");
  std::ofstream(path, std::ios::binary) << "0123456789";
  auto f = Env::Default().OpenFile(path);
  ASSERT_TRUE(f.ok());
  std::byte buf[16];
  Status s = (*f)->Read(5, 6, buf);
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find(path), std::string::npos);
  EXPECT_FALSE((*f)->Read(UINT64_MAX, 2, buf).ok());  // overflow, not wrap-around
  EXPECT_FALSE((*f)->View(8, 3).ok());
  std::remove(path.c_str());
}

TEST(PosixEnv, MissingFileIsNotFound) {
  auto f = Env::Default().OpenFile(TempPath("does-not-exist"));
  EXPECT_EQ(f.status().code(), StatusCode::kNotFound);
}

TEST(MemEnv, ServesFilesAndImpliedDirectories) {
  MemEnv env;
  env.AddFile("m/config.json", "{}");
  env.AddFile("m/w/a.safetensors", "xyz");
  EXPECT_EQ(env.Stat("m"), PathKind::kDirectory);
  EXPECT_EQ(env.Stat("m/config.json"), PathKind::kFile);
  EXPECT_EQ(env.Stat("n"), PathKind::kMissing);
  auto names = env.ListDir("m");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"config.json", "w"}));
  auto text = env.ReadFileToString("m/w/a.safetensors", 100);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "xyz");
  EXPECT_EQ(env.ReadFileToString("m/w/a.safetensors", 2).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Path, JoinDirAndBase) {
  EXPECT_EQ(JoinPath("a/b", "c"), "a/b/c");
  EXPECT_EQ(JoinPath("a/b/", "c"), "a/b/c");
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(BaseName("a/b/c"), "c");
}

}  // namespace
}  // namespace dokja::io
