// SentencePiece-style BPE over scores (GGUF `tokenizer.ggml.model = llama`),
// as llama.cpp's llm_tokenizer_spm does it: split into UTF-8 characters, then
// repeatedly merge the adjacent pair whose concatenation is the vocabulary
// token with the highest score (leftmost on ties). Characters that end up
// outside the vocabulary become <0xXX> byte tokens (the unknown token for a
// byte without one; dropped when there is no unknown token either).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "text/tokenizer/internal/vocab.h"

namespace dokja::text::internal {

// Appends the ids for `text`, which the caller has already escaped
// (spaces as U+2581, the prefix space added). Thread-safe.
void SpmEncode(const Vocab& vocab, std::string_view text, std::vector<int32_t>* out);

}  // namespace dokja::text::internal
