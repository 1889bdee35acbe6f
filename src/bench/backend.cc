#include "bench/backend.h"

#include <nlohmann/json.hpp>

#include "bench/internal/json_text.h"

namespace dokja::bench {

using namespace std::string_view_literals;

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
  // Sorted keys, no whitespace; written directly rather than through a JSON
  // tree (the runner builds one per request), byte for byte what
  // nlohmann::json::dump wrote before (backend_test checks both agree).
  // Room for every field unescaped (the fixed text of a generation request
  // with 20-digit numbers is under 200 bytes), so the string grows once.
  size_t size = 200 + context.size() + continuation.size();
  for (const std::string& stop : gen.until) size += stop.size() + 3;
  for (const Message& m : messages) size += m.role.size() + m.content.size() + 32;
  std::string out;
  out.reserve(size);
  out += "{\"context\":"sv;
  internal::AppendJsonString(out, context);
  if (kind == RequestKind::kLoglikelihood) {
    out += ",\"continuation\":"sv;
    internal::AppendJsonString(out, continuation);
  }
  if (kind == RequestKind::kGenerate) {
    out += ",\"gen\":{\"max_tokens\":"sv;
    internal::AppendJsonInt(out, gen.max_tokens);
    out += ",\"seed\":"sv;
    internal::AppendJsonUint(out, gen.seed);
    out += ",\"temperature\":"sv;
    internal::AppendJsonDouble(out, gen.temperature);
    out += ",\"top_p\":"sv;
    internal::AppendJsonDouble(out, gen.top_p);
    out += ",\"until\":"sv;
    internal::AppendJsonStrings(out, gen.until);
    out += '}';
  }
  out += ",\"kind\":"sv;
  out += '"';
  out += RequestKindName(kind);  // plain ASCII: nothing to escape
  out += '"';
  if (!messages.empty()) {
    out += ",\"messages\":"sv;
    internal::AppendJsonMessages(out, messages);
  }
  out += '}';
  return out;
}

std::string Response::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

void Response::AppendJson(std::string& out) const {
  out.reserve(out.size() + 96 + text.size() + reasoning.size());
  out += "{\"finish_reason\":"sv;
  internal::AppendJsonString(out, finish_reason);
  out += ",\"is_greedy\":"sv;
  internal::AppendJsonBool(out, is_greedy);
  out += ",\"logprob\":"sv;
  internal::AppendJsonDouble(out, logprob);
  out += ",\"n_tokens\":"sv;
  internal::AppendJsonInt(out, n_tokens);
  out += ",\"reasoning\":"sv;
  internal::AppendJsonString(out, reasoning);
  out += ",\"text\":"sv;
  internal::AppendJsonString(out, text);
  out += '}';
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
