// BPE over merge ranks (GPT-2 / Llama-3 / Qwen byte-level BPE, and HF BPE
// with byte fallback as Llama-2's tokenizer.json uses it).
//
// A word is split into UTF-8 characters; then the adjacent pair with the
// lowest merge rank is merged (leftmost on ties) until no ranked pair is
// left. This is the algorithm of HF tokenizers' BPE and llama.cpp's
// llm_tokenizer_bpe_session. Thread-safe after Create().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"
#include "text/tokenizer/internal/vocab.h"

namespace dokja::text::internal {

struct BpeOptions {
  // A word that is itself a vocabulary token is emitted whole (Llama-3).
  bool ignore_merges = false;
  // Characters outside the vocabulary become <0xXX> tokens (Llama-2 HF).
  bool byte_fallback = false;
  // Consecutive unknown characters become one unknown token.
  bool fuse_unk = false;
};

class BpeModel {
 public:
  // `merges` are (left, right) token texts in rank order. Merges whose parts
  // or result are not vocabulary tokens can never fire and are skipped; a
  // repeated pair keeps its first rank. `vocab` must outlive the model.
  static std::unique_ptr<BpeModel> Create(const Vocab& vocab,
                                          const std::vector<std::pair<std::string, std::string>>& merges,
                                          const BpeOptions& options);

  // Appends the ids for one pre-tokenized (and, for byte-level models,
  // byte-mapped) word.
  void EncodeWord(std::string_view word, std::vector<int32_t>* out) const;

  // Number of merges that can fire.
  size_t n_merges() const { return merges_.size(); }

 private:
  struct Merge {
    int32_t rank;
    int32_t result;
  };
  BpeModel(const Vocab& vocab, const BpeOptions& options) : vocab_(vocab), options_(options) {}
  static uint64_t Key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  const Merge* FindMerge(int32_t left, int32_t right) const;
  void EmitUnknown(std::string_view piece, bool* last_was_unk, std::vector<int32_t>* out) const;

  const Vocab& vocab_;
  BpeOptions options_;
  std::unordered_map<uint64_t, Merge> merges_;
};

}  // namespace dokja::text::internal
