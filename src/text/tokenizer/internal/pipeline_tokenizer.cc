#include "text/tokenizer/internal/pipeline_tokenizer.h"

#include "text/tokenizer/internal/spm_model.h"
#include "text/tokenizer/internal/unicode_util.h"

namespace dokja::text::internal {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";   // U+FFFD

void ReplaceSpaces(std::string_view text, std::string* out) {
  for (char c : text) {
    if (c == ' ') {
      out->append(kSpaceMarker);
    } else {
      out->push_back(c);
    }
  }
}

class PipelineTokenizer final : public Tokenizer {
 public:
  PipelineTokenizer(PipelineSpec spec, std::unique_ptr<PreTokenizer> pre_tokenizer,
                    Normalizer normalizer)
      : spec_(std::move(spec)),
        pre_tokenizer_(std::move(pre_tokenizer)),
        normalizer_(std::move(normalizer)),
        added_(spec_.added_tokens) {
    if (spec_.model == PipelineSpec::Model::kBpe) {
      bpe_ = BpeModel::Create(spec_.vocab, spec_.merges, spec_.bpe);
    }
    spec_.merges.clear();
    spec_.merges.shrink_to_fit();
  }

  std::vector<int32_t> Encode(std::string_view text, const EncodeOptions& options) const override;
  std::string Decode(std::span<const int32_t> ids, const DecodeOptions& options) const override;
  std::string TokenPiece(int32_t id) const override {
    std::string out;
    AppendPiece(id, /*skip_special=*/true, &out);
    return out;
  }
  std::string_view TokenText(int32_t id) const override {
    return vocab().Contains(id) ? std::string_view(vocab().Text(id)) : std::string_view();
  }
  std::optional<int32_t> FindToken(std::string_view text) const override {
    const int32_t id = vocab().Find(text);
    return id < 0 ? std::nullopt : std::optional<int32_t>(id);
  }
  int32_t n_vocab() const override { return vocab().size(); }
  int32_t bos_id() const override { return vocab().bos_id; }
  int32_t eos_id() const override { return vocab().eos_id; }
  bool add_bos_default() const override { return spec_.add_bos_default; }
  bool IsEndOfGeneration(int32_t id) const override { return vocab().eog_ids.count(id) != 0; }
  bool IsControl(int32_t id) const override {
    return vocab().Contains(id) && (vocab().Type(id) == TokenType::kControl ||
                                    vocab().Type(id) == TokenType::kUnknown);
  }

 private:
  const Vocab& vocab() const { return spec_.vocab; }
  void EncodeRaw(std::string_view raw, bool at_input_start, bool after_token,
                 std::vector<int32_t>* out) const;
  void AppendPiece(int32_t id, bool skip_special, std::string* out) const;

  PipelineSpec spec_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  Normalizer normalizer_;
  AddedTokenMatcher added_;
  std::unique_ptr<BpeModel> bpe_;
};

std::vector<int32_t> PipelineTokenizer::Encode(std::string_view text,
                                               const EncodeOptions& options) const {
  std::vector<int32_t> out;
  if (options.add_bos && vocab().bos_id >= 0) out.push_back(vocab().bos_id);
  bool after_token = true;  // the input start counts as "after a token"
  for (const Fragment& fragment : added_.Partition(text, options.parse_special)) {
    if (fragment.token >= 0) {
      out.push_back(fragment.token);
      after_token = true;
      continue;
    }
    EncodeRaw(text.substr(fragment.begin, fragment.end - fragment.begin), fragment.begin == 0,
              after_token, &out);
    after_token = false;
  }
  return out;
}

void PipelineTokenizer::EncodeRaw(std::string_view raw, bool at_input_start, bool after_token,
                                  std::vector<int32_t>* out) const {
  if (spec_.model == PipelineSpec::Model::kSpm) {
    std::string escaped;
    if (spec_.add_space_prefix && after_token) escaped.append(kSpaceMarker);
    ReplaceSpaces(raw, &escaped);
    SpmEncode(vocab(), escaped, out);
    return;
  }
  const std::string normalized = normalizer_.Apply(raw);
  for (const std::string& word : pre_tokenizer_->Run(normalized, at_input_start)) {
    bpe_->EncodeWord(word, out);
  }
}

void PipelineTokenizer::AppendPiece(int32_t id, bool skip_special, std::string* out) const {
  if (!vocab().Contains(id)) {
    out->append(kReplacement);
    return;
  }
  const std::string& text = vocab().Text(id);
  switch (vocab().Type(id)) {
    case TokenType::kControl:
    case TokenType::kUnknown:
      if (!skip_special) out->append(text);
      return;
    case TokenType::kUserDefined:
      out->append(text);
      return;
    case TokenType::kByte:
      if (auto byte = vocab().ByteValue(id)) {
        out->push_back(static_cast<char>(*byte));
        return;
      }
      break;
    default:
      break;
  }
  if (spec_.decoder == PipelineSpec::Decoder::kByteLevel) {
    ByteUnicodeTable::Get().DecodeToBytes(text, out);
  } else {
    UnescapeSpaces(text, out);
  }
}

std::string PipelineTokenizer::Decode(std::span<const int32_t> ids,
                                      const DecodeOptions& options) const {
  std::string out;
  for (int32_t id : ids) AppendPiece(id, options.skip_special, &out);
  if (options.strip_leading_space && spec_.decode_strips_leading_space && !out.empty() &&
      out[0] == ' ') {
    out.erase(0, 1);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> BuildPipelineTokenizer(PipelineSpec spec) {
  if (spec.vocab.size() == 0) return Status::InvalidArgument("tokenizer: empty vocabulary");
  for (const AddedToken& t : spec.added_tokens) {
    if (!spec.vocab.Contains(t.id)) {
      return Status::InvalidArgument("tokenizer: added token '" + t.text + "' has id " +
                                     std::to_string(t.id) + " outside the vocabulary");
    }
  }
  spec.vocab.IndexByteTokens();
  spec.vocab.CollectEndOfGeneration();
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<PreTokenizer> pre,
                         PreTokenizer::Create(std::move(spec.pre_tokenizer)));
  DOKJA_ASSIGN_OR_RETURN(Normalizer normalizer, Normalizer::Create(std::move(spec.normalizer)));
  spec.pre_tokenizer.clear();
  spec.normalizer.clear();
  return std::unique_ptr<Tokenizer>(
      new PipelineTokenizer(std::move(spec), std::move(pre), std::move(normalizer)));
}

}  // namespace dokja::text::internal
