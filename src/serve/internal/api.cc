#include "serve/internal/api.h"

#include <exception>
#include <limits>

#include <nlohmann/json.hpp>

namespace dokja::serve {
namespace {

using Json = nlohmann::json;

// Thrown inside this file only; every parser catches it.
struct FieldError {
  ApiError error;
};

[[noreturn]] void Fail(std::string message, std::string param) {
  throw FieldError{InvalidRequest(std::move(message), std::move(param))};
}

[[noreturn]] void Unsupported(std::string message, std::string param) {
  throw FieldError{InvalidRequest(std::move(message), std::move(param), "unsupported_parameter")};
}

std::string TypeName(const Json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number_float()) return "number";
  return v.type_name();
}

// Reads typed fields of a request object, naming the field in each error.
class Fields {
 public:
  explicit Fields(const Json& object) : j_(object) {}

  // The field, or null when absent (absent and null mean the same).
  const Json* Get(const char* name) const {
    auto it = j_.find(name);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }

  std::optional<bool> Bool(const char* name) const {
    const Json* v = Get(name);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) Fail(Quoted(name) + " must be a boolean, got " + TypeName(*v), name);
    return v->get<bool>();
  }

  std::optional<double> Number(const char* name) const {
    const Json* v = Get(name);
    if (!v) return std::nullopt;
    if (!v->is_number()) Fail(Quoted(name) + " must be a number, got " + TypeName(*v), name);
    return v->get<double>();
  }

  std::optional<int64_t> Int(const char* name, int64_t lo, int64_t hi) const {
    const Json* v = Get(name);
    if (!v) return std::nullopt;
    int64_t x = 0;
    if (v->is_number_unsigned()) {
      const uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(hi)) OutOfRange(name, lo, hi);
      x = static_cast<int64_t>(u);
    } else if (v->is_number_integer()) {
      x = v->get<int64_t>();
    } else if (v->is_number_float() && v->get<double>() == static_cast<double>(static_cast<int64_t>(v->get<double>()))) {
      x = static_cast<int64_t>(v->get<double>());  // 5.0 is accepted as 5, as Python clients send it
    } else {
      Fail(Quoted(name) + " must be an integer, got " + TypeName(*v), name);
    }
    if (x < lo || x > hi) OutOfRange(name, lo, hi);
    return x;
  }

  std::string String(const char* name) const {
    const Json* v = Get(name);
    if (!v) return {};
    if (!v->is_string()) Fail(Quoted(name) + " must be a string, got " + TypeName(*v), name);
    return v->get<std::string>();
  }

  static std::string Quoted(const std::string& name) { return "'" + name + "'"; }

 private:
  [[noreturn]] static void OutOfRange(const char* name, int64_t lo, int64_t hi) {
    Fail(Quoted(name) + " must be an integer in [" + std::to_string(lo) + ", " +
             (hi == std::numeric_limits<int64_t>::max() ? std::string("inf") : std::to_string(hi)) +
             "]",
         name);
  }

  const Json& j_;
};

Json ParseObject(std::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw FieldError{InvalidRequest("request body is not valid JSON")};
  if (!j.is_object()) throw FieldError{InvalidRequest("request body must be a JSON object")};
  return j;
}

std::vector<int32_t> TokenIds(const Json& array, const std::string& param) {
  std::vector<int32_t> ids;
  for (const Json& v : array) {
    if (!v.is_number_integer() && !v.is_number_unsigned()) {
      Fail(Fields::Quoted(param) + " must hold integer token ids, got " + TypeName(v), param);
    }
    const int64_t id = v.get<int64_t>();
    if (id < 0 || id > std::numeric_limits<int32_t>::max()) {
      Fail(Fields::Quoted(param) + " holds token id " + std::to_string(id) + " outside the vocabulary", param);
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

// A prompt may be a string, a list of strings, a list of token ids, or a
// list of lists of token ids.
std::vector<PromptInput> Prompts(const Json* v) {
  if (!v) Fail("'prompt' is required", "prompt");
  std::vector<PromptInput> out;
  if (v->is_string()) {
    out.push_back({false, v->get<std::string>(), {}});
    return out;
  }
  if (!v->is_array() || v->empty()) {
    Fail("'prompt' must be a string, a list of strings, a list of token ids or a list of lists "
         "of token ids (non-empty)",
         "prompt");
  }
  const Json& first = (*v)[0];
  if (first.is_number()) {
    out.push_back({true, {}, TokenIds(*v, "prompt")});
    return out;
  }
  for (const Json& item : *v) {
    if (first.is_string() && item.is_string()) {
      out.push_back({false, item.get<std::string>(), {}});
    } else if (first.is_array() && item.is_array() && !item.empty()) {
      out.push_back({true, {}, TokenIds(item, "prompt")});
    } else {
      Fail("'prompt' must be a string, a list of strings, a list of token ids or a list of "
           "non-empty lists of token ids, not a mix",
           "prompt");
    }
  }
  return out;
}

std::vector<std::string> StopStrings(const Json* v) {
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_string()) {
    if (!v->get<std::string>().empty()) out.push_back(v->get<std::string>());
    return out;
  }
  if (!v->is_array()) Fail("'stop' must be a string or a list of strings, got " + TypeName(*v), "stop");
  for (const Json& s : *v) {
    if (!s.is_string()) Fail("'stop' must be a string or a list of strings", "stop");
    if (!s.get<std::string>().empty()) out.push_back(s.get<std::string>());
  }
  return out;
}

// Rejects fields we accept only at their no-op value.
void RejectUnsupported(const Fields& f) {
  if (auto n = f.Int("n", 1, std::numeric_limits<int64_t>::max()); n && *n != 1) {
    Unsupported("'n' must be 1: this server returns one choice per prompt", "n");
  }
  if (auto n = f.Int("best_of", 1, std::numeric_limits<int64_t>::max()); n && *n != 1) {
    Unsupported("'best_of' must be 1: this server returns one choice per prompt", "best_of");
  }
  for (const char* name : {"presence_penalty", "frequency_penalty"}) {
    if (auto v = f.Number(name); v && *v != 0.0) Unsupported(Fields::Quoted(name) + " is not supported (must be 0)", name);
  }
  if (auto v = f.Number("repetition_penalty"); v && *v != 1.0) {
    Unsupported("'repetition_penalty' is not supported (must be 1)", "repetition_penalty");
  }
  if (const Json* v = f.Get("logit_bias"); v && !(v->is_object() && v->empty())) {
    Unsupported("'logit_bias' is not supported", "logit_bias");
  }
  if (f.Get("suffix")) Unsupported("'suffix' is not supported", "suffix");
  if (f.Get("tools") || f.Get("functions")) Unsupported("tool calling is not supported", "tools");
  if (const Json* v = f.Get("response_format");
      v && !(v->is_object() && v->value("type", "") == "text")) {
    Unsupported("'response_format' other than {\"type\": \"text\"} is not supported", "response_format");
  }
}

GenerationFields Generation(const Fields& f, const char* max_tokens_name) {
  RejectUnsupported(f);
  GenerationFields g;
  const int64_t kMaxInt = std::numeric_limits<int32_t>::max();
  if (auto n = f.Int(max_tokens_name, 0, kMaxInt)) g.max_tokens = static_cast<int32_t>(*n);
  if (auto t = f.Number("temperature")) {
    if (*t < 0) Fail("'temperature' must be >= 0", "temperature");
    g.sampling.temperature = static_cast<float>(*t);
  }
  if (auto p = f.Number("top_p")) {
    if (!(*p > 0 && *p <= 1)) Fail("'top_p' must be in (0, 1]", "top_p");
    g.sampling.top_p = static_cast<float>(*p);
  }
  if (auto k = f.Int("top_k", -1, kMaxInt)) g.sampling.top_k = *k <= 0 ? 0 : static_cast<int32_t>(*k);
  if (auto s = f.Int("seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max())) {
    g.sampling.seed = static_cast<uint64_t>(*s);
    g.seed_given = true;
  }
  g.stop = StopStrings(f.Get("stop"));
  g.ignore_eos = f.Bool("ignore_eos").value_or(false);
  g.stream = f.Bool("stream").value_or(false);
  if (const Json* so = f.Get("stream_options")) {
    if (!so->is_object()) Fail("'stream_options' must be an object", "stream_options");
    g.include_usage = Fields(*so).Bool("include_usage").value_or(false);
  }
  return g;
}

std::vector<text::ChatMessage> Messages(const Json* v) {
  if (!v) Fail("'messages' is required", "messages");
  if (!v->is_array() || v->empty()) Fail("'messages' must be a non-empty list of messages", "messages");
  std::vector<text::ChatMessage> out;
  for (size_t i = 0; i < v->size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const Json& m = (*v)[i];
    if (!m.is_object()) Fail(Fields::Quoted(where) + " must be an object", where);
    Fields f(m);
    text::ChatMessage msg;
    msg.role = f.String("role");
    if (msg.role.empty()) Fail(Fields::Quoted(where + ".role") + " is required", where + ".role");
    const Json* content = f.Get("content");
    if (content && content->is_string()) {
      msg.content = content->get<std::string>();
    } else if (content && content->is_array()) {
      for (const Json& part : *content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
            !part["text"].is_string()) {
          Unsupported("only text content parts are supported", where + ".content");
        }
        msg.content += part["text"].get<std::string>();
      }
    } else if (content) {
      Fail(Fields::Quoted(where + ".content") + " must be a string or a list of text parts",
           where + ".content");
    }
    out.push_back(std::move(msg));
  }
  return out;
}

template <typename T, typename Fn>
Parsed<T> Guarded(std::string_view body, Fn&& fn) {
  try {
    Json j = ParseObject(body);
    return fn(Fields(j));
  } catch (const FieldError& e) {
    return e.error;
  } catch (const std::exception& e) {
    return InvalidRequest(std::string("malformed request: ") + e.what());
  }
}

}  // namespace

ApiError InvalidRequest(std::string message, std::string param, std::string code) {
  ApiError e;
  e.message = std::move(message);
  e.param = std::move(param);
  e.code = std::move(code);
  return e;
}

std::string ErrorBody(const ApiError& error) {
  nlohmann::ordered_json j;
  j["error"]["message"] = error.message;
  j["error"]["type"] = error.type;
  j["error"]["param"] = error.param.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(error.param);
  j["error"]["code"] = error.code.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(error.code);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Parsed<CompletionRequest> ParseCompletionRequest(std::string_view body) {
  return Guarded<CompletionRequest>(body, [](const Fields& f) {
    CompletionRequest r;
    r.model = f.String("model");
    r.prompts = Prompts(f.Get("prompt"));
    r.gen = Generation(f, "max_tokens");
    r.echo = f.Bool("echo").value_or(false);
    if (auto n = f.Int("logprobs", 0, kMaxTopLogprobs)) r.logprobs = static_cast<int32_t>(*n);
    return r;
  });
}

Parsed<ChatRequest> ParseChatRequest(std::string_view body) {
  return Guarded<ChatRequest>(body, [](const Fields& f) {
    ChatRequest r;
    r.model = f.String("model");
    r.messages = Messages(f.Get("messages"));
    r.gen = Generation(f, "max_completion_tokens");
    if (!r.gen.max_tokens) {
      if (auto n = f.Int("max_tokens", 0, std::numeric_limits<int32_t>::max())) {
        r.gen.max_tokens = static_cast<int32_t>(*n);
      }
    }
    r.logprobs = f.Bool("logprobs").value_or(false);
    r.top_logprobs = static_cast<int32_t>(f.Int("top_logprobs", 0, kMaxTopLogprobs).value_or(0));
    if (r.top_logprobs > 0 && !r.logprobs) {
      Fail("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    }
    return r;
  });
}

Parsed<TokenizeRequest> ParseTokenizeRequest(std::string_view body) {
  return Guarded<TokenizeRequest>(body, [](const Fields& f) {
    TokenizeRequest r;
    r.model = f.String("model");
    if (f.Get("messages")) {
      r.has_messages = true;
      r.messages = Messages(f.Get("messages"));
      r.add_special_tokens = f.Bool("add_special_tokens").value_or(false);
    } else {
      const Json* p = f.Get("prompt");
      if (!p) Fail("'prompt' or 'messages' is required", "prompt");
      r.prompt = f.String("prompt");
      r.add_special_tokens = f.Bool("add_special_tokens").value_or(true);
    }
    r.return_token_strs = f.Bool("return_token_strs").value_or(false);
    return r;
  });
}

Parsed<DetokenizeRequest> ParseDetokenizeRequest(std::string_view body) {
  return Guarded<DetokenizeRequest>(body, [](const Fields& f) {
    DetokenizeRequest r;
    r.model = f.String("model");
    const Json* t = f.Get("tokens");
    if (!t) Fail("'tokens' is required", "tokens");
    if (!t->is_array()) Fail("'tokens' must be a list of token ids, got " + TypeName(*t), "tokens");
    r.tokens = TokenIds(*t, "tokens");
    return r;
  });
}

}  // namespace dokja::serve
