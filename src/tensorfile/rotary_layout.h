// q/k row layouts for rotary position embeddings.
//
// Hugging Face keeps each head's rotary pairs half a head apart (rotate-half:
// dims i and i + head_dim/2). Meta's checkpoints, and GGUF files that
// llama.cpp's converter made for llama-type architectures, interleave them
// (dims 2i and 2i+1). Readers that compare or run weights map GGUF rows back
// to the HF layout with these helpers.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace dokja {

// True when llama.cpp stores q/k rows of this GGUF architecture interleaved
// (its "NORM" rope type): llama, mistral. Qwen2/3 use rotate-half ("NEOX").
bool GgufArchHasInterleavedRope(std::string_view gguf_arch);

// hf_row[r] = the HF-layout row that interleaved row r becomes, for
// n_heads heads of head_dim rows each.
std::vector<uint32_t> InterleavedToHalfRows(int32_t n_heads, int32_t head_dim);

// Reorders a row-major [n_heads * head_dim][cols] matrix from interleaved to
// HF layout in place.
void PermuteInterleavedToHalf(std::vector<float>* data, int32_t n_heads, int32_t head_dim,
                              int64_t cols);

}  // namespace dokja
