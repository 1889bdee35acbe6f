#include "text/tokenizer/internal/vocab.h"

#include <algorithm>
#include <array>

namespace dokja::text::internal {

void Vocab::Add(std::string text, float score, TokenType type) {
  const auto id = static_cast<int32_t>(tokens_.size());
  if (text.empty()) text = "[EMPTY_" + std::to_string(id) + "]";
  text_to_id_.emplace(text, id);  // keeps the first id of a duplicate
  tokens_.push_back(Token{std::move(text), score, type});
}

int32_t Vocab::Find(std::string_view text) const {
  auto it = text_to_id_.find(std::string(text));
  return it == text_to_id_.end() ? -1 : it->second;
}

std::optional<uint8_t> ParseByteToken(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = value * 16 + digit;
  }
  return static_cast<uint8_t>(value);
}

void Vocab::IndexByteTokens() {
  byte_tokens_.fill(-1);
  for (int byte = 0; byte < 256; ++byte) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    const std::string name = {'<', '0', 'x', kHex[byte >> 4], kHex[byte & 15], '>'};
    byte_tokens_[byte] = Find(name);
  }
}

std::optional<uint8_t> Vocab::ByteValue(int32_t id) const {
  if (!Contains(id) || tokens_[id].type != TokenType::kByte) return std::nullopt;
  return ParseByteToken(tokens_[id].text);
}

void Vocab::CollectEndOfGeneration() {
  // Texts llama.cpp (llama-vocab.cpp) recognises as ends of generation.
  static constexpr std::array<std::string_view, 12> kEogTexts = {
      "<|eot_id|>",     "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
      "<end_of_turn>",  "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>",
      "<|end_of_text|>", "<end_of_utterance>"};
  for (int32_t id : {eos_id, eot_id, eom_id}) {
    if (Contains(id)) eog_ids.insert(id);
  }
  for (std::string_view text : kEogTexts) {
    const int32_t id = Find(text);
    if (id >= 0) eog_ids.insert(id);
  }
  // DeepSeek's end-of-sentence token spells "▁" inside its name.
  const int32_t deepseek_end = Find("<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
  if (deepseek_end >= 0) eog_ids.insert(deepseek_end);
}

}  // namespace dokja::text::internal
