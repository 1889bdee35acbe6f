// TokenizerFromSentencePieceModel: a SentencePiece `tokenizer.model`
// (serialized sentencepiece.ModelProto) run by the official library
// (Debian libsentencepiece-dev). The library stays inside this file: its
// util::Status becomes our Status here, and nothing it throws leaves.
//
// Encoding is the library's own (BPE or unigram, its normaliser, byte
// fallback, user-defined pieces), so ids match `spm_encode`. What the library
// does not do, we add around it:
//   - parse_special: control and unknown pieces written literally in the text
//     (`<s>`, `</s>`, `<end_of_turn>`) are cut out first, leftmost-longest, and
//     the text between them is encoded piece by piece. The library itself
//     never matches control pieces in text; it does match user-defined ones.
//   - Decode/TokenPiece follow the Tokenizer contract (control and unknown
//     skipped by default, ids outside the vocabulary as U+FFFD) rather than
//     the library's DecodeIds (" ⁇ " for unknown, an error for bad ids).
#include <sentencepiece_processor.h>

#include <exception>
#include <utility>

#include "text/tokenizer/internal/added_tokens.h"
#include "text/tokenizer/internal/vocab.h"
#include "text/tokenizer/tokenizer.h"
#include "text/tokenizer/internal/unicode_util.h"

namespace dokja::text {
namespace {

using internal::AddedToken;
using internal::AddedTokenMatcher;
using internal::Fragment;
using internal::kSpaceMarker;
using internal::TokenType;
using internal::UnescapeSpaces;
using internal::Vocab;

// Llama-2's tokenizer.model is 0.5 MiB, Gemma's 4 MiB; anything past this is
// not a tokenizer.
constexpr uint64_t kMaxModelBytes = uint64_t{64} << 20;    // 64 MiB
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Our Status for a failed library call on `path`. Loading failures are the
// file's fault (Corrupt) unless the library says it does not implement what
// the file asks for (Unsupported, e.g. an unknown model type).
Status FromSpmStatus(const sentencepiece::util::Status& status, const std::string& path) {
  const std::string message = path + ": not a usable SentencePiece model: " + status.message();
  if (status.code() == sentencepiece::util::StatusCode::kUnimplemented) {
    return Status::Unsupported(message);
  }
  return Status::Corrupt(message);
}

// Thread-safe: immutable after construction, and SentencePieceProcessor's
// const Encode may be called from many threads at once on one loaded
// processor (its maintainer says so in google/sentencepiece issues #207 and
// #657); only loading mutates it, and that happens in the factory.
class SentencePieceTokenizer final : public Tokenizer {
 public:
  SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> processor,
                         Vocab vocab, std::vector<AddedToken> specials)
      : processor_(std::move(processor)),
        vocab_(std::move(vocab)),
        specials_(std::move(specials)),
        prepends_space_(ProbePrependsSpace()) {}
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  std::vector<int32_t> Encode(std::string_view text, const EncodeOptions& options) const override;
  std::string Decode(std::span<const int32_t> ids, const DecodeOptions& options) const override;
  std::string TokenPiece(int32_t id) const override {
    std::string out;
    AppendPiece(id, /*skip_special=*/true, &out);
    return out;
  }
  std::string_view TokenText(int32_t id) const override {
    return vocab_.Contains(id) ? std::string_view(vocab_.Text(id)) : std::string_view();
  }
  std::optional<int32_t> FindToken(std::string_view text) const override {
    const int32_t id = vocab_.Find(text);
    return id < 0 ? std::nullopt : std::optional<int32_t>(id);
  }
  int32_t n_vocab() const override { return vocab_.size(); }
  int32_t bos_id() const override { return vocab_.bos_id; }
  int32_t eos_id() const override { return vocab_.eos_id; }
  // tokenizer.model carries no such flag; Llama-2, Mistral and Gemma all
  // expect BOS.
  bool add_bos_default() const override { return vocab_.bos_id >= 0; }
  bool IsEndOfGeneration(int32_t id) const override { return vocab_.eog_ids.count(id) != 0; }
  bool IsControl(int32_t id) const override {
    return vocab_.Contains(id) &&
           (vocab_.Type(id) == TokenType::kControl || vocab_.Type(id) == TokenType::kUnknown);
  }

 private:
  // Appends the library's ids for `raw` (no special-token handling).
  void EncodeRaw(std::string_view raw, std::vector<int32_t>* out) const;
  void AppendPiece(int32_t id, bool skip_special, std::string* out) const;
  // Whether encoding prepends ▁ (NormalizerSpec.add_dummy_prefix, which the
  // library's public API does not expose): encode "a" and look.
  bool ProbePrependsSpace() const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  // The pieces, types and special ids, read once from the processor.
  Vocab vocab_;
  // Control and unknown pieces, matched in text only with parse_special.
  AddedTokenMatcher specials_;
  // Decode drops one leading space when this is true (the encoder added it).
  bool prepends_space_ = true;
};

std::vector<int32_t> SentencePieceTokenizer::Encode(std::string_view text,
                                                    const EncodeOptions& options) const {
  std::vector<int32_t> out;
  if (options.add_bos && vocab_.bos_id >= 0) out.push_back(vocab_.bos_id);
  for (const Fragment& fragment : specials_.Partition(text, options.parse_special)) {
    if (fragment.token >= 0) {
      out.push_back(fragment.token);
    } else {
      // Each run after a special token gets its own ▁ prefix, as llama.cpp
      // and HF's legacy Llama tokenizer do.
      EncodeRaw(text.substr(fragment.begin, fragment.end - fragment.begin), &out);
    }
  }
  return out;
}

void SentencePieceTokenizer::EncodeRaw(std::string_view raw, std::vector<int32_t>* out) const {
  std::vector<int> ids;
  const sentencepiece::util::Status status = processor_->Encode(raw, &ids);
  if (!status.ok()) {
    // Only a processor that failed to load reports errors here, and the
    // factory never hands one out; keep the "never fails" contract anyway.
    if (vocab_.unk_id >= 0) out->push_back(vocab_.unk_id);
    return;
  }
  out->insert(out->end(), ids.begin(), ids.end());
}

void SentencePieceTokenizer::AppendPiece(int32_t id, bool skip_special, std::string* out) const {
  if (!vocab_.Contains(id)) {
    out->append(kReplacement);
    return;
  }
  const std::string& text = vocab_.Text(id);
  switch (vocab_.Type(id)) {
    case TokenType::kControl:
    case TokenType::kUnknown:
      if (!skip_special) out->append(text);
      return;
    case TokenType::kByte:
      if (auto byte = vocab_.ByteValue(id)) {
        out->push_back(static_cast<char>(*byte));
        return;
      }
      break;
    default:
      break;
  }
  UnescapeSpaces(text, out);
}

std::string SentencePieceTokenizer::Decode(std::span<const int32_t> ids,
                                           const DecodeOptions& options) const {
  std::string out;
  for (int32_t id : ids) AppendPiece(id, options.skip_special, &out);
  if (options.strip_leading_space && prepends_space_ && !out.empty() && out[0] == ' ') {
    out.erase(0, 1);
  }
  return out;
}

bool SentencePieceTokenizer::ProbePrependsSpace() const {
  std::vector<int32_t> ids;
  EncodeRaw("a", &ids);
  if (ids.empty() || !vocab_.Contains(ids[0])) return false;
  const std::string& first = vocab_.Text(ids[0]);
  // "▁a" or "▁" as a piece, or ▁'s first UTF-8 byte as a byte-fallback token.
  return first.starts_with(kSpaceMarker) || vocab_.ByteValue(ids[0]) == uint8_t{0xE2};
}

// The processor's pieces as a Vocab, with special ids and ends of generation.
Vocab VocabFromProcessor(const sentencepiece::SentencePieceProcessor& processor) {
  Vocab vocab;
  const int n = processor.GetPieceSize();
  for (int id = 0; id < n; ++id) {
    TokenType type = TokenType::kNormal;
    if (processor.IsUnknown(id))
      type = TokenType::kUnknown;
    else if (processor.IsControl(id))
      type = TokenType::kControl;
    else if (processor.IsByte(id))
      type = TokenType::kByte;
    else if (processor.IsUnused(id))
      type = TokenType::kUnused;
    vocab.Add(processor.IdToPiece(id), processor.GetScore(id), type);
  }
  vocab.IndexByteTokens();
  vocab.bos_id = processor.bos_id();
  vocab.eos_id = processor.eos_id();
  vocab.unk_id = processor.unk_id();
  vocab.CollectEndOfGeneration();
  return vocab;
}

// Control and unknown pieces, for parse_special.
std::vector<AddedToken> SpecialPieces(const Vocab& vocab) {
  std::vector<AddedToken> specials;
  for (int32_t id = 0; id < vocab.size(); ++id) {
    if (vocab.Type(id) == TokenType::kControl || vocab.Type(id) == TokenType::kUnknown) {
      specials.push_back({.text = vocab.Text(id), .id = id, .special = true});
    }
  }
  return specials;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> TokenizerFromSentencePieceModel(io::Env& env,
                                                                   const std::string& model_path) {
  DOKJA_ASSIGN_OR_RETURN(std::string bytes, env.ReadFileToString(model_path, kMaxModelBytes));
  if (bytes.empty()) return Status::Corrupt(model_path + ": empty SentencePiece model file");
  auto processor = std::make_unique<sentencepiece::SentencePieceProcessor>();
  try {
    const sentencepiece::util::Status status = processor->LoadFromSerializedProto(bytes);
    if (!status.ok()) return FromSpmStatus(status, model_path);
    if (processor->GetPieceSize() <= 0) {
      return Status::Corrupt(model_path + ": SentencePiece model has no pieces");
    }
    Vocab vocab = VocabFromProcessor(*processor);
    std::vector<AddedToken> specials = SpecialPieces(vocab);
    return std::unique_ptr<Tokenizer>(std::make_unique<SentencePieceTokenizer>(
        std::move(processor), std::move(vocab), std::move(specials)));
  } catch (const std::exception& e) {
    // protobuf may throw (std::bad_alloc on absurd lengths); keep it here.
    return Status::Corrupt(model_path + ": SentencePiece model could not be read: " + e.what());
  }
}

}  // namespace dokja::text
