#include "bench/internal/openai_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/utf8.h"
#include "bench/internal/echo_score.h"
#include "bench/internal/json_text.h"

namespace dokja::bench::internal {

using namespace std::string_view_literals;
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
  out += "{\"echo\":true,\"logprobs\":1,\"max_tokens\":0"sv;
  if (!model.empty()) {
    out += ",\"model\":"sv;
    AppendJsonString(out, model);
  }
  out += ",\"prompt\":"sv;
  AppendJsonString(out, prompt);
  out += ",\"temperature\":0.0}"sv;
  return out;
}

namespace {

void AppendModel(std::string& out, const std::string& model) {
  if (model.empty()) return;
  out += ",\"model\":"sv;
  AppendJsonString(out, model);
}

// ,"seed":S[,"stop":[...]]
void AppendSeedAndStop(std::string& out, const GenerationParams& gen) {
  out += ",\"seed\":"sv;
  AppendJsonUint(out, gen.seed);
  if (gen.until.empty()) return;
  out += ",\"stop\":"sv;
  AppendJsonStrings(out, gen.until);
}

// ,"temperature":T,"top_p":P}
void AppendTemperatureAndEnd(std::string& out, const GenerationParams& gen) {
  out += ",\"temperature\":"sv;
  AppendJsonDouble(out, gen.temperature);
  out += ",\"top_p\":"sv;
  AppendJsonDouble(out, gen.top_p);
  out += '}';
}

}  // namespace

std::string CompletionBody(const std::string& model, const Request& request) {
  std::string out;
  out.reserve(160 + model.size() + request.context.size());
  out += "{\"max_tokens\":"sv;
  AppendJsonInt(out, request.gen.max_tokens);
  AppendModel(out, model);
  out += ",\"prompt\":"sv;
  AppendJsonString(out, request.context);
  AppendSeedAndStop(out, request.gen);
  AppendTemperatureAndEnd(out, request.gen);
  return out;
}

std::string ChatBody(const std::string& model, const Request& request, bool stream) {
  std::string out;
  out.reserve(192 + model.size() + request.context.size());
  out += "{\"max_tokens\":"sv;
  AppendJsonInt(out, request.gen.max_tokens);
  out += ",\"messages\":"sv;
  if (request.messages.empty()) {
    AppendJsonMessages(out, {Message{"user", request.context}});
  } else {
    AppendJsonMessages(out, request.messages);
  }
  AppendModel(out, model);
  AppendSeedAndStop(out, request.gen);
  if (stream) out += ",\"stream\":true"sv;
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

// Reads a completions or chat completions reply in one pass, without
// building a JSON tree or calling a general parser: the fields
// ParseCompletionReply / ParseChatReply take, by the tree's rules (the last
// of repeated keys wins; completions: choices[0].text must be a string;
// chat: choices[0].message must be an object, and its content,
// reasoning_content and reasoning count only when strings; usage's
// completion_tokens counts only when an integer).
//
// Strict and conservative: it accepts only well-formed RFC 8259 JSON (valid
// UTF-8, checked where a string holds a byte >= 0x80, the only place such a
// byte is allowed; no lone surrogate escapes, nothing after the value) and gives up,
// returning false, on anything else or anything it is unsure of (a number
// past 64 bits, nesting past kMaxDepth, a byte-order mark); the tree-based
// parser then runs and either reads it or words the error. So it never
// accepts what the tree would refuse, and what it accepts reads the same
// (tested against the tree on generated and mutated replies).
class ReplyScanner {
 public:
  ReplyScanner(std::string_view body, bool chat)
      : p_(body.data()), end_(body.data() + body.size()), chat_(chat) {}

  // True with `out` filled when the reply is a well-formed success.
  bool Read(Response* out) {
    SkipSpace();
    if (p_ == end_ || *p_ != '{') return false;
    if (!Object(Role::kTop, 0)) return false;
    SkipSpace();
    if (p_ != end_) return false;
    if (!(choices_ok_ && choice0_ok_ && (chat_ ? message_ok_ : have_text_))) return false;
    out->text = std::move(text_);
    if (chat_) out->reasoning = std::move(reasoning_content_.empty() ? reasoning_ : reasoning_content_);
    out->finish_reason = std::move(finish_reason_);
    if (have_tokens_) out->n_tokens = tokens_;
    return true;
  }

 private:
  static constexpr int kMaxDepth = 64;
  enum class Role { kTop, kChoices, kChoice0, kMessage, kUsage, kOther };
  enum class Key {
    kOther, kChoices, kUsage, kText, kFinishReason, kCompletionTokens,
    kMessage, kContent, kReasoningContent, kReasoning
  };

  // ASCII bytes that stand for themselves inside a JSON string: not '"',
  // '\\' or a control character (one table lookup per byte in the string
  // loops). Bytes >= 0x80 stop the loops too, to be checked as UTF-8.
  static constexpr std::array<bool, 256> kPlainStringByte = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<size_t>(c)] = c != '"' && c != '\\';
    return t;
  }();
  static bool PlainStringByte(char c) { return kPlainStringByte[static_cast<unsigned char>(c)]; }
  // Steps over the well-formed UTF-8 sequence at p_ (a byte >= 0x80), or
  // returns false.
  bool Utf8Sequence() {
    const size_t n = Utf8SequenceLength(std::string_view(p_, static_cast<size_t>(end_ - p_)));
    p_ += n;
    return n != 0;
  }

  void SkipSpace() {
    // One comparison for the usual case, a byte above ' ' (no space).
    while (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ' &&
           (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }
  bool Consume(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  // Four hex digits after "\u".
  bool Hex4(uint32_t* v) {
    if (end_ - p_ < 4) return false;
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = Hex(p_[i]);
      if (h < 0) return false;
      *v = *v << 4 | static_cast<uint32_t>(h);
    }
    p_ += 4;
    return true;
  }

  // A string at p_ (the opening quote), decoded into `out` unless null.
  bool String(std::string* out) {
    if (p_ == end_ || *p_ != '"') return false;
    ++p_;
    if (out) out->clear();
    while (true) {
      const char* run = p_;
      while (true) {
        while (p_ != end_ && PlainStringByte(*p_)) ++p_;
        if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x80) break;
        if (!Utf8Sequence()) return false;
      }
      if (out) out->append(run, static_cast<size_t>(p_ - run));
      if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
      if (*p_++ == '"') return true;
      if (p_ == end_) return false;
      char c = *p_++;
      switch (c) {
        case '"': case '\\': case '/': break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate first
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (out) AppendUtf8(static_cast<char32_t>(cp), out);
          continue;
        }
        default: return false;
      }
      if (out) out->push_back(c);
    }
  }
  // A number at p_. `*integer` says whether it has no fraction or exponent;
  // then `*value` is it cast to int32 as the tree's get<int32_t>() does.
  bool Number(bool* integer, int32_t* value) {
    const char* const start = p_;
    const bool negative = p_ != end_ && *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    uint64_t magnitude = 0;
    if (*p_ == '0') {
      ++p_;
    } else {
      for (; p_ != end_ && *p_ >= '0' && *p_ <= '9'; ++p_) {
        const uint64_t d = static_cast<uint64_t>(*p_ - '0');
        if (magnitude > (UINT64_MAX - d) / 10) return false;  // past 64 bits: the tree decides
        magnitude = magnitude * 10 + d;
      }
    }
    *integer = true;
    if (p_ != end_ && *p_ == '.') {
      *integer = false;
      ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      *integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    if (!*integer) {
      // The tree refuses a number that does not fit a double; leave any
      // doubt (overflow, underflow) to it.
      double d;
      const auto [ptr, ec] = std::from_chars(start, p_, d);
      return ec == std::errc() && ptr == p_ && std::isfinite(d);
    }
    if (negative && magnitude > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *value = negative ? static_cast<int32_t>(static_cast<int64_t>(0 - magnitude))
                      : static_cast<int32_t>(magnitude);
    return true;
  }
  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }
  // Any value at p_, read for its syntax only.
  bool Skip(int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return Object(Role::kOther, depth + 1);
      case '[': return Array(Role::kOther, depth + 1);
      case '"': return String(nullptr);
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default: {
        bool integer;
        int32_t v;
        return Number(&integer, &v);
      }
    }
  }
  // A member name at p_: a view of the body when it has no escapes (the
  // usual case), else decoded into key_.
  bool KeyName(std::string_view* k) {
    if (p_ == end_ || *p_ != '"') return false;
    const char* q = p_ + 1;
    while (q != end_ && PlainStringByte(*q)) ++q;
    if (q != end_ && *q == '"') {
      *k = std::string_view(p_ + 1, static_cast<size_t>(q - p_ - 1));
      p_ = q + 1;
      return true;
    }
    if (!String(&key_)) return false;
    *k = key_;
    return true;
  }
  Key KeyOf(Role role, std::string_view k) const {
    if (role == Role::kTop) {
      if (k == "choices") return Key::kChoices;
      if (k == "usage") return Key::kUsage;
    } else if (role == Role::kChoice0) {
      if (k == "finish_reason") return Key::kFinishReason;
      if (!chat_ && k == "text") return Key::kText;
      if (chat_ && k == "message") return Key::kMessage;
    } else if (role == Role::kMessage) {
      if (k == "content") return Key::kContent;
      if (k == "reasoning_content") return Key::kReasoningContent;
      if (k == "reasoning") return Key::kReasoning;
    } else if (role == Role::kUsage && k == "completion_tokens") {
      return Key::kCompletionTokens;
    }
    return Key::kOther;
  }
  // A member the tree reads as "the string, else empty".
  bool StringOrEmpty(std::string* out, int depth) {
    if (*p_ == '"') return String(out);
    out->clear();
    return Skip(depth);
  }
  // The value of member `key` of an object in `role`, at p_.
  bool Member(Key key, int depth) {
    const char c = *p_;
    switch (key) {
      case Key::kChoices:
        choices_ok_ = c == '[';
        choice0_ok_ = have_text_ = message_ok_ = false;
        text_.clear();
        finish_reason_.clear();
        reasoning_content_.clear();
        reasoning_.clear();
        return choices_ok_ ? Array(Role::kChoices, depth + 1) : Skip(depth);
      case Key::kMessage:  // the last "message" is the one read
        message_ok_ = c == '{';
        text_.clear();
        reasoning_content_.clear();
        reasoning_.clear();
        return message_ok_ ? Object(Role::kMessage, depth + 1) : Skip(depth);
      case Key::kContent:
        return StringOrEmpty(&text_, depth);
      case Key::kReasoningContent:
        return StringOrEmpty(&reasoning_content_, depth);
      case Key::kReasoning:
        return StringOrEmpty(&reasoning_, depth);
      case Key::kUsage:
        have_tokens_ = false;
        return c == '{' ? Object(Role::kUsage, depth + 1) : Skip(depth);
      case Key::kText:
        have_text_ = c == '"';
        return have_text_ ? String(&text_) : Skip(depth);
      case Key::kFinishReason:
        return StringOrEmpty(&finish_reason_, depth);
      case Key::kCompletionTokens:
        if (c == '-' || (c >= '0' && c <= '9')) {
          int32_t v;
          if (!Number(&have_tokens_, &v)) return false;
          if (have_tokens_) tokens_ = v;
          return true;
        }
        have_tokens_ = false;
        return Skip(depth);
      case Key::kOther:
        return Skip(depth);
    }
    return false;
  }
  bool Object(Role role, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '{'
    SkipSpace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      SkipSpace();
      std::string_view key;
      if (!KeyName(&key)) return false;
      if (!Consume(':')) return false;
      SkipSpace();
      if (p_ == end_ || !Member(KeyOf(role, key), depth)) return false;
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_++ != ',') return false;
    }
  }
  bool Array(Role role, int depth) {
    if (depth > kMaxDepth) return false;
    ++p_;  // '['
    SkipSpace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (size_t index = 0;; ++index) {
      SkipSpace();
      if (p_ == end_) return false;
      if (role == Role::kChoices && index == 0) {
        choice0_ok_ = *p_ == '{';
        if (!(choice0_ok_ ? Object(Role::kChoice0, depth + 1) : Skip(depth))) return false;
      } else if (!Skip(depth)) {
        return false;
      }
      SkipSpace();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_++ != ',') return false;
    }
  }

  const char* p_;
  const char* const end_;
  const bool chat_;
  std::string key_;  // a member name with escapes, decoded (not needed after KeyOf)
  bool choices_ok_ = false, choice0_ok_ = false, have_text_ = false, have_tokens_ = false;
  bool message_ok_ = false;  // chat: the last choices[0].message is an object
  int32_t tokens_ = 0;
  std::string text_, finish_reason_, reasoning_content_, reasoning_;
};

}  // namespace

bool ReadCompletionReplyOnePass(std::string_view body, Response* out) {
  return ReplyScanner(body, /*chat=*/false).Read(out);
}

bool ReadChatReplyOnePass(std::string_view body, Response* out) {
  return ReplyScanner(body, /*chat=*/true).Read(out);
}

Result<Response> ParseCompletionReply(std::string_view body) {
  Response r;
  if (ReadCompletionReplyOnePass(body, &r)) return r;
  return ParseCompletionReplyTree(body);
}

Result<Response> ParseChatReply(std::string_view body) {
  Response r;
  if (ReadChatReplyOnePass(body, &r)) return r;
  return ParseChatReplyTree(body);
}

Result<Response> ParseChatReplyTree(std::string_view body) {
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
