// TokenizerFromGgufMetadata: fills a PipelineSpec from `tokenizer.ggml.*`,
// following llama.cpp's llama_vocab::load for the keys and defaults.
#include <variant>  // std::get_if on MetaValue

#include "text/tokenizer/internal/pipeline_tokenizer.h"
#include "text/tokenizer/tokenizer.h"

namespace dokja::text {
namespace {

using internal::PipelineSpec;
using internal::TokenType;

std::string Describe(const MetaValue& v) {
  if (const MetaArray* a = v.AsArray()) {
    return "array of " + std::string(MetaTypeName(a->elem_type));
  }
  return std::string(MetaTypeName(v.type));
}

Status WrongType(std::string_view key, std::string_view expected, const MetaValue& v) {
  return Status::InvalidArgument(std::string(key) + ": expected " + std::string(expected) +
                                 ", got " + Describe(v));
}

// nullptr when absent; error when present but not an array of `elem`.
Result<const MetaArray*> GetArray(const Metadata& md, std::string_view key, bool numeric) {
  const MetaValue* v = md.Find(key);
  if (v == nullptr) return static_cast<const MetaArray*>(nullptr);
  const MetaArray* a = v->AsArray();
  const bool ok = a != nullptr && (numeric ? a->elem_type != MetaType::kString &&
                                                 a->elem_type != MetaType::kArray &&
                                                 a->elem_type != MetaType::kBool
                                           : a->elem_type == MetaType::kString);
  if (!ok) return WrongType(key, numeric ? "array of numbers" : "array of string", *v);
  return a;
}

Result<std::optional<std::string>> GetString(const Metadata& md, std::string_view key) {
  const MetaValue* v = md.Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->AsString() == nullptr) return WrongType(key, "string", *v);
  return std::optional<std::string>(*v->AsString());
}

Result<bool> GetBool(const Metadata& md, std::string_view key, bool fallback) {
  const MetaValue* v = md.Find(key);
  if (v == nullptr) return fallback;
  const bool* b = std::get_if<bool>(&v->value);
  if (b == nullptr) return WrongType(key, "bool", *v);
  return *b;
}

// A special token id: `fallback` when absent; -1 for the "none" values
// (u32 0xFFFFFFFF or -1); error when not an integer or outside the vocab.
Result<int32_t> GetTokenId(const Metadata& md, std::string_view key, int32_t n_vocab,
                           int32_t fallback) {
  const MetaValue* v = md.Find(key);
  if (v == nullptr) return fallback;
  const std::optional<int64_t> id = v->AsInt();
  if (!id) return WrongType(key, "integer", *v);
  if (*id == -1 || *id == 0xFFFFFFFFLL) return -1;
  if (*id < 0 || *id >= n_vocab) {
    return Status::InvalidArgument(std::string(key) + ": token id " + std::to_string(*id) +
                                   " is outside the vocabulary of " + std::to_string(n_vocab));
  }
  return static_cast<int32_t>(*id);
}

Status CheckLength(std::string_view key, const MetaArray* a, size_t n_tokens) {
  if (a == nullptr || a->items.size() == n_tokens) return Status::OK();
  return Status::InvalidArgument(std::string(key) + ": has " + std::to_string(a->items.size()) +
                                 " entries but tokenizer.ggml.tokens has " +
                                 std::to_string(n_tokens));
}

Status ReadVocab(const Metadata& md, internal::Vocab* vocab) {
  DOKJA_ASSIGN_OR_RETURN(const MetaArray* tokens, GetArray(md, "tokenizer.ggml.tokens", false));
  if (tokens == nullptr) return Status::NotFound("tokenizer.ggml.tokens: missing");
  if (tokens->items.empty()) return Status::InvalidArgument("tokenizer.ggml.tokens: empty");
  if (tokens->items.size() > static_cast<size_t>(INT32_MAX)) {
    return Status::InvalidArgument("tokenizer.ggml.tokens: too many tokens");
  }
  DOKJA_ASSIGN_OR_RETURN(const MetaArray* scores, GetArray(md, "tokenizer.ggml.scores", true));
  DOKJA_ASSIGN_OR_RETURN(const MetaArray* types, GetArray(md, "tokenizer.ggml.token_type", true));
  const size_t n = tokens->items.size();
  DOKJA_RETURN_IF_ERROR(CheckLength("tokenizer.ggml.scores", scores, n));
  DOKJA_RETURN_IF_ERROR(CheckLength("tokenizer.ggml.token_type", types, n));
  for (size_t i = 0; i < n; ++i) {
    const std::string* text = tokens->items[i].AsString();
    if (text == nullptr) return Status::InvalidArgument("tokenizer.ggml.tokens: entry is not a string");
    const float score = scores ? static_cast<float>(scores->items[i].AsDouble().value_or(0.0)) : 0.0f;
    TokenType type = TokenType::kNormal;
    if (types != nullptr) {
      const int64_t t = types->items[i].AsInt().value_or(-1);
      type = t >= 1 && t <= 6 ? static_cast<TokenType>(t) : TokenType::kUndefined;
    } else if (internal::ParseByteToken(*text)) {
      type = TokenType::kByte;
    }
    vocab->Add(*text, score, type);
  }
  return Status::OK();
}

Status ReadMerges(const Metadata& md, PipelineSpec* spec) {
  DOKJA_ASSIGN_OR_RETURN(const MetaArray* merges, GetArray(md, "tokenizer.ggml.merges", false));
  if (merges == nullptr) return Status::NotFound("tokenizer.ggml.merges: missing (needed by gpt2)");
  spec->merges.reserve(merges->items.size());
  for (size_t i = 0; i < merges->items.size(); ++i) {
    const std::string* text = merges->items[i].AsString();
    if (text == nullptr) return Status::InvalidArgument("tokenizer.ggml.merges: entry is not a string");
    const std::string& merge = *text;
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string::npos;
    if (space == std::string::npos) {
      return Status::InvalidArgument("tokenizer.ggml.merges: entry " + std::to_string(i) + " '" +
                                     merge + "' is not two tokens separated by a space");
    }
    spec->merges.emplace_back(merge.substr(0, space), merge.substr(space + 1));
  }
  return Status::OK();
}

Status ReadModel(const Metadata& md, const std::string& model, PipelineSpec* spec) {
  if (model == "llama") {
    spec->model = PipelineSpec::Model::kSpm;
    spec->decoder = PipelineSpec::Decoder::kSentencePiece;
    DOKJA_ASSIGN_OR_RETURN(spec->add_space_prefix,
                           GetBool(md, "tokenizer.ggml.add_space_prefix", true));
    spec->decode_strips_leading_space = spec->add_space_prefix;
    spec->add_bos_default = true;
    return Status::OK();
  }
  if (model != "gpt2") {
    return Status::Unsupported("tokenizer.ggml.model: '" + model +
                               "' is not supported (supported: llama, gpt2)");
  }
  spec->model = PipelineSpec::Model::kBpe;
  spec->decoder = PipelineSpec::Decoder::kByteLevel;
  DOKJA_RETURN_IF_ERROR(ReadMerges(md, spec));
  DOKJA_ASSIGN_OR_RETURN(std::optional<std::string> pre, GetString(md, "tokenizer.ggml.pre"));
  DOKJA_ASSIGN_OR_RETURN(internal::GgufPreTokenizerSpec pre_spec,
                         internal::GgufPreTokenizerRules(pre.value_or("default")));
  for (internal::SplitRule& rule : pre_spec.rules) {
    spec->pre_tokenizer.push_back(internal::PreTokenizerStep::Split(std::move(rule)));
  }
  spec->pre_tokenizer.push_back(internal::PreTokenizerStep::ByteLevel(false, false));
  spec->bpe.ignore_merges = pre_spec.ignore_merges;
  spec->add_bos_default = pre_spec.ignore_merges;  // llama.cpp: Llama-3 family adds BOS
  return Status::OK();
}

Status ReadSpecialIds(const Metadata& md, bool spm, internal::Vocab* vocab, bool* add_bos) {
  const int32_t n = vocab->size();
  // llama.cpp's defaults for SentencePiece vocabularies: <unk> 0, <s> 1, </s> 2.
  DOKJA_ASSIGN_OR_RETURN(vocab->bos_id, GetTokenId(md, "tokenizer.ggml.bos_token_id", n, spm && n > 1 ? 1 : -1));
  DOKJA_ASSIGN_OR_RETURN(vocab->eos_id, GetTokenId(md, "tokenizer.ggml.eos_token_id", n, spm && n > 2 ? 2 : -1));
  DOKJA_ASSIGN_OR_RETURN(vocab->unk_id, GetTokenId(md, "tokenizer.ggml.unknown_token_id", n, spm ? 0 : -1));
  DOKJA_ASSIGN_OR_RETURN(vocab->eot_id, GetTokenId(md, "tokenizer.ggml.eot_token_id", n, -1));
  DOKJA_ASSIGN_OR_RETURN(vocab->eom_id, GetTokenId(md, "tokenizer.ggml.eom_token_id", n, -1));
  DOKJA_ASSIGN_OR_RETURN(*add_bos, GetBool(md, "tokenizer.ggml.add_bos_token", *add_bos));
  return Status::OK();
}

std::vector<internal::AddedToken> MatchableTokens(const internal::Vocab& vocab) {
  std::vector<internal::AddedToken> out;
  for (int32_t id = 0; id < vocab.size(); ++id) {
    const TokenType type = vocab.Type(id);
    if (type == TokenType::kControl || type == TokenType::kUnknown) {
      out.push_back({vocab.Text(id), id, /*special=*/true});
    } else if (type == TokenType::kUserDefined) {
      out.push_back({vocab.Text(id), id, /*special=*/false});
    }
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> TokenizerFromGgufMetadata(const Metadata& metadata) {
  DOKJA_ASSIGN_OR_RETURN(std::optional<std::string> model,
                         GetString(metadata, "tokenizer.ggml.model"));
  if (!model) return Status::NotFound("tokenizer.ggml.model: missing");
  PipelineSpec spec;
  DOKJA_RETURN_IF_ERROR(ReadVocab(metadata, &spec.vocab));
  DOKJA_RETURN_IF_ERROR(ReadModel(metadata, *model, &spec));
  DOKJA_RETURN_IF_ERROR(ReadSpecialIds(metadata, spec.model == PipelineSpec::Model::kSpm,
                                       &spec.vocab, &spec.add_bos_default));
  spec.added_tokens = MatchableTokens(spec.vocab);
  return internal::BuildPipelineTokenizer(std::move(spec));
}

}  // namespace dokja::text
