#include "engine/generate.h"

#include <algorithm>
#include <exception>

#include <nlohmann/json.hpp>

#include "engine/internal/ops.h"
#include "io/env.h"
#include "tensorfile/model.h"

namespace dokja::engine {
namespace {

constexpr uint64_t kMaxTokenizerConfigBytes = 64 << 20;  // 64 MiB; real ones are < 10 MiB

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// The template in a tokenizer_config.json: a string, or a list of named
// templates of which we take "default". Empty when there is none.
Result<std::string> ChatTemplateFromConfig(io::Env& env, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string text, env.ReadFileToString(path, kMaxTokenizerConfigBytes));
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || !j.contains("chat_template")) return std::string();
    const nlohmann::json& t = j["chat_template"];
    if (t.is_string()) return t.get<std::string>();
    if (t.is_array()) {
      for (const auto& item : t) {
        if (item.is_object() && item.value("name", "") == "default" && item.contains("template") &&
            item["template"].is_string()) {
          return item["template"].get<std::string>();
        }
      }
    }
    return std::string();
  } catch (const std::exception& e) {
    return Status::Corrupt(path + ": " + e.what());
  }
}

struct TokenizerSource {
  std::unique_ptr<text::Tokenizer> tokenizer;
  // Where a chat template may be found besides the model folder.
  std::string chat_template;
};

Result<TokenizerSource> LoadTokenizer(io::Env& env, const Model& model, const std::string& dir,
                                      const std::string& tokenizer_path) {
  TokenizerSource out;
  if (!tokenizer_path.empty()) {
    if (env.Stat(tokenizer_path) != io::PathKind::kFile) {
      return Status::NotFound(tokenizer_path + ": tokenizer file does not exist");
    }
    if (EndsWith(tokenizer_path, ".gguf")) {
      DOKJA_ASSIGN_OR_RETURN(auto gguf, OpenGguf(env, tokenizer_path));
      DOKJA_ASSIGN_OR_RETURN(out.tokenizer, text::TokenizerFromGgufMetadata(gguf->metadata()));
      out.chat_template = gguf->metadata().GetString("tokenizer.chat_template").value_or("");
      return out;
    }
    if (EndsWith(tokenizer_path, ".model")) {
      DOKJA_ASSIGN_OR_RETURN(out.tokenizer,
                             text::TokenizerFromSentencePieceModel(env, tokenizer_path));
    } else {
      DOKJA_ASSIGN_OR_RETURN(out.tokenizer, text::TokenizerFromHfJson(env, tokenizer_path));
    }
    const std::string config = io::JoinPath(io::DirName(tokenizer_path), "tokenizer_config.json");
    if (env.Stat(config) == io::PathKind::kFile) {
      DOKJA_ASSIGN_OR_RETURN(out.chat_template, ChatTemplateFromConfig(env, config));
    }
    return out;
  }
  const Metadata& md = model.weights->metadata();
  if (model.weights->format() == TensorFormat::kGguf && md.GetString("tokenizer.ggml.model")) {
    DOKJA_ASSIGN_OR_RETURN(out.tokenizer, text::TokenizerFromGgufMetadata(md));
    return out;
  }
  const std::string json = io::JoinPath(dir, "tokenizer.json");
  if (env.Stat(json) == io::PathKind::kFile) {
    DOKJA_ASSIGN_OR_RETURN(out.tokenizer, text::TokenizerFromHfJson(env, json));
    return out;
  }
  const std::string spm = io::JoinPath(dir, "tokenizer.model");
  if (env.Stat(spm) == io::PathKind::kFile) {
    DOKJA_ASSIGN_OR_RETURN(out.tokenizer, text::TokenizerFromSentencePieceModel(env, spm));
    return out;
  }
  return Status::NotFound(model.root +
                          ": no tokenizer (no tokenizer.json or tokenizer.model beside the "
                          "weights and no tokenizer in GGUF metadata); name one with --tokenizer");
}

// Number of bytes at the end of `s` that begin a UTF-8 sequence not yet complete.
size_t IncompleteUtf8Tail(std::string_view s) {
  const size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t want = 1;
    if ((c & 0xE0) == 0xC0) want = 2;
    else if ((c & 0xF0) == 0xE0) want = 3;
    else if ((c & 0xF8) == 0xF0) want = 4;
    return want > back ? back : 0;
  }
  return 0;
}

// `s` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD.
std::string ToValidUtf8(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size() && !(len == 2 && c < 0xC2);
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::vector<float> LogSoftmaxRow(std::span<const float> logits) {
  std::vector<float> lp(logits.size());
  LogSoftmax(logits.data(), static_cast<int32_t>(logits.size()), lp.data());
  return lp;
}

}  // namespace

LocalModel::LocalModel(std::unique_ptr<Engine> engine, std::unique_ptr<text::Tokenizer> tokenizer,
                       std::optional<text::ChatTemplate> chat_template, std::string id)
    : engine_(std::move(engine)),
      tokenizer_(std::move(tokenizer)),
      chat_template_(std::move(chat_template)),
      id_(std::move(id)) {}

std::vector<int32_t> LocalModel::EncodePrompt(std::string_view text) const {
  text::EncodeOptions options;
  options.add_bos = tokenizer_->add_bos_default();
  return tokenizer_->Encode(text, options);
}

Result<std::string> LocalModel::RenderChat(const std::vector<text::ChatMessage>& messages) const {
  if (!chat_template_) {
    return Status::InvalidArgument("model '" + id_ +
                                   "' has no chat template; give one with --chat-template");
  }
  text::ChatRenderOptions options;
  if (tokenizer_->bos_id() >= 0) options.bos_token = std::string(tokenizer_->TokenText(tokenizer_->bos_id()));
  if (tokenizer_->eos_id() >= 0) options.eos_token = std::string(tokenizer_->TokenText(tokenizer_->eos_id()));
  options.add_generation_prompt = true;
  return chat_template_->Render(messages, options);
}

Result<std::vector<int32_t>> LocalModel::EncodeChat(
    const std::vector<text::ChatMessage>& messages) const {
  DOKJA_ASSIGN_OR_RETURN(std::string prompt, RenderChat(messages));
  text::EncodeOptions options;
  options.add_bos = false;
  options.parse_special = true;
  return tokenizer_->Encode(prompt, options);
}

std::string LocalModel::TokenDisplay(int32_t id) const {
  if (tokenizer_->IsControl(id)) return std::string(tokenizer_->TokenText(id));
  return ToValidUtf8(tokenizer_->TokenPiece(id));
}

Result<std::unique_ptr<LocalModel>> LoadLocalModel(const std::string& path,
                                                   const LocalModelOptions& options) {
  io::Env& env = io::Env::Default();
  DOKJA_ASSIGN_OR_RETURN(Model model, OpenModel(env, path));
  const std::string dir = env.Stat(path) == io::PathKind::kDirectory ? path : io::DirName(path);
  DOKJA_ASSIGN_OR_RETURN(TokenizerSource tok, LoadTokenizer(env, model, dir, options.tokenizer_path));

  std::string source = options.chat_template_source;
  const std::string config = io::JoinPath(dir, "tokenizer_config.json");
  if (source.empty() && env.Stat(config) == io::PathKind::kFile) {
    DOKJA_ASSIGN_OR_RETURN(source, ChatTemplateFromConfig(env, config));
  }
  if (source.empty()) source = tok.chat_template;
  if (source.empty()) {
    source = model.weights->metadata().GetString("tokenizer.chat_template").value_or("");
  }
  std::optional<text::ChatTemplate> chat_template;
  if (!source.empty()) {
    auto parsed = text::ChatTemplate::Parse(source);
    if (!parsed.ok()) return parsed.status().WithPrefix(path + ": chat template");
    chat_template = std::move(parsed).value();
  }

  EngineOptions engine_options;
  engine_options.n_ctx = options.n_ctx;
  engine_options.n_threads = options.n_threads;
  DOKJA_ASSIGN_OR_RETURN(auto engine, Engine::Load(model, engine_options));
  if (tok.tokenizer->n_vocab() > engine->config().n_vocab) {
    return Status::InvalidArgument(path + ": tokenizer has " +
                                   std::to_string(tok.tokenizer->n_vocab()) +
                                   " tokens but the model's vocabulary has " +
                                   std::to_string(engine->config().n_vocab));
  }
  std::string id = options.model_id.empty() ? StripTrailingSlashes(path) : options.model_id;
  return std::make_unique<LocalModel>(std::move(engine), std::move(tok.tokenizer),
                                      std::move(chat_template), std::move(id));
}

std::vector<TokenLogprob> TopLogprobs(std::span<const float> logprobs, int32_t n) {
  const size_t keep = std::min(logprobs.size(), static_cast<size_t>(std::max(0, n)));
  std::vector<int32_t> ids(logprobs.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  auto better = [&](int32_t a, int32_t b) {
    const float la = logprobs[static_cast<size_t>(a)], lb = logprobs[static_cast<size_t>(b)];
    return la > lb || (la == lb && a < b);
  };
  std::partial_sort(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(keep), ids.end(), better);
  std::vector<TokenLogprob> out(keep);
  for (size_t i = 0; i < keep; ++i) out[i] = {ids[i], logprobs[static_cast<size_t>(ids[i])]};
  return out;
}

Result<LoglikelihoodResult> Loglikelihood(Session& session, std::span<const int32_t> context,
                                          std::span<const int32_t> continuation) {
  if (context.empty()) return Status::InvalidArgument("loglikelihood: empty context");
  const int64_t total = static_cast<int64_t>(context.size() + continuation.size());
  if (total > session.config().n_ctx) {
    return Status::InvalidArgument("loglikelihood: " + std::to_string(total) +
                                   " tokens exceed the context of " +
                                   std::to_string(session.config().n_ctx));
  }
  session.Truncate(0);
  std::vector<float> logits;
  // Only the rows that predict continuation tokens need the vocabulary projection.
  DOKJA_RETURN_IF_ERROR(session.Eval(context.first(context.size() - 1), false, &logits));
  std::vector<int32_t> tail = {context.back()};
  if (!continuation.empty()) tail.insert(tail.end(), continuation.begin(), continuation.end() - 1);
  DOKJA_RETURN_IF_ERROR(session.Eval(tail, true, &logits));
  const size_t vocab = static_cast<size_t>(session.config().n_vocab);
  LoglikelihoodResult out;
  for (size_t i = 0; i < continuation.size(); ++i) {
    std::span<const float> row(logits.data() + i * vocab, vocab);
    const int32_t want = continuation[i];
    std::vector<float> lp = LogSoftmaxRow(row);
    const bool greedy = ArgMax(row) == want;
    out.logprobs.push_back(lp[static_cast<size_t>(want)]);
    out.greedy.push_back(greedy);
    out.sum += lp[static_cast<size_t>(want)];
    out.all_greedy = out.all_greedy && greedy;
  }
  return out;
}

Result<PromptLogprobs> ScorePrompt(Session& session, std::span<const int32_t> ids, int32_t top_n,
                                   std::vector<float>* last_logits) {
  if (ids.empty()) return Status::InvalidArgument("prompt is empty");
  session.Truncate(0);
  std::vector<float> logits;
  DOKJA_RETURN_IF_ERROR(session.Eval(ids, true, &logits));
  const size_t vocab = static_cast<size_t>(session.config().n_vocab);
  PromptLogprobs out;
  out.logprobs.push_back(std::nullopt);
  out.top.emplace_back();
  for (size_t t = 1; t < ids.size(); ++t) {
    std::vector<float> lp = LogSoftmaxRow(std::span<const float>(logits.data() + (t - 1) * vocab, vocab));
    out.logprobs.push_back(lp[static_cast<size_t>(ids[t])]);
    out.top.push_back(top_n > 0 ? TopLogprobs(lp, top_n) : std::vector<TokenLogprob>{});
  }
  if (last_logits) {
    last_logits->assign(logits.end() - static_cast<ptrdiff_t>(vocab), logits.end());
  }
  return out;
}

std::string_view FinishReasonName(FinishReason reason) {
  return reason == FinishReason::kStop ? "stop" : "length";
}

size_t StopPrefixOverlap(std::string_view text, const std::vector<std::string>& stops) {
  size_t longest = 0;
  for (const std::string& stop : stops) {
    if (stop.size() < 2) continue;
    for (size_t k = std::min(text.size(), stop.size() - 1); k > longest; --k) {
      if (text.substr(text.size() - k) == std::string_view(stop).substr(0, k)) {
        longest = k;
        break;
      }
    }
  }
  return longest;
}

namespace {

// Tracks the generated bytes, what has been released to the caller, and
// whether a stop string has appeared.
class TextReleaser {
 public:
  TextReleaser(const std::vector<std::string>& stops, const PieceCallback& on_piece)
      : stops_(stops), on_piece_(on_piece) {}

  // Appends a token's bytes; returns true when a stop string now occurs.
  bool Append(std::string_view piece) {
    text_.append(piece);
    size_t first = std::string::npos;
    for (const std::string& stop : stops_) {
      if (stop.empty()) continue;
      const size_t pos = text_.find(stop, released_);
      if (pos != std::string::npos) first = std::min(first, pos);
    }
    if (first != std::string::npos) {
      text_.resize(first);
      return true;
    }
    return false;
  }

  // Hands the caller what is safe to show (everything when `final`) together
  // with `tokens`. Sets *delivered when the callback saw `tokens`; returns
  // false when the callback asks to cancel.
  bool Release(bool final, std::span<const GeneratedToken> tokens, bool* delivered) {
    *delivered = false;
    size_t end = text_.size();
    if (!final) {
      std::string_view pending = std::string_view(text_).substr(released_);
      end -= std::max(StopPrefixOverlap(pending, stops_), IncompleteUtf8Tail(pending));
    }
    std::string_view piece = std::string_view(text_).substr(released_, end - released_);
    released_ = end;
    if (!on_piece_ || (piece.empty() && tokens.empty())) return true;
    if (piece.empty() && !final) return true;  // keep tokens until their text shows
    *delivered = true;
    return on_piece_(GeneratedPiece{piece, tokens});
  }

  std::string Take() { return std::move(text_); }

 private:
  const std::vector<std::string>& stops_;
  const PieceCallback& on_piece_;
  std::string text_;
  size_t released_ = 0;
};

}  // namespace

Result<GenerateResult> GenerateFrom(const LocalModel& model, Session& session,
                                    std::span<const float> last_logits, int32_t n_prompt,
                                    const GenerateOptions& options) {
  const text::Tokenizer& tok = model.tokenizer();
  GenerateResult out;
  out.n_prompt = n_prompt;
  TextReleaser releaser(options.stop, options.on_piece);
  Sampler sampler(options.sampling);
  std::vector<float> logits(last_logits.begin(), last_logits.end());
  size_t unreported = 0;  // tokens[unreported..] not yet handed to the callback
  auto release = [&](bool final) {
    std::span<const GeneratedToken> fresh = std::span(out.tokens).subspan(unreported);
    bool delivered = false;
    const bool keep_going = releaser.Release(final, fresh, &delivered);
    if (delivered) unreported = out.tokens.size();
    return keep_going;
  };
  out.finish_reason = FinishReason::kLength;
  for (int32_t step = 0; step < options.max_tokens; ++step) {
    const int32_t id = sampler.Sample(logits);
    if (options.stop_on_eog && tok.IsEndOfGeneration(id)) {
      out.finish_reason = FinishReason::kStop;
      break;
    }
    std::vector<float> lp = LogSoftmaxRow(logits);
    GeneratedToken token{id, lp[static_cast<size_t>(id)], {}};
    if (options.top_logprobs > 0) token.top = TopLogprobs(lp, options.top_logprobs);
    out.tokens.push_back(std::move(token));
    if (releaser.Append(tok.TokenPiece(id))) {
      out.finish_reason = FinishReason::kStop;
      break;
    }
    if (!release(false)) {
      out.cancelled = true;
      break;
    }
    if (step + 1 == options.max_tokens || session.n_past() >= session.config().n_ctx) break;
    const int32_t next[] = {id};
    DOKJA_RETURN_IF_ERROR(session.Eval(next, false, &logits));
  }
  if (!out.cancelled && !release(true)) out.cancelled = true;
  out.text = releaser.Take();
  return out;
}

Result<GenerateResult> Generate(const LocalModel& model, Session& session,
                                std::span<const int32_t> prompt, const GenerateOptions& options) {
  if (prompt.empty()) return Status::InvalidArgument("prompt is empty");
  if (static_cast<int64_t>(prompt.size()) > session.config().n_ctx) {
    return Status::InvalidArgument("prompt has " + std::to_string(prompt.size()) +
                                   " tokens, more than the context of " +
                                   std::to_string(session.config().n_ctx));
  }
  session.Truncate(0);
  std::vector<float> logits;
  DOKJA_RETURN_IF_ERROR(session.Eval(prompt, false, &logits));
  return GenerateFrom(model, session, logits, static_cast<int32_t>(prompt.size()), options);
}

}  // namespace dokja::engine
