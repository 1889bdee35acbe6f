#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "tensorfile/safetensors/safetensors_reader.h"
#include "tensorfile/safetensors/safetensors_writer.h"
#include "tensorfile/safetensors/test_util.h"

namespace dokja {
namespace {

using safetensors_test::InMemory;
using safetensors_test::LeBytes;
using safetensors_test::MemEnvOpener;
using safetensors_test::RawFile;

// Five F32 tensors of 8, 8, 8, 16 and 4 values; tensor i holds i*100 + j.
struct Checkpoint {
  std::vector<std::string> bytes;
  std::vector<TensorToWrite> tensors;
};
Checkpoint MakeCheckpoint() {
  const std::vector<std::pair<std::string, std::vector<uint64_t>>> specs = {
      {"embed", {2, 4}}, {"l0.q", {8}}, {"l0.k", {4, 2}}, {"l1.q", {4, 4}}, {"norm", {4}}};
  Checkpoint c;
  c.bytes.reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    uint64_t n = 1;
    for (uint64_t d : specs[i].second) n *= d;
    std::vector<float> v(n);
    for (uint64_t j = 0; j < n; ++j) v[j] = static_cast<float>(i * 100 + j);
    c.bytes.push_back(LeBytes(v));
    c.tensors.push_back(InMemory(specs[i].first, DType::kF32, specs[i].second, c.bytes.back()));
  }
  return c;
}

// With max 64 bytes: shard 1 = embed (32) + l0.q (32); shard 2 = l0.k (32);
// shard 3 = l1.q (64); shard 4 = norm (16).
TEST(ShardedSafetensors, RoundTripsThroughWriterAndReaderInMemory) {
  io::MemEnv env;
  const Checkpoint c = MakeCheckpoint();
  auto written = WriteShardedSafetensors(
      "ckpt", c.tensors, {{"format", "pt"}},
      {.max_shard_bytes = 64, .prefix = "model", .open_sink = MemEnvOpener(env)});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->index_path, "ckpt/model.safetensors.index.json");
  const std::vector<std::string> shards = {
      "ckpt/model-00001-of-00004.safetensors", "ckpt/model-00002-of-00004.safetensors",
      "ckpt/model-00003-of-00004.safetensors", "ckpt/model-00004-of-00004.safetensors"};
  EXPECT_EQ(written->shard_paths, shards);

  auto file = OpenShardedSafetensors(env, written->index_path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->paths(), shards);
  const std::vector<std::pair<std::string, uint32_t>> want = {
      {"embed", 0}, {"l0.q", 0}, {"l0.k", 1}, {"l1.q", 2}, {"norm", 3}};
  ASSERT_EQ((*file)->tensors().size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const TensorInfo& t = (*file)->tensors()[i];
    EXPECT_EQ(t.name, want[i].first);
    EXPECT_EQ(t.file_index, want[i].second) << t.name;
    auto values = (*file)->ReadF32(t);
    ASSERT_TRUE(values.ok()) << values.status().ToString();
    EXPECT_EQ((*values)[0], static_cast<float>(i * 100)) << t.name;
    EXPECT_EQ(values->back(), static_cast<float>(i * 100 + t.n_elements - 1)) << t.name;
  }
  EXPECT_EQ((*file)->metadata().GetInt("total_size"), 32 + 32 + 32 + 64 + 16);
  EXPECT_EQ((*file)->metadata().GetString("format"), "pt");
  EXPECT_EQ((*file)->tensor_bytes(), 176u);

  auto by_folder = OpenTensorFile(env, "ckpt");
  ASSERT_TRUE(by_folder.ok()) << by_folder.status().ToString();
  EXPECT_EQ((*by_folder)->paths().size(), 4u);
}

TEST(ShardedSafetensors, RoundTripsThroughRealFiles) {
  const std::string dir = ::testing::TempDir() + "dokja_st_sharded";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const Checkpoint c = MakeCheckpoint();
  auto written = WriteShardedSafetensors(dir, c.tensors, {}, {.max_shard_bytes = 100});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->shard_paths.size(), 2u);  // 32+32+32 | 64+16
  auto file = OpenShardedSafetensors(io::Env::Default(), written->index_path);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Find("l1.q")->file_index, 1u);
  EXPECT_EQ((*file)->Find("l0.k")->file_index, 0u);
  EXPECT_EQ((*(*file)->ReadF32(*(*file)->Find("norm")))[3], 403.0f);
  std::filesystem::remove_all(dir);
}

// A hand-written index over hand-written shards, for the broken cases.
class ShardedCorrupt : public ::testing::Test {
 protected:
  ShardedCorrupt() {
    env_.AddFile("m/a.safetensors", Shard({"x", "y"}));
    env_.AddFile("m/b.safetensors", Shard({"z"}));
  }
  // A shard holding U8 [1] tensors with these names.
  static std::string Shard(const std::vector<std::string>& names) {
    std::string header = "{", data;
    for (size_t i = 0; i < names.size(); ++i) {
      header += (i ? "," : "") + ("\"" + names[i] + R"(":{"dtype":"U8","shape":[1],)") +
                R"("data_offsets":[)" + std::to_string(i) + "," + std::to_string(i + 1) + "]}";
      data.push_back(static_cast<char>('0' + i));
    }
    return RawFile(header + "}", data);
  }
  Status OpenIndex(const std::string& json) {
    env_.AddFile(kIndex, json);
    return OpenShardedSafetensors(env_, kIndex).status();
  }
  void ExpectRejected(const Status& s, StatusCode code, const std::string& field) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.message().rfind(kIndex, 0), 0u) << s.ToString();
    EXPECT_NE(s.message().find(field), std::string::npos) << s.ToString() << "\nwant: " << field;
  }
  const std::string kIndex = "m/model.safetensors.index.json";
  io::MemEnv env_;
};

TEST_F(ShardedCorrupt, AcceptsTheConsistentBaseline) {
  EXPECT_TRUE(OpenIndex(R"({"weight_map":{"x":"a.safetensors","y":"a.safetensors",
                                          "z":"b.safetensors"}})")
                  .ok());
}

TEST_F(ShardedCorrupt, RejectsMissingShard) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"a.safetensors","y":"a.safetensors",
                                             "z":"c.safetensors"}})"),
                 StatusCode::kNotFound, "shard 'c.safetensors'");
}

TEST_F(ShardedCorrupt, RejectsTensorMappedToTheWrongShard) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"a.safetensors","y":"b.safetensors",
                                             "z":"b.safetensors"}})"),
                 StatusCode::kCorrupt, "tensor 'y' is mapped to shard 'b.safetensors' but lives");
}

TEST_F(ShardedCorrupt, RejectsTensorPresentInTwoShards) {
  env_.AddFile("m/b.safetensors", Shard({"z", "x"}));
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"a.safetensors","y":"a.safetensors",
                                             "z":"b.safetensors"}})"),
                 StatusCode::kCorrupt, "tensor 'x' appears in both");
}

TEST_F(ShardedCorrupt, RejectsShardTensorMissingFromWeightMap) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"a.safetensors","z":"b.safetensors"}})"),
                 StatusCode::kCorrupt, "tensor 'y' in shard 'a.safetensors' is missing");
}

TEST_F(ShardedCorrupt, RejectsWeightMapTensorAbsentFromEveryShard) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"a.safetensors","y":"a.safetensors",
                                             "z":"b.safetensors","w":"b.safetensors"}})"),
                 StatusCode::kCorrupt, "tensor 'w' is not in shard 'b.safetensors'");
}

TEST_F(ShardedCorrupt, RejectsIndexThatIsNotJson) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":)"), StatusCode::kCorrupt, "not valid JSON");
}

TEST_F(ShardedCorrupt, RejectsIndexWithoutWeightMap) {
  ExpectRejected(OpenIndex(R"({"metadata":{}})"), StatusCode::kCorrupt, "weight_map must be");
}

TEST_F(ShardedCorrupt, RejectsTensorListedTwiceInWeightMap) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"a.safetensors","x":"b.safetensors"}})"),
                 StatusCode::kCorrupt, "duplicate key 'x'");
}

TEST_F(ShardedCorrupt, RejectsPathTraversalInShardName) {
  env_.AddFile("evil.safetensors", Shard({"x"}));
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"../evil.safetensors"}})"), StatusCode::kCorrupt,
                 "'..'");
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"sub/../../evil.safetensors"}})"),
                 StatusCode::kCorrupt, "'..'");
}

TEST_F(ShardedCorrupt, RejectsAbsoluteShardName) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":"/etc/passwd"}})"), StatusCode::kCorrupt,
                 "relative");
}

TEST_F(ShardedCorrupt, RejectsNonStringShardName) {
  ExpectRejected(OpenIndex(R"({"weight_map":{"x":1}})"), StatusCode::kCorrupt,
                 "tensor 'x' must map to a shard file name");
}

TEST_F(ShardedCorrupt, ReportsCorruptShardByItsOwnPath) {
  env_.AddFile("m/b.safetensors", RawFile("{oops}"));
  Status s = OpenIndex(R"({"weight_map":{"x":"a.safetensors","y":"a.safetensors",
                                         "z":"b.safetensors"}})");
  EXPECT_EQ(s.code(), StatusCode::kCorrupt);
  EXPECT_EQ(s.message().rfind("m/b.safetensors: ", 0), 0u) << s.ToString();
}

TEST_F(ShardedCorrupt, KeepsIndexMetadataWithItsJsonTypes) {
  ASSERT_TRUE(OpenIndex(R"({"metadata":{"total_size":3,"total_parameters":3,"name":"m",
                                        "ok":true},
                            "weight_map":{"x":"a.safetensors","y":"a.safetensors",
                                          "z":"b.safetensors"}})")
                  .ok());
  auto file = OpenShardedSafetensors(env_, kIndex);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->metadata().Find("total_size")->type, MetaType::kU64);
  EXPECT_EQ((*file)->metadata().GetInt("total_size"), 3);
  EXPECT_EQ((*file)->metadata().GetString("name"), "m");
  EXPECT_EQ((*file)->metadata().Find("ok")->type, MetaType::kBool);
}

}  // namespace
}  // namespace dokja
