#include "tensorfile/safetensors/safetensors_writer.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "tensorfile/safetensors/safetensors_reader.h"
#include "tensorfile/safetensors/test_util.h"

namespace dokja {
namespace {

using safetensors_test::InMemory;
using safetensors_test::LeBytes;

// Byte i of the streamed tensor: a pattern the test can recompute.
std::byte PatternByte(uint64_t i) { return static_cast<std::byte>((i * 7 + 3) % 251); }

TEST(SafetensorsWriter, StreamsTensorsInOrderedChunksOfAtMostTheBufferSize) {
  const uint64_t n_values = 300'001;  // U16: 600,002 bytes, not a multiple of the buffer
  uint64_t next = 0, calls = 0;
  TensorToWrite big;
  big.name = "big";
  big.dtype = DType::kU16;
  big.shape = {n_values};
  big.fill = [&](uint64_t offset, std::span<std::byte> dst) {
    EXPECT_EQ(offset, next);
    EXPECT_LE(dst.size(), 4096u);
    for (size_t k = 0; k < dst.size(); ++k) dst[k] = PatternByte(offset + k);
    next += dst.size();
    ++calls;
    return Status::OK();
  };
  const std::string small = LeBytes<float>({1, 2});
  std::string out;
  StringSink sink(&out);
  ASSERT_TRUE(WriteSafetensors(sink, {InMemory("small", DType::kF32, {2}, small), big}, {},
                               {.buffer_bytes = 4096})
                  .ok());
  EXPECT_EQ(next, 2 * n_values);
  EXPECT_EQ(calls, (2 * n_values + 4095) / 4096);

  io::MemEnv env;
  env.AddFile("s.safetensors", out);
  auto file = OpenSafetensors(env, "s.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const TensorInfo& t = *(*file)->Find("big");
  std::vector<std::byte> got(t.n_bytes);
  ASSERT_TRUE((*file)->ReadRaw(t, 0, got.size(), got.data()).ok());
  for (uint64_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], PatternByte(i)) << "byte " << i;
  EXPECT_EQ(*(*file)->ReadF32(*(*file)->Find("small")), (std::vector<float>{1, 2}));
}

TEST(SafetensorsWriter, PadsTheHeaderWithSpacesToAMultipleOf8) {
  for (size_t name_len = 1; name_len <= 9; ++name_len) {
    auto bytes =
        SerializeSafetensors({InMemory(std::string(name_len, 'n'), DType::kU8, {0}, "")}, {});
    ASSERT_TRUE(bytes.ok());
    const uint64_t n = LoadLE<uint64_t>(bytes->data());
    EXPECT_EQ(n % 8, 0u) << name_len;
    EXPECT_EQ(bytes->size(), 8 + n);
    const size_t json_end = bytes->rfind('}');
    EXPECT_EQ(bytes->find_first_not_of(' ', json_end + 1), std::string::npos);
    EXPECT_LT(bytes->size() - 1 - json_end, 8u);
  }
}

TEST(SafetensorsWriter, RejectsBadTensorsAsInvalidArgument) {
  const std::string eight(8, '\0');
  const std::vector<std::vector<TensorToWrite>> bad = {
      {InMemory("a", DType::kF32, {2}, eight), InMemory("a", DType::kF32, {2}, eight)},
      {InMemory("__metadata__", DType::kF32, {2}, eight)},
      {InMemory("a", DType::kF32, {3}, eight)},
      {InMemory("a", DType::kQ8_0, {32}, std::string(34, '\0'))},
      {InMemory("bad\xff", DType::kF32, {2}, eight)},
      {InMemory("a", DType::kF64, {1ull << 62, 4}, "")},
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    std::string out;
    StringSink sink(&out);
    Status s = WriteSafetensors(sink, bad[i], {});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << i << ": " << s.ToString();
    EXPECT_TRUE(out.empty()) << i;  // nothing written before the checks pass
  }
  std::string out;
  StringSink sink(&out);
  EXPECT_EQ(WriteSafetensors(sink, {}, {{"k", "\xc3"}}).code(), StatusCode::kInvalidArgument);
}

TEST(SafetensorsWriter, FailedFillLeavesNoFileBehind) {
  const std::string path = ::testing::TempDir() + "dokja_st_writer_fail.safetensors";
  std::remove(path.c_str());
  TensorToWrite t;
  t.name = "t";
  t.dtype = DType::kU8;
  t.shape = {100};
  t.fill = [](uint64_t, std::span<std::byte>) { return Status::IOError("source went away"); };
  Status s = WriteSafetensorsFile(path, {t}, {});
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find("tensor 't'"), std::string::npos) << s.ToString();
  EXPECT_EQ(io::Env::Default().Stat(path), io::PathKind::kMissing);
  EXPECT_EQ(io::Env::Default().Stat(path + ".tmp"), io::PathKind::kMissing);
}

TEST(SafetensorsWriter, FileSinkReportsUnwritablePathAsIOError) {
  auto sink = NewFileSink("/nonexistent-dir-dokja/x.safetensors");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kIOError);
  EXPECT_NE(sink.status().message().find("/nonexistent-dir-dokja/x.safetensors"),
            std::string::npos);
}

std::vector<size_t> ShardSizes(const std::vector<uint64_t>& tensor_bytes, uint64_t max) {
  io::MemEnv env;
  std::vector<std::string> data;
  data.reserve(tensor_bytes.size());
  std::vector<TensorToWrite> tensors;
  for (size_t i = 0; i < tensor_bytes.size(); ++i) {
    data.emplace_back(tensor_bytes[i], 'x');
    tensors.push_back(InMemory("t" + std::to_string(i), DType::kU8, {tensor_bytes[i]}, data[i]));
  }
  auto written = WriteShardedSafetensors(
      "d", tensors, {}, {.max_shard_bytes = max, .open_sink = safetensors_test::MemEnvOpener(env)});
  EXPECT_TRUE(written.ok()) << written.status().ToString();
  auto file = OpenShardedSafetensors(env, "d/model.safetensors.index.json");
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  std::vector<size_t> per_shard(written->shard_paths.size());
  for (const TensorInfo& t : (*file)->tensors()) ++per_shard[t.file_index];
  return per_shard;
}

TEST(SafetensorsWriter, ShardsGreedilyAndGivesOversizedTensorsTheirOwnShard) {
  // 40+40 fit in 100; 40 more would not; 100 fills a shard; 10 starts the next.
  EXPECT_EQ(ShardSizes({40, 40, 40, 100, 10}, 100), (std::vector<size_t>{2, 1, 1, 1}));
  EXPECT_EQ(ShardSizes({10, 300, 10}, 50), (std::vector<size_t>{1, 1, 1}));
  EXPECT_EQ(ShardSizes({1, 2, 3}, 1000), (std::vector<size_t>{3}));
}

TEST(SafetensorsWriter, ShardedWriteRejectsNoTensorsAndBadOptions) {
  EXPECT_EQ(WriteShardedSafetensors("d", {}, {}).status().code(), StatusCode::kInvalidArgument);
  const std::string b(4, '\0');
  EXPECT_EQ(
      WriteShardedSafetensors("d", {InMemory("a", DType::kU8, {4}, b)}, {}, {.max_shard_bytes = 0})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      WriteShardedSafetensors("d", {InMemory("a", DType::kU8, {4}, b)}, {}, {.prefix = "../x"})
          .status()
          .code(),
      StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dokja
