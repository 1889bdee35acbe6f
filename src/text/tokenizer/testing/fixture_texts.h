// TEST ONLY: llama.cpp's tokenizer test vectors (`.inp` / `.out` files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace dokja::text::testing {

struct FixtureCase {
  std::string text;
  std::vector<int32_t> ids;  // expected, no BOS
};

// Reads `<vocab>.inp` (texts, each followed by "\n__ggml_vocab_test__\n")
// and `<vocab>.out` (one line of space-separated ids per text).
Result<std::vector<FixtureCase>> LoadFixtureCases(const std::string& vocab_path);

// The shared fixtures folder (DOKJA_SHARED_DIR/fixtures).
std::string FixturesDir();

}  // namespace dokja::text::testing
