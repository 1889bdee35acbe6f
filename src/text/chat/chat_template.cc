#include "text/chat/chat_template.h"

#include <chrono>

#include "text/chat/internal/evaluator.h"
#include "text/chat/internal/json.h"
#include "text/chat/internal/lexer.h"
#include "text/chat/internal/parser.h"

namespace dokja::text {

using jinja::Value;
using jinja::ValueDict;
using jinja::ValueList;

struct ChatTemplate::Impl {
  std::string source;
  jinja::Body body;
};

Result<ChatTemplate> ChatTemplate::Parse(std::string_view source) {
  DOKJA_ASSIGN_OR_RETURN(std::vector<jinja::Token> tokens, jinja::Tokenize(source));
  DOKJA_ASSIGN_OR_RETURN(jinja::Body body, jinja::Parse(std::move(tokens)));
  auto impl = std::make_shared<Impl>();
  impl->source = std::string(source);
  impl->body = std::move(body);
  return ChatTemplate(std::move(impl));
}

const std::string& ChatTemplate::source() const { return impl_->source; }

namespace {

Result<Value> ToolCallValue(const ChatToolCall& call, size_t index, bool arguments_as_text) {
  Value arguments = Value::String(call.arguments_json);
  if (!arguments_as_text) {
    auto parsed = jinja::FromJson(call.arguments_json,
                                  "tool_calls[" + std::to_string(index) + "].arguments_json");
    if (!parsed.ok()) return parsed.status();
    arguments = std::move(parsed).value();
  }
  ValueDict function;
  function.Set("name", Value::String(call.name));
  function.Set("arguments", std::move(arguments));
  ValueDict dict;
  if (!call.id.empty()) dict.Set("id", Value::String(call.id));
  dict.Set("type", Value::String("function"));
  dict.Set("function", Value::Dict(std::move(function)));
  return Value::Dict(std::move(dict));
}

Result<Value> MessageValue(const ChatMessage& message, bool arguments_as_text) {
  ValueDict dict;
  dict.Set("role", Value::String(message.role));
  const bool null_content = message.content.empty() && !message.tool_calls.empty();
  dict.Set("content", null_content ? Value::None() : Value::String(message.content));
  if (!message.tool_calls.empty()) {
    ValueList calls;
    for (size_t i = 0; i < message.tool_calls.size(); ++i) {
      DOKJA_ASSIGN_OR_RETURN(Value call, ToolCallValue(message.tool_calls[i], i, arguments_as_text));
      calls.push_back(std::move(call));
    }
    dict.Set("tool_calls", Value::List(std::move(calls)));
  }
  if (!message.tool_call_id.empty()) {
    dict.Set("tool_call_id", Value::String(message.tool_call_id));
  }
  return Value::Dict(std::move(dict));
}

jinja::BuiltinContext Clock(const ChatRenderOptions& options) {
  jinja::BuiltinContext ctx;
  ChatDateTime t;
  if (options.now) {
    t = *options.now;
  } else {
    const auto now = std::chrono::system_clock::now();
    const auto days = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day ymd(days);
    const std::chrono::hh_mm_ss hms(std::chrono::floor<std::chrono::seconds>(now - days));
    t.year = static_cast<int>(ymd.year());
    t.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    t.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    t.hour = static_cast<int>(hms.hours().count());
    t.minute = static_cast<int>(hms.minutes().count());
    t.second = static_cast<int>(hms.seconds().count());
  }
  ctx.year = t.year;
  ctx.month = t.month;
  ctx.day = t.day;
  ctx.hour = t.hour;
  ctx.minute = t.minute;
  ctx.second = t.second;
  return ctx;
}

// The variables transformers passes to a chat template.
Result<ValueDict> BuildContext(const std::vector<ChatMessage>& messages,
                               const ChatRenderOptions& options) {
  ValueDict context;
  ValueList message_values;
  for (const ChatMessage& message : messages) {
    DOKJA_ASSIGN_OR_RETURN(Value v, MessageValue(message, options.tool_arguments_as_text));
    message_values.push_back(std::move(v));
  }
  context.Set("messages", Value::List(std::move(message_values)));
  Value tools = Value::None();
  if (!options.tools_json.empty()) {
    DOKJA_ASSIGN_OR_RETURN(tools, jinja::FromJson(options.tools_json, "tools_json"));
    if (!tools.is_list()) return Status::InvalidArgument("tools_json: expected a JSON array");
  }
  context.Set("tools", std::move(tools));
  context.Set("documents", Value::None());
  context.Set("bos_token", Value::String(options.bos_token));
  context.Set("eos_token", Value::String(options.eos_token));
  context.Set("add_generation_prompt", Value::Bool(options.add_generation_prompt));
  if (options.extra_context_json.empty()) return context;
  DOKJA_ASSIGN_OR_RETURN(Value extra, jinja::FromJson(options.extra_context_json, "extra_context_json"));
  if (!extra.is_dict()) return Status::InvalidArgument("extra_context_json: expected a JSON object");
  for (const auto& [key, value] : extra.as_dict().entries()) {
    if (context.Find(key) != nullptr) {
      return Status::InvalidArgument("extra_context_json: '" + key +
                                     "' would shadow a standard template variable");
    }
    context.Set(key, value);
  }
  return context;
}

}  // namespace

Result<std::string> ChatTemplate::Render(const std::vector<ChatMessage>& messages,
                                         const ChatRenderOptions& options) const {
  DOKJA_ASSIGN_OR_RETURN(ValueDict context, BuildContext(messages, options));
  jinja::RenderLimits limits;
  limits.max_output_bytes = options.max_output_bytes;
  limits.max_steps = options.max_steps;
  limits.max_depth = options.max_depth;
  limits.strict_undefined = options.strict_undefined;
  return jinja::Render(impl_->body, std::move(context), Clock(options), limits);
}

}  // namespace dokja::text
