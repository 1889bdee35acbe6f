// Checks our renderer against Python jinja2 on the cases in
// testdata/jinja2_oracle.json (made by testdata/gen_jinja2_oracle.py with
// jinja2 configured as Hugging Face transformers configures it).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "text/chat/chat_template.h"
#include "text/chat/chat_template_test_util.h"

namespace dokja::text {
namespace {

std::vector<ChatMessage> MessagesFromJson(const nlohmann::json& list) {
  std::vector<ChatMessage> messages;
  for (const nlohmann::json& m : list) {
    ChatMessage message{m["role"].get<std::string>(), m["content"].get<std::string>()};
    for (const nlohmann::json& call : m.value("tool_calls", nlohmann::json::array())) {
      message.tool_calls.push_back({call.value("id", ""), call["name"].get<std::string>(),
                                    call["arguments_json"].get<std::string>()});
    }
    message.tool_call_id = m.value("tool_call_id", "");
    messages.push_back(std::move(message));
  }
  return messages;
}

TEST(ChatTemplateOracle, MatchesPythonJinja2OnEveryRecordedCase) {
  const std::string text =
      ReadFileOrDie(std::string(DOKJA_SOURCE_DIR) + "/src/text/chat/testdata/jinja2_oracle.json");
  ASSERT_FALSE(text.empty());
  const nlohmann::json oracle = nlohmann::json::parse(text);
  const nlohmann::json& cases = oracle["cases"];
  ASSERT_GE(cases.size(), 80u);
  int passed = 0;
  for (const nlohmann::json& c : cases) {
    const std::string name = c["name"].get<std::string>();
    ChatRenderOptions options;
    options.bos_token = oracle["bos_token"].get<std::string>();
    options.eos_token = oracle["eos_token"].get<std::string>();
    options.add_generation_prompt = c["add_generation_prompt"].get<bool>();
    options.tool_arguments_as_text = c["tool_arguments_as_text"].get<bool>();
    options.tools_json = c.value("tools_json", "");
    options.extra_context_json = c.value("extra_context_json", "");
    options.now = ChatDateTime{2026, 11, 22};
    const std::string got =
        RenderOrError(c["template"].get<std::string>(), MessagesFromJson(c["messages"]), options);
    if (c.contains("expected_error")) {
      const bool raised = got.rfind("ERROR: ", 0) == 0;
      // raise_exception messages must survive verbatim; jinja2's own error
      // wording (TypeError etc.) is Python's, so only failing is required.
      const bool is_raise = c["template"].get<std::string>().find("raise_exception") !=
                            std::string::npos;
      const std::string want = c["expected_error"].get<std::string>();
      if (!raised || (is_raise && got.find(want) == std::string::npos)) {
        ADD_FAILURE() << name << ": want error '" << want << "', got: " << got;
        continue;
      }
      ++passed;
      continue;
    }
    const std::string want = c["expected"].get<std::string>();
    if (got != want) {
      ADD_FAILURE() << name << ": " << DescribeMismatch(want, got);
      continue;
    }
    ++passed;
  }
  EXPECT_EQ(passed, static_cast<int>(cases.size()));
  std::cout << passed << " of " << cases.size() << " oracle cases match\n";
}

}  // namespace
}  // namespace dokja::text
