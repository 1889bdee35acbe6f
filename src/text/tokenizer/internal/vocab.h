// The token table shared by every tokenizer model: id <-> text, scores, types
// and the special ids. Built once by a factory, then read-only.
//
// Thread-safe after construction: all lookups are const.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"

namespace dokja::text::internal {

// Token types numbered as GGUF's tokenizer.ggml.token_type (llama.cpp's).
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,      // BOS, EOS, <|im_end|>: text only with parse_special
  kUserDefined = 4,  // added tokens that always match as whole tokens
  kUnused = 5,
  kByte = 6,         // <0xXX> byte-fallback tokens
};

class Vocab {
 public:
  // Appends a token. Empty texts become "[EMPTY_<id>]" (as llama.cpp does) so
  // they can never match. A duplicate text keeps its first id for lookups.
  void Add(std::string text, float score, TokenType type);

  int32_t size() const { return static_cast<int32_t>(tokens_.size()); }
  bool Contains(int32_t id) const { return id >= 0 && id < size(); }
  // REQUIRES: Contains(id) for the three accessors below.
  const std::string& Text(int32_t id) const { return tokens_[id].text; }
  float Score(int32_t id) const { return tokens_[id].score; }
  TokenType Type(int32_t id) const { return tokens_[id].type; }
  void SetType(int32_t id, TokenType type) { tokens_[id].type = type; }

  // Id of the token whose text is exactly `text`, or -1.
  int32_t Find(std::string_view text) const;
  // Id of the <0xXX> token for `byte`, or -1. Valid after IndexByteTokens().
  int32_t ByteToken(uint8_t byte) const { return byte_tokens_[byte]; }
  // Finds <0x00>..<0xFF> tokens (of any type) for byte fallback.
  void IndexByteTokens();
  // For a kByte token "<0xXX>", the byte; otherwise nullopt.
  std::optional<uint8_t> ByteValue(int32_t id) const;

  // Special ids; -1 when the model has none.
  int32_t bos_id = -1;
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  int32_t eot_id = -1;
  int32_t eom_id = -1;
  // Ends of generation: eos, eot, eom and tokens named like <|im_end|>.
  std::unordered_set<int32_t> eog_ids;
  // Adds eos/eot/eom and every token whose text llama.cpp treats as an end
  // of generation (<|eot_id|>, <|im_end|>, <|endoftext|>, ...).
  void CollectEndOfGeneration();

 private:
  struct Token {
    std::string text;
    float score = 0.0f;
    TokenType type = TokenType::kNormal;
  };
  std::vector<Token> tokens_;
  std::unordered_map<std::string, int32_t> text_to_id_;
  std::array<int32_t, 256> byte_tokens_{};
};

// Parses "<0xXX>" (upper- or lower-case hex); nullopt otherwise.
std::optional<uint8_t> ParseByteToken(std::string_view text);

}  // namespace dokja::text::internal
