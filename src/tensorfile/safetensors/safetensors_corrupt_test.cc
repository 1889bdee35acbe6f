// Broken single files, one test per rule. Each case's bytes also live in
// tests/testdata/corrupt/safetensors/<case>.safetensors, where they seed the
// fuzzer; run with DOKJA_WRITE_CORPUS=1 to rewrite them after changing a case.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tensorfile/safetensors/safetensors_reader.h"
#include "tensorfile/safetensors/test_util.h"

namespace dokja {
namespace {

using safetensors_test::RawFile;

struct CorruptCase {
  std::string name;
  std::string bytes;
  StatusCode code;
  // A piece of the message naming the field at fault.
  std::string field;
};

// A valid entry for tensor `name`: F32 [2] at [begin, begin + 8).
std::string Entry(const std::string& name, int begin) {
  return "\"" + name + R"(":{"dtype":"F32","shape":[2],"data_offsets":[)" + std::to_string(begin) +
         "," + std::to_string(begin + 8) + "]}";
}
// A header with one tensor "a" whose fields are `fields`, and 8 data bytes.
std::string WithFields(const std::string& fields) {
  return RawFile(R"({"a":{)" + fields + "}}", std::string(8, '\0'));
}
const std::string kDType = R"("dtype":"F32")";
const std::string kShape = R"("shape":[2])";
const std::string kOffsets = R"("data_offsets":[0,8])";

std::string WithLength(uint64_t n, const std::string& rest) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + rest;
}

std::vector<CorruptCase> Cases() {
  const StatusCode kCorrupt = StatusCode::kCorrupt;
  const std::string data8(8, '\0');
  std::string rank65 = "1";
  for (int i = 1; i < 65; ++i) rank65 += ",1";
  return {
      {"file_shorter_than_8_bytes", std::string("\x02\0\0", 3), kCorrupt, "too short"},
      {"header_length_beyond_file", WithLength(1000, "{}"), kCorrupt, "header length 1000"},
      {"header_length_above_cap", WithLength(100'000'001, "{}"), kCorrupt, "limit"},
      {"empty_header", RawFile(""), kCorrupt, "starting with '{'"},
      {"not_json", RawFile("{not json}"), kCorrupt, "not valid JSON"},
      {"json_array_instead_of_object", RawFile("[1,2]"), kCorrupt, "JSON object"},
      {"trailing_garbage_after_header", RawFile("{} x"), kCorrupt, "not valid JSON"},
      {"invalid_utf8", RawFile("{\"a\xff\":1}"), kCorrupt, "UTF-8"},
      {"missing_dtype", WithFields(kShape + "," + kOffsets), kCorrupt, "missing field 'dtype'"},
      {"missing_shape", WithFields(kDType + "," + kOffsets), kCorrupt, "missing field 'shape'"},
      {"missing_data_offsets", WithFields(kDType + "," + kShape), kCorrupt,
       "missing field 'data_offsets'"},
      {"dtype_not_a_string", WithFields(R"("dtype":4,)" + kShape + "," + kOffsets), kCorrupt,
       "dtype must be a string"},
      {"shape_not_an_array", WithFields(kDType + R"(,"shape":"2",)" + kOffsets), kCorrupt,
       "shape must be an array"},
      {"shape_entry_fractional", WithFields(kDType + R"(,"shape":[2.0],)" + kOffsets), kCorrupt,
       "shape[0] must be a non-negative integer"},
      {"data_offsets_one_entry", WithFields(kDType + "," + kShape + R"(,"data_offsets":[0])"),
       kCorrupt, "data_offsets must have 2 entries"},
      {"data_offsets_three_entries",
       WithFields(kDType + "," + kShape + R"(,"data_offsets":[0,8,8])"), kCorrupt,
       "more than 2 entries"},
      {"tensor_entry_not_an_object", RawFile(R"({"a":3})"), kCorrupt,
       "tensor 'a' must be an object"},
      {"unknown_field", WithFields(kDType + "," + kShape + "," + kOffsets + R"(,"foo":1)"),
       kCorrupt, "unknown field 'foo'"},
      {"repeated_field", WithFields(kDType + "," + kDType + "," + kShape + "," + kOffsets),
       kCorrupt, "field 'dtype' appears twice"},
      {"unknown_dtype", WithFields(R"("dtype":"F7",)" + kShape + "," + kOffsets), kCorrupt,
       "unknown dtype 'F7'"},
      {"newer_spec_dtype", WithFields(R"("dtype":"F8_E8M0",)" + kShape + "," + kOffsets),
       StatusCode::kUnsupported, "dtype 'F8_E8M0'"},
      {"negative_shape", WithFields(kDType + R"(,"shape":[-2],)" + kOffsets), kCorrupt,
       "shape[0] is negative"},
      {"rank_above_cap", WithFields(kDType + R"(,"shape":[)" + rank65 + "]," + kOffsets), kCorrupt,
       "more than 64 dimensions"},
      {"shape_product_overflows",
       WithFields(kDType + R"(,"shape":[4294967296,4294967296,2],)" + kOffsets), kCorrupt,
       "overflows"},
      {"size_mismatch", WithFields(kDType + R"(,"shape":[3],)" + kOffsets), kCorrupt,
       "span 8 bytes but F32 [3] needs 12"},
      {"begin_after_end", WithFields(kDType + "," + kShape + R"(,"data_offsets":[8,0])"), kCorrupt,
       "end before they start"},
      {"negative_offset", WithFields(kDType + "," + kShape + R"(,"data_offsets":[-8,0])"), kCorrupt,
       "data_offsets[0] is negative"},
      {"overlapping_offsets",
       RawFile("{" + Entry("a", 0) + "," + Entry("b", 4) + "}", std::string(12, '\0')), kCorrupt,
       "overlap tensor 'a'"},
      {"hole_between_tensors",
       RawFile("{" + Entry("a", 0) + "," + Entry("b", 12) + "}", std::string(20, '\0')), kCorrupt,
       "hole of 4 bytes after tensor 'a'"},
      {"hole_before_first_tensor", RawFile("{" + Entry("a", 4) + "}", std::string(12, '\0')),
       kCorrupt, "hole of 4 bytes after the header"},
      {"data_beyond_file", RawFile("{" + Entry("a", 0) + "}", std::string(4, '\0')), kCorrupt,
       "reach past the data buffer of 4 bytes"},
      {"trailing_bytes_after_last_tensor",
       RawFile("{" + Entry("a", 0) + "}", std::string(12, '\0')), kCorrupt, "4 trailing bytes"},
      {"duplicate_tensor_name", RawFile("{" + Entry("a", 0) + "," + Entry("a", 0) + "}", data8),
       kCorrupt, "duplicate tensor name 'a'"},
      {"duplicate_metadata", RawFile(R"({"__metadata__":{},"__metadata__":{}})"), kCorrupt,
       "__metadata__ appears twice"},
      {"duplicate_metadata_key", RawFile(R"({"__metadata__":{"k":"1","k":"2"}})"), kCorrupt,
       "duplicate key 'k'"},
      {"metadata_value_not_a_string", RawFile(R"({"__metadata__":{"k":1}})"), kCorrupt,
       "__metadata__ key 'k' must be a string"},
      {"metadata_not_an_object", RawFile(R"({"__metadata__":["k"]})"), kCorrupt,
       "__metadata__ must be an object"},
  };
}

class SafetensorsCorrupt : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(SafetensorsCorrupt, RejectsTheFileNamingFileAndField) {
  const CorruptCase& c = GetParam();
  io::MemEnv env;
  const std::string path = "dir/" + c.name + ".safetensors";
  env.AddFile(path, c.bytes);
  auto file = OpenSafetensors(env, path);
  ASSERT_FALSE(file.ok()) << c.name << " was accepted";
  EXPECT_EQ(file.status().code(), c.code) << file.status().ToString();
  EXPECT_EQ(file.status().message().rfind(path + ": ", 0), 0u) << file.status().ToString();
  EXPECT_NE(file.status().message().find(c.field), std::string::npos)
      << file.status().ToString() << "\nexpected to mention: " << c.field;
}

INSTANTIATE_TEST_SUITE_P(Cases, SafetensorsCorrupt, ::testing::ValuesIn(Cases()),
                         [](const auto& param_info) { return param_info.param.name; });

const std::string kCorpusDir =
    std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/corrupt/safetensors";

TEST(SafetensorsCorruptCorpus, CommittedFilesMatchTheCases) {
  const bool write = std::getenv("DOKJA_WRITE_CORPUS") != nullptr;
  for (const CorruptCase& c : Cases()) {
    const std::string path = kCorpusDir + "/" + c.name + ".safetensors";
    if (write) {
      std::ofstream(path, std::ios::binary) << c.bytes;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    std::stringstream got;
    got << in.rdbuf();
    EXPECT_EQ(got.str(), c.bytes) << path
                                  << " is missing or stale; rerun with DOKJA_WRITE_CORPUS=1";
  }
}

TEST(SafetensorsCorruptCorpus, EveryFileInTheCorpusIsRejected) {
  auto names = io::Env::Default().ListDir(kCorpusDir);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  size_t checked = 0;
  for (const std::string& name : *names) {
    if (name.size() < 12 || name.substr(name.size() - 12) != ".safetensors") continue;
    const std::string path = kCorpusDir + "/" + name;
    for (bool mmap : {true, false}) {
      auto file = SafetensorsFile::Open(io::Env::Default(), path, {.use_mmap = mmap});
      EXPECT_FALSE(file.ok()) << path << " was accepted";
    }
    ++checked;
  }
  EXPECT_GE(checked, Cases().size());
}

}  // namespace
}  // namespace dokja
