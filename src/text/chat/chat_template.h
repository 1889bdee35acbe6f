// ChatTemplate: turns a conversation into the exact prompt a model was
// trained on, by rendering the model's Hugging Face `chat_template` (the
// Jinja2 source in tokenizer_config.json or GGUF `tokenizer.chat_template`).
//
// We implement the Jinja2 subset real chat templates use, with jinja2
// configured the way transformers configures it: trim_blocks, lstrip_blocks,
// loop controls, `tojson` without ASCII escaping, `raise_exception()` and
// `strftime_now()`. docs/chat_templates.md lists the subset and deviations.
//
// Example:
//   DOKJA_ASSIGN_OR_RETURN(ChatTemplate tmpl, ChatTemplate::Parse(source));
//   ChatRenderOptions options;
//   options.bos_token = "<s>";
//   DOKJA_ASSIGN_OR_RETURN(std::string prompt, tmpl.Render(messages, options));
//
// Hostile templates cannot crash or hang a render: nesting depth, loop
// iterations and output size are capped and fail with a Status.
//
// Thread-safety: a ChatTemplate is immutable after Parse; Render is const and
// may run concurrently from many threads. Copies share the parsed template.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dokja::text {

// One tool call an assistant message made. Templates see it in the OpenAI /
// Hugging Face shape: {"id", "type": "function", "function": {"name", "arguments"}}.
struct ChatToolCall {
  std::string id;  // the "id" key is left out when empty
  std::string name;
  // A JSON object. Templates get it parsed (most index or `tojson` it), or
  // as the raw text when ChatRenderOptions::tool_arguments_as_text is set.
  std::string arguments_json = "{}";
};

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool", ...
  std::string content;
  // Present in the template's message only when non-empty. An assistant
  // message with tool calls and empty content gets content None, as
  // OpenAI-style clients send it.
  std::vector<ChatToolCall> tool_calls = {};
  // For role "tool": the call this answers; present only when non-empty.
  std::string tool_call_id = {};
};

// A wall-clock time for strftime_now(), so renders can be reproduced.
struct ChatDateTime {
  int year = 1970;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
  int hour = 0;
  int minute = 0;
  int second = 0;
};

struct ChatRenderOptions {
  std::string bos_token;
  std::string eos_token;
  // Ends the prompt with the assistant's turn header, ready for generation.
  bool add_generation_prompt = true;
  // What strftime_now() formats; nullopt reads the current UTC time.
  std::optional<ChatDateTime> now;
  // JSON array of tool schemas passed as `tools`; empty passes None (as
  // transformers does when no tools are given).
  std::string tools_json;
  // JSON object of extra template variables, e.g. {"enable_thinking": false}
  // or {"date_string": "22 Nov 2026"}. Keys may not shadow the variables
  // above or `messages`.
  std::string extra_context_json;
  // Pass tool-call arguments to the template as JSON text instead of a
  // mapping (DeepSeek's templates concatenate them as strings).
  bool tool_arguments_as_text = false;

  // Largest prompt a render may produce.
  uint64_t max_output_bytes = 16 << 20;  // 16 MiB; real prompts are far smaller
  // Work budget for one render: one step per loop iteration or macro call,
  // plus one per 4 KiB of strings and lists that operations read or build.
  uint64_t max_steps = 1'000'000;
  // Deepest recursion of statements, expressions and macro calls.
  int max_depth = 512;
  // Printing an undefined value ({{ missing }}) fails with "'missing' is
  // undefined" instead of printing nothing (jinja2's StrictUndefined, as
  // lm-evaluation-harness renders task templates).
  bool strict_undefined = false;
};

class ChatTemplate {
 public:
  // Parses Jinja2 source. InvalidArgument (syntax errors, unknown filters or
  // tests) or Unsupported (jinja2 features outside our subset, such as
  // include or extends); messages read "chat template line L, column C: ...".
  static Result<ChatTemplate> Parse(std::string_view source);

  // Renders the conversation. Fails with InvalidArgument carrying line and
  // column for runtime errors (undefined names used as values, type errors,
  // limits exceeded), for malformed tools_json or extra_context_json, and
  // when the template calls raise_exception(msg): the message then ends in
  // "raise_exception: " followed by msg.
  Result<std::string> Render(const std::vector<ChatMessage>& messages,
                             const ChatRenderOptions& options) const;

  // The source Parse was given.
  const std::string& source() const;

 private:
  struct Impl;
  explicit ChatTemplate(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  // Shared and immutable, so copies are cheap and renders thread-safe.
  std::shared_ptr<const Impl> impl_;
};

}  // namespace dokja::text
