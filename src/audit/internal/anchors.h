// Anchor-token embeddings for fingerprints: the token-embedding rows of a
// fixed list of common token strings, so screening can align two models that
// share tokens but number them differently.
#pragma once

#include <string>
#include <vector>

#include "audit/fingerprint.h"
#include "tensorfile/canonical_name.h"
#include "tensorfile/model.h"

namespace dokja::audit::internal {

// The fixed anchor strings (normalised: leading space, no "Ġ"/"▁" markers).
const std::vector<std::string>& AnchorTokens();

// "Ġthe" / "▁the" -> " the", "Ċ" -> "\n"; other tokens unchanged.
std::string NormaliseToken(const std::string& token);

// The k indices in [0, n) with the smallest SampleIndexHash, ascending
// (all of them when k >= n).
std::vector<uint64_t> BottomIndices(uint64_t n, uint64_t k, bool column);

// Reads the vocabulary from tokenizer.json beside the weights or from GGUF
// metadata (tokenizer.ggml.tokens) and returns the anchors found, with the
// token-embedding row of each (lowest id when a string occurs twice) at the
// `n_cols` columns with the smallest column hashes (set in *cols). Empty
// when the model has no tokenizer or no token embedding. `canon` is the
// model's canonical names in tensor order. Corrupt for a malformed tokenizer.json.
Result<std::vector<AnchorEmbedding>> AnchorEmbeddings(const Model& model,
                                                      const std::vector<CanonicalName>& canon,
                                                      uint32_t n_cols, std::vector<uint32_t>* cols);

}  // namespace dokja::audit::internal
