#include "audit/compare.h"

#include <gtest/gtest.h>

#include "io/env.h"

namespace dokja::audit {
namespace {

const std::string kModel = std::string(DOKJA_SOURCE_DIR) + "/models/stories260K";

Model Open(const std::string& path) {
  auto m = OpenModel(io::Env::Default(), path);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  return std::move(m).value();
}

TEST(CompareModels, TheSameWeightsInAnotherFormatAreCopiedInEveryComponent) {
  // GGUF stores q/k rows interleaved and writes the tied head out; HF does neither.
  Model gguf = Open(kModel + "/stories260K.gguf");
  Model hf = Open(kModel + "/hf");
  auto c = CompareModels(gguf, hf);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->components.size(), 3u);
  for (const ComponentVerdict& comp : c->components) {
    EXPECT_EQ(comp.verdict, Verdict::kCopied) << comp.component << ": " << comp.reason;
    EXPECT_EQ(comp.n_identical, comp.n_tensors) << comp.component;
  }
  for (int32_t l = 0; l < 5; ++l) EXPECT_EQ(c->layer_map.mapped[static_cast<size_t>(l)], l);
}

}  // namespace
}  // namespace dokja::audit
