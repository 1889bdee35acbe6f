// The one Tokenizer implementation: added-token partition, then per raw
// fragment either SentencePiece-style escaping + score merges, or
// normalizer + pre-tokenizer + BPE merges; decoding by the matching decoder.
// The GGUF and tokenizer.json factories only differ in how they fill a
// PipelineSpec.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "text/tokenizer/internal/added_tokens.h"
#include "text/tokenizer/internal/bpe_model.h"
#include "text/tokenizer/internal/normalizer.h"
#include "text/tokenizer/internal/pre_tokenizer.h"
#include "text/tokenizer/internal/vocab.h"
#include "text/tokenizer/tokenizer.h"

namespace dokja::text::internal {

struct PipelineSpec {
  enum class Model { kSpm, kBpe };
  enum class Decoder {
    kByteLevel,      // GPT-2 unicode back to bytes
    kSentencePiece,  // U+2581 to space, <0xXX> tokens to bytes
  };

  Vocab vocab;
  Model model = Model::kBpe;
  // kBpe: merges in rank order, and options.
  std::vector<std::pair<std::string, std::string>> merges;
  BpeOptions bpe;
  // kBpe: applied to each raw fragment, in this order.
  std::vector<NormalizerStep> normalizer;
  std::vector<PreTokenizerStep> pre_tokenizer;
  // kSpm: prepend a space to a fragment that starts the input or follows a
  // token (llama.cpp's add_space_prefix); spaces always become U+2581.
  bool add_space_prefix = true;
  Decoder decoder = Decoder::kByteLevel;
  // Decode drops one leading space (DecodeOptions::strip_leading_space).
  bool decode_strips_leading_space = false;
  bool add_bos_default = false;
  // Tokens matched before anything else; ids must be in the vocabulary.
  std::vector<AddedToken> added_tokens;
};

// Checks ids and compiles patterns; errors name what is wrong.
Result<std::unique_ptr<Tokenizer>> BuildPipelineTokenizer(PipelineSpec spec);

}  // namespace dokja::text::internal
