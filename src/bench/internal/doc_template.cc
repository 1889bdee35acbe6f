#include "bench/internal/doc_template.h"

namespace dokja::bench::internal {
namespace {

// Appended to the source so the engine's "drop one trailing newline" rule
// (jinja2 keep_trailing_newline=False) never applies; lm-eval keeps it.
constexpr char kSentinel = '\x1f';

}  // namespace

bool LooksLikeTemplate(std::string_view text) {
  return text.find("{{") != std::string_view::npos || text.find("{%") != std::string_view::npos;
}

Result<DocTemplate> DocTemplate::Parse(std::string_view source) {
  std::string padded(source);
  padded.push_back(kSentinel);
  DOKJA_ASSIGN_OR_RETURN(text::ChatTemplate tmpl, text::ChatTemplate::Parse(padded));
  return DocTemplate(std::move(tmpl), std::string(source));
}

Result<std::string> DocTemplate::Render(const nlohmann::json& doc) const {
  if (doc.is_object() && !doc.contains("doc")) {
    // `doc` reaches fields whose names are not identifiers: {{doc['Correct Answer']}}.
    nlohmann::json with_doc = doc;
    with_doc["doc"] = doc;
    return RenderJson(with_doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return RenderJson(doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<std::string> DocTemplate::RenderJson(const std::string& doc_json) const {
  text::ChatRenderOptions options;
  options.add_generation_prompt = false;
  options.extra_context_json = doc_json;
  options.strict_undefined = true;
  options.now = text::ChatDateTime{};
  DOKJA_ASSIGN_OR_RETURN(std::string out, tmpl_.Render({}, options));
  if (!out.empty() && out.back() == kSentinel) out.pop_back();
  return out;
}

}  // namespace dokja::bench::internal
