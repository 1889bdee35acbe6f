#include "serve/internal/service.h"

#include <algorithm>
#include <ctime>
#include <random>

#include <nlohmann/json.hpp>

namespace dokja::serve {
namespace {

using Json = nlohmann::ordered_json;

// vLLM clamps -inf log-probs to this so the JSON stays finite.
constexpr float kMinLogprob = -9999.0f;

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string RandomId(const char* prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(prefix) + buf;
}

uint64_t RandomSeed() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// Length in characters (code points), as Python's len() counts text_offset.
int64_t CharCount(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

float Clamp(float lp) { return std::max(lp, kMinLogprob); }

Json Usage(int64_t prompt, int64_t completion) {
  return Json{{"prompt_tokens", prompt},
              {"completion_tokens", completion},
              {"total_tokens", prompt + completion}};
}

// The legacy completions `logprobs` object: parallel lists of token strings,
// their log-probs, {token: logprob} dicts of alternatives and character offsets.
class LegacyLogprobs {
 public:
  LegacyLogprobs(const engine::LocalModel& model, int64_t first_offset)
      : model_(model), offset_(first_offset) {}

  void AddPrompt(const std::vector<int32_t>& ids, const engine::PromptLogprobs& lp) {
    for (size_t t = 0; t < ids.size(); ++t) {
      if (!lp.logprobs[t]) {
        Add(ids[t], Json(nullptr), Json(nullptr));
        continue;
      }
      Add(ids[t], Clamp(*lp.logprobs[t]), TopDict(ids[t], *lp.logprobs[t], lp.top[t]));
    }
  }

  void AddGenerated(std::span<const engine::GeneratedToken> tokens) {
    for (const engine::GeneratedToken& t : tokens) {
      Add(t.id, Clamp(t.logprob), TopDict(t.id, t.logprob, t.top));
    }
  }

  Json Take() {
    return Json{{"text_offset", std::move(offsets_)},
                {"token_logprobs", std::move(logprobs_)},
                {"tokens", std::move(tokens_)},
                {"top_logprobs", std::move(top_)}};
  }

 private:
  // The chosen token first, then the alternatives best first (vLLM's order).
  Json TopDict(int32_t id, float logprob, const std::vector<engine::TokenLogprob>& top) const {
    Json dict = Json::object();
    dict[model_.TokenDisplay(id)] = Clamp(logprob);
    for (const engine::TokenLogprob& alt : top) {
      const std::string key = model_.TokenDisplay(alt.id);
      if (!dict.contains(key)) dict[key] = Clamp(alt.logprob);
    }
    return dict;
  }

  void Add(int32_t id, Json logprob, Json top) {
    const std::string text = model_.TokenDisplay(id);
    offsets_.push_back(offset_);
    offset_ += CharCount(text);
    tokens_.push_back(text);
    logprobs_.push_back(std::move(logprob));
    top_.push_back(std::move(top));
  }

  const engine::LocalModel& model_;
  int64_t offset_;
  Json offsets_ = Json::array(), logprobs_ = Json::array(), tokens_ = Json::array(),
       top_ = Json::array();
};

// Chat's logprobs entries: {"token", "logprob", "bytes", "top_logprobs": [...]}.
Json ChatLogprobEntry(const engine::LocalModel& model, int32_t id, float logprob) {
  const std::string piece = model.tokenizer().TokenPiece(id);
  Json bytes = Json::array();
  for (char c : piece) bytes.push_back(static_cast<unsigned char>(c));
  return Json{{"token", model.TokenDisplay(id)}, {"logprob", Clamp(logprob)}, {"bytes", bytes}};
}

Json ChatLogprobs(const engine::LocalModel& model, std::span<const engine::GeneratedToken> tokens) {
  Json content = Json::array();
  for (const engine::GeneratedToken& t : tokens) {
    Json entry = ChatLogprobEntry(model, t.id, t.logprob);
    Json top = Json::array();
    for (const engine::TokenLogprob& alt : t.top) top.push_back(ChatLogprobEntry(model, alt.id, alt.logprob));
    entry["top_logprobs"] = std::move(top);
    content.push_back(std::move(entry));
  }
  return Json{{"content", std::move(content)}};
}

engine::GenerateOptions Options(const GenerationFields& gen, int32_t max_tokens, int32_t top_n) {
  engine::GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampling = gen.sampling;
  if (!gen.seed_given) o.sampling.seed = RandomSeed();
  o.stop = gen.stop;
  o.stop_on_eog = !gen.ignore_eos;
  o.top_logprobs = top_n;
  return o;
}

ApiError ServerError(const Status& status) {
  ApiError e;
  e.http_status = status.code() == StatusCode::kInvalidArgument ? 400 : 500;
  e.type = e.http_status == 400 ? "invalid_request_error" : "server_error";
  e.message = status.message();
  return e;
}

}  // namespace

Reply ErrorReply(const ApiError& error) { return {error.http_status, ErrorBody(error)}; }

namespace {
// A failed generation: an error event on a stream already started, else an
// error reply.
Reply GenerationFailed(const Status& status, const ChunkSink* sink) {
  if (sink) {
    (*sink)(ErrorBody(ServerError(status)));
    return {};
  }
  return ErrorReply(ServerError(status));
}
}  // namespace

ModelService::ModelService(const engine::LocalModel& model, Metrics& metrics)
    : model_(model), metrics_(metrics) {}

std::optional<ApiError> ModelService::CheckModel(const std::string& model) const {
  if (model.empty() || model == model_.id()) return std::nullopt;
  ApiError e = InvalidRequest("The model '" + model + "' does not exist; this server serves '" +
                                  model_.id() + "'",
                              "model", "model_not_found");
  e.http_status = 404;
  return e;
}

std::optional<ApiError> ModelService::CheckLength(size_t n_prompt, int64_t max_tokens,
                                                  const char* param) const {
  const int64_t n_ctx = model_.n_ctx();
  const int64_t prompt = static_cast<int64_t>(n_prompt);
  if (prompt > n_ctx) {
    return InvalidRequest("This model's maximum context length is " + std::to_string(n_ctx) +
                              " tokens, but the prompt has " + std::to_string(prompt) + " tokens",
                          param, "context_length_exceeded");
  }
  if (prompt + max_tokens > n_ctx) {
    return InvalidRequest("This model's maximum context length is " + std::to_string(n_ctx) +
                              " tokens, but you requested " + std::to_string(prompt + max_tokens) +
                              " tokens (" + std::to_string(prompt) + " in the prompt, " +
                              std::to_string(max_tokens) + " for the completion)",
                          "max_tokens", "context_length_exceeded");
  }
  return std::nullopt;
}

std::optional<ApiError> ModelService::CheckIds(const std::vector<int32_t>& ids,
                                               const char* param) const {
  const int32_t n_vocab = model_.engine().config().n_vocab;
  for (int32_t id : ids) {
    if (id < 0 || id >= n_vocab) {
      return InvalidRequest("token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                std::to_string(n_vocab) + ")",
                            param);
    }
  }
  return std::nullopt;
}

Parsed<PreparedCompletion> ModelService::PrepareCompletion(CompletionRequest request) const {
  if (auto e = CheckModel(request.model)) return *e;
  PreparedCompletion job;
  job.max_tokens = request.gen.max_tokens.value_or(16);
  for (const PromptInput& p : request.prompts) {
    std::vector<int32_t> ids = p.is_ids ? p.ids : model_.EncodePrompt(p.text);
    if (ids.empty()) return InvalidRequest("the prompt is empty", "prompt");
    if (auto e = CheckIds(ids, "prompt")) return *e;
    if (auto e = CheckLength(ids.size(), job.max_tokens, "prompt")) return *e;
    text::DecodeOptions decode;
    decode.skip_special = false;
    job.prompt_texts.push_back(p.is_ids ? model_.tokenizer().Decode(ids, decode) : p.text);
    job.prompt_ids.push_back(std::move(ids));
  }
  job.request = std::move(request);
  job.id = RandomId("cmpl-");
  job.created = static_cast<int64_t>(std::time(nullptr));
  return job;
}

Parsed<PreparedChat> ModelService::PrepareChat(ChatRequest request) const {
  if (auto e = CheckModel(request.model)) return *e;
  auto ids = model_.EncodeChat(request.messages);
  if (!ids.ok()) return InvalidRequest(ids.status().message(), "messages");
  if (ids->empty()) return InvalidRequest("the rendered chat prompt is empty", "messages");
  PreparedChat job;
  const int64_t room = model_.n_ctx() - static_cast<int64_t>(ids->size());
  job.max_tokens = request.gen.max_tokens.value_or(static_cast<int32_t>(std::max<int64_t>(0, room)));
  if (auto e = CheckLength(ids->size(), job.max_tokens, "messages")) return *e;
  job.prompt_ids = std::move(ids).value();
  job.request = std::move(request);
  job.id = RandomId("chatcmpl-");
  job.created = static_cast<int64_t>(std::time(nullptr));
  return job;
}

Reply ModelService::RunCompletion(const PreparedCompletion& job, engine::Session& session,
                                  const ChunkSink* sink) const {
  const CompletionRequest& req = job.request;
  const bool want_logprobs = req.logprobs.has_value();
  const int32_t top_n = req.logprobs.value_or(0);
  auto chunk = [&](size_t index, std::string text, Json logprobs, Json finish) {
    Json choice{{"index", index}, {"text", std::move(text)}, {"logprobs", std::move(logprobs)},
                {"finish_reason", std::move(finish)}};
    return (*sink)(Dump(Json{{"id", job.id}, {"object", "text_completion"}, {"created", job.created},
                             {"model", model_.id()}, {"choices", Json::array({std::move(choice)})}}));
  };
  Json choices = Json::array();
  int64_t n_prompt = 0, n_completion = 0;
  for (size_t i = 0; i < job.prompt_ids.size(); ++i) {
    const std::vector<int32_t>& ids = job.prompt_ids[i];
    const std::string& prompt_text = job.prompt_texts[i];
    metrics_.AddPromptTokens(static_cast<int64_t>(ids.size()));
    LegacyLogprobs logprobs(model_, req.echo ? 0 : CharCount(prompt_text));
    engine::GenerateOptions options = Options(req.gen, job.max_tokens, top_n);
    if (sink) {
      options.on_piece = [&](const engine::GeneratedPiece& piece) {
        Json lp(nullptr);
        if (want_logprobs) {
          LegacyLogprobs part(model_, 0);
          part.AddGenerated(piece.tokens);
          lp = part.Take();
        }
        return chunk(i, std::string(piece.text), std::move(lp), Json(nullptr));
      };
    }
    Result<engine::GenerateResult> out = Status::Internal("not run");
    if (req.echo && want_logprobs) {
      std::vector<float> last;
      auto prompt_lp = engine::ScorePrompt(session, ids, top_n, &last);
      if (!prompt_lp.ok()) return ErrorReply(ServerError(prompt_lp.status()));
      logprobs.AddPrompt(ids, *prompt_lp);
      if (sink) {
        LegacyLogprobs part(model_, 0);
        part.AddPrompt(ids, *prompt_lp);
        if (!chunk(i, prompt_text, part.Take(), Json(nullptr))) return {};
      }
      out = engine::GenerateFrom(model_, session, last, static_cast<int32_t>(ids.size()), options);
    } else {
      if (sink && req.echo && !chunk(i, prompt_text, Json(nullptr), Json(nullptr))) return {};
      out = engine::Generate(model_, session, ids, options);
    }
    if (!out.ok()) {
      return GenerationFailed(out.status(), sink);
    }
    metrics_.AddGeneratedTokens(static_cast<int64_t>(out->tokens.size()));
    n_prompt += static_cast<int64_t>(ids.size());
    n_completion += static_cast<int64_t>(out->tokens.size());
    const std::string finish(engine::FinishReasonName(out->finish_reason));
    if (sink) {
      if (out->cancelled || !chunk(i, "", Json(nullptr), finish)) return {};
      continue;
    }
    logprobs.AddGenerated(out->tokens);
    choices.push_back(Json{{"index", i},
                           {"text", req.echo ? prompt_text + out->text : out->text},
                           {"logprobs", want_logprobs ? logprobs.Take() : Json(nullptr)},
                           {"finish_reason", finish}});
  }
  if (sink) {
    if (req.gen.include_usage) {
      (*sink)(Dump(Json{{"id", job.id}, {"object", "text_completion"}, {"created", job.created},
                        {"model", model_.id()}, {"choices", Json::array()},
                        {"usage", Usage(n_prompt, n_completion)}}));
    }
    return {};
  }
  return {200, Dump(Json{{"id", job.id}, {"object", "text_completion"}, {"created", job.created},
                         {"model", model_.id()}, {"choices", std::move(choices)},
                         {"usage", Usage(n_prompt, n_completion)}})};
}

Reply ModelService::RunChat(const PreparedChat& job, engine::Session& session,
                            const ChunkSink* sink) const {
  const ChatRequest& req = job.request;
  auto chunk = [&](Json delta, Json logprobs, Json finish) {
    Json choice{{"index", 0}, {"delta", std::move(delta)}, {"logprobs", std::move(logprobs)},
                {"finish_reason", std::move(finish)}};
    return (*sink)(Dump(Json{{"id", job.id}, {"object", "chat.completion.chunk"},
                             {"created", job.created}, {"model", model_.id()},
                             {"choices", Json::array({std::move(choice)})}}));
  };
  metrics_.AddPromptTokens(static_cast<int64_t>(job.prompt_ids.size()));
  engine::GenerateOptions options = Options(req.gen, job.max_tokens, req.top_logprobs);
  if (sink) {
    if (!chunk(Json{{"role", "assistant"}, {"content", ""}}, Json(nullptr), Json(nullptr))) return {};
    options.on_piece = [&](const engine::GeneratedPiece& piece) {
      if (piece.text.empty() && !req.logprobs) return true;
      return chunk(Json{{"content", std::string(piece.text)}},
                   req.logprobs ? ChatLogprobs(model_, piece.tokens) : Json(nullptr), Json(nullptr));
    };
  }
  auto out = engine::Generate(model_, session, job.prompt_ids, options);
  if (!out.ok()) {
    return GenerationFailed(out.status(), sink);
  }
  metrics_.AddGeneratedTokens(static_cast<int64_t>(out->tokens.size()));
  const int64_t n_prompt = static_cast<int64_t>(job.prompt_ids.size());
  const int64_t n_completion = static_cast<int64_t>(out->tokens.size());
  const std::string finish(engine::FinishReasonName(out->finish_reason));
  if (sink) {
    if (out->cancelled || !chunk(Json::object(), Json(nullptr), finish)) return {};
    if (req.gen.include_usage) {
      (*sink)(Dump(Json{{"id", job.id}, {"object", "chat.completion.chunk"}, {"created", job.created},
                        {"model", model_.id()}, {"choices", Json::array()},
                        {"usage", Usage(n_prompt, n_completion)}}));
    }
    return {};
  }
  Json choice{{"index", 0},
              {"message", Json{{"role", "assistant"}, {"content", out->text}}},
              {"logprobs", req.logprobs ? ChatLogprobs(model_, out->tokens) : Json(nullptr)},
              {"finish_reason", finish}};
  return {200, Dump(Json{{"id", job.id}, {"object", "chat.completion"}, {"created", job.created},
                         {"model", model_.id()}, {"choices", Json::array({std::move(choice)})},
                         {"usage", Usage(n_prompt, n_completion)}})};
}

Reply ModelService::Models() const {
  Json model{{"id", model_.id()},
             {"object", "model"},
             {"created", static_cast<int64_t>(std::time(nullptr))},
             {"owned_by", "dokja"},
             {"root", model_.id()},
             {"parent", nullptr},
             {"max_model_len", model_.n_ctx()}};
  return {200, Dump(Json{{"object", "list"}, {"data", Json::array({std::move(model)})}})};
}

Reply ModelService::Tokenize(const TokenizeRequest& request) const {
  if (auto e = CheckModel(request.model)) return ErrorReply(*e);
  std::vector<int32_t> ids;
  if (request.has_messages) {
    auto rendered = model_.RenderChat(request.messages);
    if (!rendered.ok()) return ErrorReply(InvalidRequest(rendered.status().message(), "messages"));
    text::EncodeOptions options;
    options.parse_special = true;
    options.add_bos = request.add_special_tokens && model_.tokenizer().add_bos_default();
    ids = model_.tokenizer().Encode(*rendered, options);
  } else {
    text::EncodeOptions options;
    options.add_bos = request.add_special_tokens && model_.tokenizer().add_bos_default();
    ids = model_.tokenizer().Encode(request.prompt, options);
  }
  Json j{{"count", ids.size()}, {"max_model_len", model_.n_ctx()}, {"tokens", ids}};
  if (request.return_token_strs) {
    Json strs = Json::array();
    for (int32_t id : ids) strs.push_back(std::string(model_.tokenizer().TokenText(id)));
    j["token_strs"] = std::move(strs);
  } else {
    j["token_strs"] = nullptr;
  }
  return {200, Dump(j)};
}

Reply ModelService::Detokenize(const DetokenizeRequest& request) const {
  if (auto e = CheckModel(request.model)) return ErrorReply(*e);
  if (auto e = CheckIds(request.tokens, "tokens")) return ErrorReply(*e);
  return {200, Dump(Json{{"prompt", model_.tokenizer().Decode(request.tokens)}})};
}

}  // namespace dokja::serve
