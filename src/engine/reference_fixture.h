// Test helper: the stories260K reference outputs in ../shared/fixtures
// (reference.json and the [n_tokens][512] float32 log-prob table).
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dokja::engine::testing {

inline const std::string kStoriesModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K";
inline const std::string kStoriesRef = std::string(DOKJA_SHARED_DIR) + "/fixtures/stories260K";
inline constexpr size_t kStoriesVocab = 512;

inline nlohmann::json StoriesReference() {
  std::ifstream in(kStoriesRef + "/reference.json");
  return nlohmann::json::parse(in);
}

// Row t: log-softmax after ids[0..t]; empty when the file is short or missing.
inline std::vector<float> StoriesLogProbs(size_t n_tokens) {
  std::vector<float> out(n_tokens * kStoriesVocab);
  std::ifstream bin(kStoriesRef + "/logprobs_f32.bin", std::ios::binary);
  bin.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size() * 4));
  if (!bin.good()) out.clear();
  return out;
}

}  // namespace dokja::engine::testing
