// DocTemplate: renders a task's Jinja-style template (`{{question.strip()}}`,
// `{{['A','B','C','D'][answer-1]}}`, `{% for c in choices %}`) over one
// dataset row, reusing the chat template engine (src/text/chat).
//
// Semantics follow lm-evaluation-harness's jinja2 environment where the chat
// engine allows: undefined names are errors when printed (StrictUndefined)
// and a trailing newline is kept. Deviation: block tags trim the newline that
// follows them (the chat engine's trim_blocks); `{{ }}`-only templates, which
// nearly every task uses, render identically.
//
// Thread-safety: immutable after Parse; Render may run concurrently.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "text/chat/chat_template.h"

namespace dokja::bench::internal {

class DocTemplate {
 public:
  // InvalidArgument with the template's line and column for syntax errors.
  static Result<DocTemplate> Parse(std::string_view source);

  // Renders with the row's fields as variables, plus `doc`, the whole row
  // (unless a field is named so), for field names that are not identifiers:
  // {{doc['Correct Answer']}}. A field named like one of
  // the chat engine's own variables (messages, tools, documents, bos_token,
  // eos_token, add_generation_prompt) is refused with InvalidArgument.
  // REQUIRES: doc is a JSON object.
  Result<std::string> Render(const nlohmann::json& doc) const;
  // As Render, for a doc already dumped as JSON text (saves re-dumping).
  Result<std::string> RenderJson(const std::string& doc_json) const;

  const std::string& source() const { return source_; }

 private:
  DocTemplate(text::ChatTemplate tmpl, std::string source)
      : tmpl_(std::move(tmpl)), source_(std::move(source)) {}
  text::ChatTemplate tmpl_;
  std::string source_;
};

// True when `text` contains template syntax ("{{" or "{%").
bool LooksLikeTemplate(std::string_view text);

}  // namespace dokja::bench::internal
