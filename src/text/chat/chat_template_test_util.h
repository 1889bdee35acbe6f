// Helpers shared by the chat template tests.
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "text/chat/chat_template.h"

namespace dokja::text {

// The whole file, or "" when it cannot be read (the caller asserts).
inline std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Where two renderings first differ, with some context, for failure messages.
inline std::string DescribeMismatch(const std::string& want, const std::string& got) {
  size_t at = 0;
  while (at < want.size() && at < got.size() && want[at] == got[at]) ++at;
  const size_t from = at > 40 ? at - 40 : 0;
  std::ostringstream out;
  out << "first difference at byte " << at << " (want " << want.size() << " bytes, got "
      << got.size() << ")\n  want: ..." << want.substr(from, 100) << "\n  got:  ..."
      << got.substr(from, 100);
  return out.str();
}

// Parses and renders in one go; "ERROR: <status>" on failure so tests can
// compare either outcome as a string.
inline std::string RenderOrError(std::string_view source, const std::vector<ChatMessage>& messages,
                                 const ChatRenderOptions& options = {}) {
  auto tmpl = ChatTemplate::Parse(source);
  if (!tmpl.ok()) return "ERROR: " + tmpl.status().ToString();
  auto out = tmpl->Render(messages, options);
  if (!out.ok()) return "ERROR: " + out.status().ToString();
  return *out;
}

}  // namespace dokja::text
