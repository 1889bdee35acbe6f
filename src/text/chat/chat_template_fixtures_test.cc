// Renders every case in the shared fixtures (real Hugging Face chat templates
// with jinja2's own renderings) and checks each byte.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "text/chat/chat_template.h"
#include "text/chat/chat_template_test_util.h"

namespace dokja::text {
namespace {

const std::string kFixtureDir = std::string(DOKJA_SHARED_DIR) + "/fixtures/chat_templates/";

TEST(ChatTemplateFixtures, EveryCaseRendersByteExactOrRaisesTheTemplatesMessage) {
  const std::string cases_text = ReadFileOrDie(kFixtureDir + "cases.json");
  ASSERT_FALSE(cases_text.empty()) << "missing " << kFixtureDir << "cases.json";
  const nlohmann::json cases = nlohmann::json::parse(cases_text)["cases"];
  ASSERT_GE(cases.size(), 24u);

  std::map<std::string, ChatTemplate> templates;
  int passed = 0;
  for (const nlohmann::json& c : cases) {
    const std::string name = c["template"].get<std::string>();
    const std::string label = name + " / " + c["conversation"].get<std::string>() +
                              (c["add_generation_prompt"].get<bool>() ? " / gen" : " / no-gen");
    if (!templates.count(name)) {
      auto parsed = ChatTemplate::Parse(ReadFileOrDie(kFixtureDir + name));
      if (!parsed.ok()) {
        ADD_FAILURE() << label << ": parse failed: " << parsed.status().ToString();
        continue;
      }
      templates.emplace(name, *parsed);
    }
    std::vector<ChatMessage> messages;
    for (const nlohmann::json& m : c["messages"]) {
      messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    }
    ChatRenderOptions options;
    options.bos_token = c["bos_token"].get<std::string>();
    options.eos_token = c["eos_token"].get<std::string>();
    options.add_generation_prompt = c["add_generation_prompt"].get<bool>();
    options.now = ChatDateTime{2026, 11, 22};
    const Result<std::string> got = templates.at(name).Render(messages, options);
    if (!c["expected_error"].is_null()) {
      const std::string want = c["expected_error"].get<std::string>();
      if (got.ok()) {
        ADD_FAILURE() << label << ": expected error '" << want << "', rendered:\n" << *got;
      } else if (got.status().message().find("raise_exception: " + want) == std::string::npos) {
        ADD_FAILURE() << label << ": expected error '" << want << "', got "
                      << got.status().ToString();
      } else {
        ++passed;
      }
      continue;
    }
    if (!got.ok()) {
      ADD_FAILURE() << label << ": render failed: " << got.status().ToString();
      continue;
    }
    const std::string want = c["expected"].get<std::string>();
    if (*got != want) {
      ADD_FAILURE() << label << ": " << DescribeMismatch(want, *got);
    } else {
      ++passed;
    }
  }
  EXPECT_EQ(passed, static_cast<int>(cases.size()));
  std::cout << passed << " of " << cases.size() << " fixture cases match\n";
}

}  // namespace
}  // namespace dokja::text
