// Broken GGUF files, one case each: the reader must return the expected code
// with a message that starts with the path and names the field.
//
// Every case's bytes are also committed as tests/testdata/corrupt/gguf/<case>.gguf
// (the fuzzer's seed corpus). After changing a case, regenerate them with
//   DOKJA_WRITE_GGUF_CORPUS=1 ./gguf_corrupt_test
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tensorfile/gguf/gguf_reader.h"
#include "tensorfile/gguf/gguf_writer.h"
#include "tensorfile/gguf/raw_gguf_test_util.h"

namespace dokja {
namespace {

using testing::RawGguf;

const std::string kCorpusDir = std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/corrupt/gguf";

constexpr uint32_t kF32 = 0, kQ4_0 = 2;

struct CorruptCase {
  std::string name;
  std::string bytes;
  StatusCode code;
  // A piece of the message that names the field.
  std::string field;
};

// Keeps gtest from dumping the struct's bytes when a case fails.
void PrintTo(const CorruptCase& c, std::ostream* os) { *os << c.name; }

RawGguf Kv1() { return RawGguf().Header(3, 0, 1); }
RawGguf T1() { return RawGguf().Header(3, 1, 0); }
RawGguf T2() { return RawGguf().Header(3, 2, 0); }

std::string NestedArrays(int depth) {
  RawGguf raw = Kv1();
  raw.Key("deep", 9);
  for (int level = 1; level < depth; ++level) raw.U32(9).U64(1);
  return raw.U32(0).U64(0).bytes();
}

std::vector<CorruptCase> Cases() {
  const StatusCode kC = StatusCode::kCorrupt, kU = StatusCode::kUnsupported;
  return {
      {"empty_file", "", kC, "magic"},
      {"truncated_magic", "GG", kC, "magic"},
      {"bad_magic", RawGguf().Raw("GGML").U32(3).U64(0).U64(0).bytes(), kC, "magic is 0x47474d4c"},
      {"truncated_header", RawGguf().Raw("GGUF").U32(3).U32(0).bytes(), kC, "n_tensors"},
      {"version_0", RawGguf().Header(0, 0, 0).bytes(), kC, "version 0"},
      {"version_1", RawGguf().Raw("GGUF").U32(1).U32(0).U32(0).bytes(), kU, "version 1"},
      {"version_99", RawGguf().Header(99, 0, 0).bytes(), kU, "version 99"},
      {"version_big_endian", RawGguf().Header(0x03000000, 0, 0).bytes(), kU, "big-endian"},
      {"n_kv_beyond_file", RawGguf().Header(3, 0, uint64_t{1} << 60).Zeros(32).bytes(), kC,
       "n_kv 1152921504606846976"},
      {"n_tensors_beyond_file", RawGguf().Header(3, uint64_t{1} << 60, 0).Zeros(32).bytes(), kC,
       "n_tensors 1152921504606846976"},
      {"truncated_kv_key", Kv1().U64(12).Raw("general").bytes(), kC, "KV #0: key"},
      {"key_length_beyond_file", Kv1().U64(uint64_t{1} << 50).Zeros(16).bytes(), kC,
       "KV #0: key: string length 1125899906842624"},
      {"truncated_kv_type", Kv1().Str("general.name").Raw("\x08").bytes(), kC,
       "KV #0 'general.name': value type"},
      {"truncated_kv_value", Kv1().Key("general.file_type", 4).Raw("\x01\x00").bytes(), kC,
       "KV #0 'general.file_type': truncated: need 4 bytes at offset 53 but only 1 are left"},
      {"string_length_beyond_file", Kv1().Key("general.name", 8).U64(uint64_t{1} << 40).Raw("abc").bytes(),
       kC, "KV #0 'general.name': string length 1099511627776"},
      {"array_count_beyond_file",
       Kv1().Key("tokenizer.ggml.scores", 9).U32(6).U64(uint64_t{1} << 61).Zeros(16).bytes(), kC,
       "KV #0 'tokenizer.ggml.scores': array count 2305843009213693952"},
      {"truncated_array_item",
       Kv1().Key("tokenizer.ggml.tokens", 9).U32(8).U64(2).Str("a").U64(5).Raw("b").bytes(), kC,
       "KV #0 'tokenizer.ggml.tokens': item 1: string length 5"},
      {"deeply_nested_arrays", NestedArrays(12), kU, "KV #0 'deep': item 0: item 0"},
      {"unknown_value_type", Kv1().Key("general.x", 13).U32(0).bytes(), kC,
       "KV #0 'general.x': value type 13 at offset 41 is unknown"},
      {"unknown_array_element_type", Kv1().Key("general.x", 9).U32(42).U64(0).bytes(), kC,
       "KV #0 'general.x': array element type 42"},
      {"bool_not_0_or_1", Kv1().Key("general.flag", 7).U8(2).Zeros(4).bytes(), kC,
       "KV #0 'general.flag': bool byte 2"},
      {"empty_key", Kv1().KvU32("", 1).bytes(), kC, "KV #0: key is empty"},
      {"invalid_utf8_key", Kv1().KvU32("general.\xff", 1).bytes(), kC, "KV #0: key is not valid UTF-8"},
      {"duplicate_key", RawGguf().Header(3, 0, 2).KvU32("a.b", 1).KvU32("a.b", 2).bytes(), kC,
       "KV #1 'a.b': duplicate key"},
      {"alignment_0", Kv1().KvU32("general.alignment", 0).bytes(), kC, "general.alignment: 0"},
      {"alignment_3", Kv1().KvU32("general.alignment", 3).bytes(), kC, "general.alignment: 3"},
      {"alignment_wrong_type", Kv1().Key("general.alignment", 5).U32(32).bytes(), kC,
       "general.alignment: type i32, expected u32"},
      {"truncated_tensor_info", T1().Str("blk.0.attn_q.weight").U32(2).U64(64).bytes(), kC,
       "tensor #0 'blk.0.attn_q.weight': ne[1]: truncated"},
      {"tensor_name_length_beyond_file", T1().U64(uint64_t{1} << 33).Zeros(24).bytes(), kC,
       "tensor #0: name: string length"},
      {"empty_tensor_name", T1().Info("", {4}, kF32, 0).Pad(32).Zeros(16).bytes(), kC,
       "tensor #0: name is empty"},
      {"invalid_utf8_tensor_name", T1().Info("w\xc0\x80", {4}, kF32, 0).Pad(32).Zeros(16).bytes(),
       kC, "tensor #0: name is not valid UTF-8"},
      {"n_dims_5", T1().Info("w", {1, 1, 1, 1, 1}, kF32, 0).Pad(32).Zeros(4).bytes(), kC,
       "tensor #0 'w': n_dims 5"},
      {"zero_extent", T1().Info("w", {4, 0}, kF32, 0).Pad(32).bytes(), kC,
       "tensor #0 'w': ne[1] is 0"},
      {"extent_above_int64", T1().Info("w", {uint64_t{1} << 63}, kF32, 0).Pad(32).bytes(), kC,
       "tensor #0 'w': ne[0] is 9223372036854775808"},
      {"shape_product_overflow",
       T1().Info("w", {uint64_t{1} << 32, uint64_t{1} << 32}, kF32, 0).Pad(32).bytes(), kC,
       "tensor #0 'w': shape product overflows"},
      {"byte_count_overflow", T1().Info("w", {uint64_t{1} << 62}, kF32, 0).Pad(32).bytes(), kC,
       "tensor #0 'w': 4611686018427387904 values of F32 overflow"},
      {"unknown_ggml_type", T1().Info("w", {32}, 4, 0).Pad(32).Zeros(128).bytes(), kC,
       "tensor #0 'w': unknown ggml type 4"},
      {"partial_block_row", T1().Info("w", {16, 2}, kQ4_0, 0).Pad(32).Zeros(64).bytes(), kC,
       "tensor #0 'w': row of 16 values is not a whole number of Q4_0 blocks"},
      {"duplicate_tensor_name",
       T2().Info("w", {4}, kF32, 0).Info("w", {4}, kF32, 32).Pad(32).Zeros(64).bytes(), kC,
       "tensor #1 'w': duplicate tensor name"},
      {"misaligned_offset", T1().Info("w", {4}, kF32, 4).Pad(32).Zeros(64).bytes(), kC,
       "tensor #0 'w': offset 4 is not a multiple of the alignment 32"},
      {"overlapping_tensors",
       T2().Info("a", {16}, kF32, 0).Info("b", {8}, kF32, 32).Pad(32).Zeros(96).bytes(), kC,
       "tensor #1 'b': bytes at offset 32 overlap tensor #0 'a' at [0, 64)"},
      {"data_beyond_file", T1().Info("w", {1024}, kF32, 0).Pad(32).Zeros(64).bytes(), kC,
       "tensor #0 'w': offset 0 + 4096 bytes exceeds the data section of 64 bytes"},
      {"offset_overflow", T1().Info("w", {4}, kF32, ~uint64_t{31}).Pad(32).Zeros(16).bytes(), kC,
       "tensor #0 'w': offset 18446744073709551584 + 16 bytes exceeds the data section"},
      {"truncated_data", T1().Info("w", {16}, kF32, 0).Pad(32).Zeros(40).bytes(), kC,
       "tensor #0 'w': offset 0 + 64 bytes exceeds the data section of 40 bytes"},
      {"data_section_past_end", T1().Info("w", {4}, kF32, 0).bytes(), kC,
       "data section: starts at 64"},
  };
}

Status OpenStatus(io::Env& env, const std::string& path, bool use_mmap = true) {
  auto f = OpenGgufFile(env, path, GgufOptions{.use_mmap = use_mmap});
  return f.ok() ? Status::OK() : f.status();
}

void ExpectNamesFileAndField(const Status& s, const std::string& path, const std::string& field) {
  EXPECT_EQ(s.message().rfind(path + ": ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find(field), std::string::npos)
      << "message: " << s.message() << "\nexpected to contain: " << field;
}

class GgufCorrupt : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(GgufCorrupt, IsRejectedWithItsCodeNamingTheFileAndField) {
  const CorruptCase& c = GetParam();
  io::MemEnv env;
  const std::string path = c.name + ".gguf";
  env.AddFile(path, c.bytes);
  Status s = OpenStatus(env, path);
  EXPECT_EQ(s.code(), c.code) << s.ToString();
  ExpectNamesFileAndField(s, path, c.field);
}

// Every case, cut short at every byte, is rejected without a crash.
TEST_P(GgufCorrupt, EveryPrefixIsRejected) {
  const CorruptCase& c = GetParam();
  io::MemEnv env;
  for (size_t len = 0; len < c.bytes.size(); ++len) {
    env.AddFile("p.gguf", c.bytes.substr(0, len));
    EXPECT_FALSE(OpenStatus(env, "p.gguf").ok()) << "prefix of " << len << " bytes";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GgufCorrupt, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<CorruptCase>& param_info) {
                           return param_info.param.name;
                         });

TEST(GgufCorruptCorpus, FilesMatchTheCases) {
  const bool write = std::getenv("DOKJA_WRITE_GGUF_CORPUS") != nullptr;
  for (const CorruptCase& c : Cases()) {
    const std::string path = kCorpusDir + "/" + c.name + ".gguf";
    if (write) {
      ASSERT_TRUE(WriteBytesToFile(path, c.bytes).ok()) << path;
    }
    auto on_disk = io::Env::Default().ReadFileToString(path, 1 << 20);
    ASSERT_TRUE(on_disk.ok()) << on_disk.status().ToString()
                              << "\n(run with DOKJA_WRITE_GGUF_CORPUS=1 to regenerate)";
    EXPECT_EQ(*on_disk, c.bytes) << path << " is stale; run with DOKJA_WRITE_GGUF_CORPUS=1";
  }
}

TEST(GgufCorruptCorpus, EveryFileInTheFolderFailsToOpen) {
  auto names = io::Env::Default().ListDir(kCorpusDir);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  size_t n_files = 0;
  for (const std::string& name : *names) {
    const std::string path = kCorpusDir + "/" + name;
    for (bool use_mmap : {true, false}) {
      Status s = OpenStatus(io::Env::Default(), path, use_mmap);
      EXPECT_FALSE(s.ok()) << path << " opened";
      EXPECT_EQ(s.message().rfind(path + ": ", 0), 0u) << s.message();
    }
    ++n_files;
  }
  EXPECT_GE(n_files, Cases().size());
}

}  // namespace
}  // namespace dokja
