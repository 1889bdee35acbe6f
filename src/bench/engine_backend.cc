#include "bench/engine_backend.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "bench/internal/echo_score.h"

namespace dokja::bench {
namespace {

using Clock = std::chrono::steady_clock;

float Clamp(float lp) { return std::max(lp, internal::kMinLogprob); }

class EngineBackend final : public Backend {
 public:
  EngineBackend(const engine::LocalModel& model, EngineBackendOptions options,
                std::unique_ptr<engine::LocalModel> owned)
      : owned_(std::move(owned)), model_(model), options_(std::move(options)) {}

  Result<Response> Complete(const Request& request) override;
  Result<Response> CompleteStream(const Request& request,
                                  const std::function<void(std::string_view delta)>& on_delta) override;
  Status Probe(std::span<const RequestKind> kinds) override;
  std::string Identity() const override;
  void SetTimeout(double seconds) override { timeout_s_.store(seconds); }

 private:
  std::unique_ptr<engine::Session> Acquire();
  void Release(std::unique_ptr<engine::Session> session);
  Result<std::vector<int32_t>> ScoredIds(const Request& request) const;
  Result<Response> Score(const Request& request, engine::Session& session);
  // `on_delta` (may be null) receives the text as the engine releases it.
  Result<Response> Generate(const Request& request, engine::Session& session,
                            const std::function<void(std::string_view delta)>* on_delta);

  std::unique_ptr<engine::LocalModel> owned_;  // null when borrowed
  const engine::LocalModel& model_;
  const EngineBackendOptions options_;
  std::atomic<double> timeout_s_{600};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<engine::Session>> idle_;  // guarded by mu_
  int32_t n_created_ = 0;                               // guarded by mu_
};

std::unique_ptr<engine::Session> EngineBackend::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || n_created_ < std::max(1, options_.n_sessions); });
  if (!idle_.empty()) {
    auto session = std::move(idle_.back());
    idle_.pop_back();
    return session;
  }
  ++n_created_;
  lock.unlock();
  return model_.engine().NewSession();
}

void EngineBackend::Release(std::unique_ptr<engine::Session> session) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(session));
  }
  cv_.notify_one();
}

// The ids the server would score for an echo of context + continuation.
Result<std::vector<int32_t>> EngineBackend::ScoredIds(const Request& request) const {
  const std::string tail = request.kind == RequestKind::kLoglikelihood ? request.continuation : "";
  if (request.messages.empty()) return model_.EncodePrompt(request.context + tail);
  std::vector<text::ChatMessage> messages;
  for (const Message& m : request.messages) messages.push_back({m.role, m.content});
  DOKJA_ASSIGN_OR_RETURN(std::string rendered, model_.RenderChat(messages));
  text::EncodeOptions encode;
  encode.parse_special = true;
  return model_.tokenizer().Encode(rendered + tail, encode);
}

Result<Response> EngineBackend::Score(const Request& request, engine::Session& session) {
  DOKJA_ASSIGN_OR_RETURN(std::vector<int32_t> ids, ScoredIds(request));
  if (ids.empty()) return Status::InvalidArgument("the prompt is empty");
  if (static_cast<int64_t>(ids.size()) > model_.n_ctx()) {
    return Status::InvalidArgument("the prompt has " + std::to_string(ids.size()) +
                                   " tokens; the model's context is " + std::to_string(model_.n_ctx()));
  }
  DOKJA_ASSIGN_OR_RETURN(engine::PromptLogprobs lp, engine::ScorePrompt(session, ids, 1));
  std::vector<internal::EchoToken> tokens(ids.size());
  int64_t offset = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    const std::string display = model_.TokenDisplay(ids[t]);
    tokens[t].text_offset = offset;
    tokens[t].n_chars = internal::CharCount(display);
    offset += tokens[t].n_chars;
    if (!lp.logprobs[t]) continue;
    const float chosen = Clamp(*lp.logprobs[t]);
    tokens[t].logprob = static_cast<double>(chosen);
    // As the server's top_logprobs dict: the chosen token, then the best
    // alternative unless it shows the same text.
    const bool same_key = !lp.top[t].empty() && model_.TokenDisplay(lp.top[t][0].id) == display;
    tokens[t].greedy = lp.top[t].empty() || same_key || chosen >= Clamp(lp.top[t][0].logprob);
  }
  return internal::ScoreEcho(tokens, request);
}

Result<Response> EngineBackend::Generate(const Request& request, engine::Session& session,
                                         const std::function<void(std::string_view delta)>* on_delta) {
  std::vector<int32_t> ids;
  if (request.messages.empty()) {
    ids = model_.EncodePrompt(request.context);
  } else {
    std::vector<text::ChatMessage> messages;
    for (const Message& m : request.messages) messages.push_back({m.role, m.content});
    DOKJA_ASSIGN_OR_RETURN(ids, model_.EncodeChat(messages));
  }
  if (static_cast<int64_t>(ids.size()) + request.gen.max_tokens > model_.n_ctx()) {
    return Status::InvalidArgument("the prompt (" + std::to_string(ids.size()) + " tokens) plus max_tokens " +
                                   std::to_string(request.gen.max_tokens) + " exceeds the context of " +
                                   std::to_string(model_.n_ctx()));
  }
  engine::GenerateOptions options;
  options.max_tokens = request.gen.max_tokens;
  options.sampling.temperature = static_cast<float>(request.gen.temperature);
  options.sampling.top_p = static_cast<float>(request.gen.top_p);
  options.sampling.seed = request.gen.seed;
  options.stop = request.gen.until;
  const Clock::time_point deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s_.load()));
  options.on_piece = [&](const engine::GeneratedPiece& piece) {
    if (on_delta != nullptr && !piece.text.empty()) (*on_delta)(piece.text);
    return Clock::now() < deadline;
  };
  DOKJA_ASSIGN_OR_RETURN(engine::GenerateResult out, engine::Generate(model_, session, ids, options));
  if (out.cancelled) return Status::Unavailable("generation ran past the request timeout");
  Response r;
  r.text = std::move(out.text);
  r.n_tokens = static_cast<int32_t>(out.tokens.size());
  r.finish_reason = std::string(engine::FinishReasonName(out.finish_reason));
  return r;
}

Result<Response> EngineBackend::Complete(const Request& request) {
  std::unique_ptr<engine::Session> session = Acquire();
  Result<Response> r = request.kind == RequestKind::kGenerate ? Generate(request, *session, nullptr)
                                                              : Score(request, *session);
  Release(std::move(session));
  return r;
}

Result<Response> EngineBackend::CompleteStream(const Request& request,
                                               const std::function<void(std::string_view delta)>& on_delta) {
  if (request.kind != RequestKind::kGenerate) return Complete(request);
  std::unique_ptr<engine::Session> session = Acquire();
  Result<Response> r = Generate(request, *session, &on_delta);
  Release(std::move(session));
  return r;
}

// The engine computes every kind of request; a chat-message request to a
// model without a chat template fails on its own with InvalidArgument.
Status EngineBackend::Probe(std::span<const RequestKind> kinds) {
  (void)kinds;
  return Status::OK();
}

std::string EngineBackend::Identity() const {
  const text::ChatTemplate* tmpl = model_.chat_template();
  nlohmann::json j = {{"type", "engine"},
                      {"model", model_.id()},
                      {"model_path", options_.model_path},
                      {"n_ctx", model_.n_ctx()},
                      {"chat_template_sha256", tmpl ? Sha256Hex(tmpl->source()) : ""}};
  if (!options_.files_json.empty()) j["files"] = nlohmann::json::parse(options_.files_json, nullptr, false);
  return j.dump();
}

}  // namespace

Result<std::unique_ptr<Backend>> MakeEngineBackend(const engine::LocalModel& model,
                                                   const EngineBackendOptions& options) {
  if (options.n_sessions < 1) return Status::InvalidArgument("engine backend: n_sessions must be >= 1");
  return std::unique_ptr<Backend>(std::make_unique<EngineBackend>(model, options, nullptr));
}

namespace {
// Size and modification time of each file at `paths` (the files inside a
// folder), by path: a cheap stand-in for hashing gigabytes on every run.
nlohmann::json FilesJson(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  nlohmann::json out = nlohmann::json::object();
  auto add = [&](const fs::path& f) {
    std::error_code ec;
    const auto size = fs::file_size(f, ec);
    if (ec) return;
    const auto mtime = fs::last_write_time(f, ec).time_since_epoch().count();
    if (ec) return;
    out[f.string()] = {{"bytes", size}, {"mtime", static_cast<int64_t>(mtime)}};
  };
  for (const std::string& p : paths) {
    if (p.empty()) continue;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        if (entry.is_regular_file(ec)) add(entry.path());
      }
    } else {
      add(p);
    }
  }
  return out;
}
}  // namespace

Result<std::unique_ptr<Backend>> LoadEngineBackend(const std::string& path,
                                                   const engine::LocalModelOptions& model_options,
                                                   const EngineBackendOptions& options) {
  if (options.n_sessions < 1) return Status::InvalidArgument("engine backend: n_sessions must be >= 1");
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<engine::LocalModel> model, engine::LoadLocalModel(path, model_options));
  const engine::LocalModel& ref = *model;
  EngineBackendOptions with_path = options;
  if (with_path.model_path.empty()) with_path.model_path = path;
  if (with_path.files_json.empty()) {
    with_path.files_json = FilesJson({path, model_options.tokenizer_path}).dump();
  }
  return std::unique_ptr<Backend>(std::make_unique<EngineBackend>(ref, with_path, std::move(model)));
}

}  // namespace dokja::bench
