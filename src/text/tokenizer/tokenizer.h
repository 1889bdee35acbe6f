// Tokenizers: text to token ids and back, exactly as the model's own
// tokenizer does it.
//
// Three sources:
//   - GGUF metadata (`tokenizer.ggml.*`): model `llama` (SentencePiece-style
//     BPE over scores, byte fallback) and `gpt2` (byte-level BPE over
//     `tokenizer.ggml.merges`, pre-tokenizer named by `tokenizer.ggml.pre`);
//     results match llama.cpp's.
//   - Hugging Face `tokenizer.json` with a BPE model (byte-level like GPT-2,
//     Llama-3, Qwen2, DeepSeek; or SentencePiece-like with byte fallback like
//     Llama-2), plus `tokenizer_config.json` beside it when present.
//   - SentencePiece `tokenizer.model` files, run by the SentencePiece library;
//     results match `spm_encode`.
//
// Invalid UTF-8 in the input is never an error: byte-level tokenizers encode
// the bytes as they are (so Decode gives them back), SentencePiece-style ones
// emit each stray byte as its <0xXX> token (the unknown token when the
// vocabulary has no byte tokens), except tokenizer.model files, where the
// SentencePiece library turns each stray byte into U+FFFD first. See
// docs/tokenizers.md.
//
// Thread-safe: a Tokenizer is immutable after its factory returns, and every
// method is const.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/metadata.h"

namespace dokja::text {

struct EncodeOptions {
  // Put the BOS token first (when the model has one). Models say whether
  // they expect it: Tokenizer::add_bos_default().
  bool add_bos = false;
  // Special (control) tokens written in the text, such as "<|im_end|>" or
  // "<s>", become their single token. When false they are tokenized as
  // ordinary text. Non-special added tokens always match.
  bool parse_special = false;
};

struct DecodeOptions {
  // Control tokens (BOS, EOS, <|im_end|>, ...) produce no text. When false
  // they produce their vocabulary text.
  bool skip_special = true;
  // For tokenizers that prepend a space when encoding (SentencePiece style),
  // drop one leading space from the result, so Decode(Encode(t)) == t.
  // Set false when decoding a continuation rather than a whole text.
  bool strip_leading_space = true;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Token ids for `text`. Never fails: any byte string has a tokenization.
  virtual std::vector<int32_t> Encode(std::string_view text,
                                      const EncodeOptions& options = {}) const = 0;
  // The text for `ids`. Bytes split across tokens are joined before anything
  // is returned, so the result is the exact byte string that was encoded. An
  // id outside [0, n_vocab()) decodes to U+FFFD.
  virtual std::string Decode(std::span<const int32_t> ids,
                             const DecodeOptions& options = {}) const = 0;
  // The bytes one token contributes to a decoded text, for streaming: spaces
  // restored, byte tokens as their byte (possibly an incomplete UTF-8
  // sequence), control tokens empty, no leading space stripped.
  virtual std::string TokenPiece(int32_t id) const = 0;
  // The raw vocabulary string (e.g. "▁Hello", "ĠHello", "<0x0A>"); empty for
  // an id outside the vocabulary.
  virtual std::string_view TokenText(int32_t id) const = 0;
  // Id of the token whose vocabulary string is exactly `text`.
  virtual std::optional<int32_t> FindToken(std::string_view text) const = 0;

  virtual int32_t n_vocab() const = 0;
  // -1 when the model has none.
  virtual int32_t bos_id() const = 0;
  virtual int32_t eos_id() const = 0;
  // Whether the model's own config asks for BOS at the start of a prompt.
  virtual bool add_bos_default() const = 0;
  // True for ids that end generation: EOS, EOT, <|im_end|>, <|eot_id|>,
  // <|end_of_text|>, <|endoftext|>, <end_of_turn>, ...
  virtual bool IsEndOfGeneration(int32_t id) const = 0;
  // True for control tokens (special tokens that Decode skips by default).
  virtual bool IsControl(int32_t id) const = 0;
};

// Builds the tokenizer described by GGUF metadata. InvalidArgument naming
// the key when a key has the wrong type or arrays disagree in length;
// Unsupported for tokenizer models or pre-tokenizers we do not implement.
Result<std::unique_ptr<Tokenizer>> TokenizerFromGgufMetadata(const Metadata& metadata);

// Builds the tokenizer in a Hugging Face tokenizer.json. Reads
// tokenizer_config.json from the same folder when it exists, for bos_token,
// eos_token and add_bos_token. Errors name the file and the JSON field.
Result<std::unique_ptr<Tokenizer>> TokenizerFromHfJson(io::Env& env,
                                                       const std::string& tokenizer_json_path);

// Builds the tokenizer in a SentencePiece model file (`tokenizer.model`, a
// serialized sentencepiece.ModelProto, as shipped with Llama-2, Mistral,
// Gemma). Encoding runs the official SentencePiece library, so ids match
// `spm_encode`; with parse_special, control pieces written in the text are
// cut out first. Invalid UTF-8 bytes become U+FFFD before encoding (the
// library's rule), so they do not round-trip. NotFound for a missing file,
// InvalidArgument for a file over 64 MiB, Corrupt naming the file for bytes
// that are not a model, Unsupported for a model kind the library lacks.
Result<std::unique_ptr<Tokenizer>> TokenizerFromSentencePieceModel(io::Env& env,
                                                                   const std::string& model_path);

}  // namespace dokja::text
