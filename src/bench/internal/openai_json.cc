#include "bench/internal/openai_json.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/internal/echo_score.h"
#include "bench/internal/json_text.h"

namespace dokja::bench::internal {
namespace {

using Json = nlohmann::json;

constexpr const char* kNoPromptLogprobs =
    "endpoint returns no prompt log-probs; multiple-choice scoring would be at chance — use a "
    "vLLM/SGLang completions endpoint or the engine backend";

std::string Dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Head(std::string_view body) {
  return std::string(body.substr(0, 300)) + (body.size() > 300 ? "..." : "");
}

Result<Json> ParseObject(std::string_view body, const char* what) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Unavailable(std::string("malformed JSON in the ") + what + " reply: " + Head(body));
  }
  return j;
}

// choices[0] of a reply (borrowed from `j`), or Corrupt naming what was missing.
Result<const Json*> FirstChoice(const Json& j, const char* what) {
  const auto it = j.find("choices");
  if (it == j.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) {
    return Status::Corrupt(std::string("the ") + what + " reply has no choices[0]: " + Head(Dump(j)));
  }
  return &(*it)[0];
}

std::string StringOr(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Whether the chosen token's log-prob is the best in its top_logprobs dict.
bool IsGreedy(double logprob, const Json& top) {
  if (!top.is_object() || top.empty()) return false;
  for (const auto& [key, value] : top.items()) {
    if (value.is_number() && value.get<double>() > logprob) return false;
  }
  return true;
}

Result<std::vector<EchoToken>> EchoTokens(const Json& j, const Json& logprobs) {
  const Json* lps = logprobs.contains("token_logprobs") ? &logprobs["token_logprobs"] : nullptr;
  const Json* offsets = logprobs.contains("text_offset") ? &logprobs["text_offset"] : nullptr;
  const Json* tokens = logprobs.contains("tokens") ? &logprobs["tokens"] : nullptr;
  if (!lps || !offsets || !tokens || !lps->is_array() || !offsets->is_array() || !tokens->is_array() ||
      offsets->size() != lps->size() || tokens->size() != lps->size()) {
    return Status::Unsupported(kNoPromptLogprobs);
  }
  size_t n = lps->size();
  if (auto u = j.find("usage"); u != j.end() && u->is_object() && u->contains("prompt_tokens") &&
                                (*u)["prompt_tokens"].is_number_unsigned()) {
    n = std::min<size_t>(n, (*u)["prompt_tokens"].get<size_t>());
  }
  const Json* top = logprobs.contains("top_logprobs") ? &logprobs["top_logprobs"] : nullptr;
  std::vector<EchoToken> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (!(*offsets)[i].is_number_integer() || !(*tokens)[i].is_string()) {
      return Status::Corrupt("echo logprobs entry " + std::to_string(i) + " has no text_offset or token");
    }
    out[i].text_offset = (*offsets)[i].get<int64_t>();
    out[i].n_chars = CharCount((*tokens)[i].get<std::string>());
    if ((*lps)[i].is_number()) {
      out[i].logprob = (*lps)[i].get<double>();
      out[i].greedy = top && top->is_array() && i < top->size() && IsGreedy(*out[i].logprob, (*top)[i]);
    }
  }
  const bool any = std::any_of(out.begin(), out.end(), [](const EchoToken& t) { return t.logprob; });
  if (!any) return Status::Unsupported(kNoPromptLogprobs);
  return out;
}

}  // namespace

// Request bodies are written directly, keys sorted as a JSON tree writes
// them (openai_json_test checks they equal the tree's dump).

std::string EchoBody(const std::string& model, const std::string& prompt) {
  std::string out;
  out.reserve(96 + model.size() + prompt.size());
  out += "{\"echo\":true,\"logprobs\":1,\"max_tokens\":0";
  if (!model.empty()) {
    out += ",\"model\":";
    AppendJsonString(out, model);
  }
  out += ",\"prompt\":";
  AppendJsonString(out, prompt);
  out += ",\"temperature\":0.0}";
  return out;
}

namespace {

void AppendModel(std::string& out, const std::string& model) {
  if (model.empty()) return;
  out += ",\"model\":";
  AppendJsonString(out, model);
}

// ,"seed":S[,"stop":[...]]
void AppendSeedAndStop(std::string& out, const GenerationParams& gen) {
  out += ",\"seed\":";
  AppendJsonUint(out, gen.seed);
  if (gen.until.empty()) return;
  out += ",\"stop\":";
  AppendJsonStrings(out, gen.until);
}

// ,"temperature":T,"top_p":P}
void AppendTemperatureAndEnd(std::string& out, const GenerationParams& gen) {
  out += ",\"temperature\":";
  AppendJsonDouble(out, gen.temperature);
  out += ",\"top_p\":";
  AppendJsonDouble(out, gen.top_p);
  out += '}';
}

}  // namespace

std::string CompletionBody(const std::string& model, const Request& request) {
  std::string out;
  out.reserve(160 + model.size() + request.context.size());
  out += "{\"max_tokens\":";
  AppendJsonInt(out, request.gen.max_tokens);
  AppendModel(out, model);
  out += ",\"prompt\":";
  AppendJsonString(out, request.context);
  AppendSeedAndStop(out, request.gen);
  AppendTemperatureAndEnd(out, request.gen);
  return out;
}

std::string ChatBody(const std::string& model, const Request& request, bool stream) {
  std::string out;
  out.reserve(192 + model.size() + request.context.size());
  out += "{\"max_tokens\":";
  AppendJsonInt(out, request.gen.max_tokens);
  out += ",\"messages\":";
  if (request.messages.empty()) {
    AppendJsonMessages(out, {Message{"user", request.context}});
  } else {
    AppendJsonMessages(out, request.messages);
  }
  AppendModel(out, model);
  AppendSeedAndStop(out, request.gen);
  if (stream) out += ",\"stream\":true";
  AppendTemperatureAndEnd(out, request.gen);
  return out;
}

Result<Response> ParseEchoReply(std::string_view body, const Request& request) {
  DOKJA_ASSIGN_OR_RETURN(Json j, ParseObject(body, "completions"));
  DOKJA_ASSIGN_OR_RETURN(const Json* first, FirstChoice(j, "completions"));
  const Json& choice = *first;
  const auto lp = choice.find("logprobs");
  if (lp == choice.end() || !lp->is_object()) return Status::Unsupported(kNoPromptLogprobs);
  DOKJA_ASSIGN_OR_RETURN(std::vector<EchoToken> tokens, EchoTokens(j, *lp));
  return ScoreEcho(tokens, request);
}

Result<Response> ParseCompletionReplyTree(std::string_view body) {
  DOKJA_ASSIGN_OR_RETURN(Json j, ParseObject(body, "completions"));
  DOKJA_ASSIGN_OR_RETURN(const Json* first, FirstChoice(j, "completions"));
  const Json& choice = *first;
  if (!choice.contains("text") || !choice["text"].is_string()) {
    return Status::Corrupt("the completions reply's choices[0] has no text: " + Head(body));
  }
  Response r;
  r.text = choice["text"].get<std::string>();
  r.finish_reason = StringOr(choice, "finish_reason");
  if (auto u = j.find("usage"); u != j.end() && u->is_object() && u->contains("completion_tokens") &&
                                (*u)["completion_tokens"].is_number_integer()) {
    r.n_tokens = (*u)["completion_tokens"].get<int32_t>();
  }
  return r;
}

namespace {

// Reads a completions reply in one pass, without building a JSON tree: the
// fields ParseCompletionReply takes, by the tree's rules (the last of
// repeated keys wins, choices[0].text must be a string, usage's
// completion_tokens counts only when an integer). ok() is false for
// anything but a well-formed success; the tree-based parser then runs and
// words the error. A nlohmann SAX handler.
class CompletionReplyReader {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  bool null() { return Value(Kind::kOther); }
  bool boolean(bool) { return Value(Kind::kOther); }
  bool number_integer(number_integer_t v) { return Value(Kind::kInteger, static_cast<int32_t>(v)); }
  bool number_unsigned(number_unsigned_t v) { return Value(Kind::kInteger, static_cast<int32_t>(v)); }
  bool number_float(number_float_t, const string_t&) { return Value(Kind::kOther); }
  bool binary(binary_t&) { return Value(Kind::kOther); }
  bool string(string_t& s) { return Value(Kind::kString, 0, &s); }
  bool start_object(std::size_t) { return Value(Kind::kObject); }
  bool start_array(std::size_t) { return Value(Kind::kArray); }
  bool end_object() { return Pop(); }
  bool end_array() { return Pop(); }
  bool key(string_t& k) {
    Frame& f = frames_.back();
    f.key = Key::kOther;
    if (f.role == Role::kTop) {
      if (k == "choices") f.key = Key::kChoices;
      if (k == "usage") f.key = Key::kUsage;
    } else if (f.role == Role::kChoice0) {
      if (k == "text") f.key = Key::kText;
      if (k == "finish_reason") f.key = Key::kFinishReason;
    } else if (f.role == Role::kUsage && k == "completion_tokens") {
      f.key = Key::kCompletionTokens;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

  bool ok() const { return root_object_ && choices_ok_ && choice0_ok_ && have_text_; }
  Response Take() {
    Response r;
    r.text = std::move(text_);
    r.finish_reason = std::move(finish_reason_);
    if (have_tokens_) r.n_tokens = tokens_;
    return r;
  }

 private:
  enum class Kind { kObject, kArray, kString, kInteger, kOther };
  enum class Role { kTop, kChoices, kChoice0, kUsage, kOther };
  enum class Key { kOther, kChoices, kUsage, kText, kFinishReason, kCompletionTokens };
  struct Frame {
    Role role;
    Key key = Key::kOther;  // of the member being read (objects)
    size_t count = 0;       // elements seen (arrays)
  };

  // Every value starts here; objects and arrays then push a frame.
  bool Value(Kind kind, int32_t integer = 0, string_t* s = nullptr) {
    Role role = Role::kOther;
    if (frames_.empty()) {
      root_object_ = kind == Kind::kObject;
      role = Role::kTop;
    } else {
      Frame& parent = frames_.back();
      role = Member(parent, kind, integer, s);
    }
    if (kind == Kind::kObject || kind == Kind::kArray) frames_.push_back({role});
    return true;
  }
  // What a value of `kind` inside `parent` means; the role of its frame.
  Role Member(Frame& parent, Kind kind, int32_t integer, string_t* s) {
    switch (parent.role) {
      case Role::kTop:
        if (parent.key == Key::kChoices) {
          choices_ok_ = kind == Kind::kArray;
          ResetChoice();
          return choices_ok_ ? Role::kChoices : Role::kOther;
        }
        if (parent.key == Key::kUsage) {
          have_tokens_ = false;
          return kind == Kind::kObject ? Role::kUsage : Role::kOther;
        }
        return Role::kOther;
      case Role::kChoices:
        if (parent.count++ != 0) return Role::kOther;
        choice0_ok_ = kind == Kind::kObject;
        return choice0_ok_ ? Role::kChoice0 : Role::kOther;
      case Role::kChoice0:
        if (parent.key == Key::kText) {
          have_text_ = kind == Kind::kString;
          if (s) text_ = std::move(*s);
        } else if (parent.key == Key::kFinishReason) {
          finish_reason_ = s ? std::move(*s) : std::string();
        }
        return Role::kOther;
      case Role::kUsage:
        if (parent.key == Key::kCompletionTokens) {
          have_tokens_ = kind == Kind::kInteger;
          tokens_ = integer;
        }
        return Role::kOther;
      case Role::kOther:
        return Role::kOther;
    }
    return Role::kOther;
  }
  void ResetChoice() {
    choice0_ok_ = have_text_ = false;
    text_.clear();
    finish_reason_.clear();
  }
  bool Pop() {
    frames_.pop_back();
    return true;
  }

  std::vector<Frame> frames_;
  bool root_object_ = false, choices_ok_ = false, choice0_ok_ = false, have_text_ = false;
  bool have_tokens_ = false;
  int32_t tokens_ = 0;
  std::string text_, finish_reason_;
};

}  // namespace

Result<Response> ParseCompletionReply(std::string_view body) {
  CompletionReplyReader reader;
  if (Json::sax_parse(body.data(), body.data() + body.size(), &reader) && reader.ok()) return reader.Take();
  return ParseCompletionReplyTree(body);
}

Result<Response> ParseChatReply(std::string_view body) {
  DOKJA_ASSIGN_OR_RETURN(Json j, ParseObject(body, "chat completions"));
  DOKJA_ASSIGN_OR_RETURN(const Json* first, FirstChoice(j, "chat completions"));
  const Json& choice = *first;
  const auto msg = choice.find("message");
  if (msg == choice.end() || !msg->is_object()) {
    return Status::Corrupt("the chat completions reply's choices[0] has no message: " + Head(body));
  }
  Response r;
  r.text = StringOr(*msg, "content");
  r.reasoning = StringOr(*msg, "reasoning_content");
  if (r.reasoning.empty()) r.reasoning = StringOr(*msg, "reasoning");
  r.finish_reason = StringOr(choice, "finish_reason");
  if (auto u = j.find("usage"); u != j.end() && u->is_object() && u->contains("completion_tokens") &&
                                (*u)["completion_tokens"].is_number_integer()) {
    r.n_tokens = (*u)["completion_tokens"].get<int32_t>();
  }
  return r;
}

std::string ErrorMessage(std::string_view body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error")) {
    const Json& e = j["error"];
    if (e.is_object() && e.contains("message") && e["message"].is_string()) return e["message"].get<std::string>();
    if (e.is_string()) return e.get<std::string>();
  }
  if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  return Head(body);
}

Status SseChatReader::Feed(std::string_view bytes) {
  pending_.append(bytes);
  size_t start = 0;
  for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(pending_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.rfind("data:", 0) != 0) continue;  // blank separators, comments, other fields
    std::string_view data = line.substr(5);
    if (!data.empty() && data.front() == ' ') data.remove_prefix(1);
    DOKJA_RETURN_IF_ERROR(Event(data));
  }
  pending_.erase(0, start);
  return Status::OK();
}

Status SseChatReader::Event(std::string_view data) {
  if (data == "[DONE]") {
    done_ = true;
    return Status::OK();
  }
  Json j = Json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Unavailable("malformed JSON in a chat completions stream event: " + Head(data));
  }
  if (j.contains("error")) return Status::Unavailable("the server failed mid-stream: " + ErrorMessage(data));
  if (auto u = j.find("usage"); u != j.end() && u->is_object() && u->contains("completion_tokens") &&
                                (*u)["completion_tokens"].is_number_integer()) {
    response_.n_tokens = (*u)["completion_tokens"].get<int32_t>();
  }
  const auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty()) return Status::OK();
  const Json& choice = (*choices)[0];
  if (!choice.is_object()) return Status::Corrupt("a chat stream event's choices[0] is not an object");
  if (auto d = choice.find("delta"); d != choice.end() && d->is_object()) {
    response_.text += StringOr(*d, "content");
    response_.reasoning += StringOr(*d, "reasoning_content");
    response_.reasoning += StringOr(*d, "reasoning");
  }
  const std::string finish = StringOr(choice, "finish_reason");
  if (!finish.empty()) {
    response_.finish_reason = finish;
    finished_ = true;
  }
  return Status::OK();
}

Result<Response> SseChatReader::Finish() {
  if (!finished_ || !done_) {
    return Status::Unavailable(std::string("the chat completions stream ended early (no ") +
                               (finished_ ? "[DONE]" : "finish_reason") + "): truncated stream");
  }
  return response_;
}

}  // namespace dokja::bench::internal
