#include "bench/backend.h"

#include <nlohmann/json.hpp>

namespace dokja::bench {

std::string_view RequestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kLoglikelihood: return "loglikelihood";
    case RequestKind::kLoglikelihoodRolling: return "loglikelihood_rolling";
    case RequestKind::kGenerate: return "generate_until";
  }
  return "unknown";
}

Result<Response> Backend::CompleteStream(const Request& request,
                                         const std::function<void(std::string_view delta)>& on_delta) {
  Result<Response> r = Complete(request);
  if (r.ok() && request.kind == RequestKind::kGenerate && !r->text.empty()) on_delta(r->text);
  return r;
}

std::string Request::CanonicalJson() const {
  // nlohmann::json objects keep keys sorted, so dump() is canonical.
  nlohmann::json j;
  j["kind"] = RequestKindName(kind);
  j["context"] = context;
  if (kind == RequestKind::kLoglikelihood) j["continuation"] = continuation;
  if (!messages.empty()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const Message& m : messages) arr.push_back({{"role", m.role}, {"content", m.content}});
    j["messages"] = std::move(arr);
  }
  if (kind == RequestKind::kGenerate) {
    j["gen"] = {{"max_tokens", gen.max_tokens}, {"temperature", gen.temperature},
                {"top_p", gen.top_p},           {"seed", gen.seed},
                {"until", gen.until}};
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Response::ToJson() const {
  nlohmann::json j = {{"logprob", logprob},     {"is_greedy", is_greedy},
                      {"n_tokens", n_tokens},   {"text", text},
                      {"reasoning", reasoning}, {"finish_reason", finish_reason}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Response> Response::FromJson(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corrupt("cached response is not a JSON object");
  }
  Response r;
  try {
    r.logprob = j.at("logprob").get<double>();
    r.is_greedy = j.at("is_greedy").get<bool>();
    r.n_tokens = j.at("n_tokens").get<int32_t>();
    r.text = j.at("text").get<std::string>();
    r.reasoning = j.at("reasoning").get<std::string>();
    r.finish_reason = j.at("finish_reason").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(std::string("cached response: ") + e.what());
  }
  return r;
}

}  // namespace dokja::bench
