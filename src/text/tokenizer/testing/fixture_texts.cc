#include "text/tokenizer/testing/fixture_texts.h"

#include <sstream>

#include "io/env.h"

namespace dokja::text::testing {

std::string FixturesDir() { return std::string(DOKJA_SHARED_DIR) + "/fixtures"; }

Result<std::vector<FixtureCase>> LoadFixtureCases(const std::string& vocab_path) {
  io::Env& env = io::Env::Default();
  DOKJA_ASSIGN_OR_RETURN(std::string inp, env.ReadFileToString(vocab_path + ".inp", 1 << 20));
  DOKJA_ASSIGN_OR_RETURN(std::string outp, env.ReadFileToString(vocab_path + ".out", 1 << 20));
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<FixtureCase> cases;
  for (size_t pos = 0; pos < inp.size();) {
    const size_t end = inp.find(separator, pos);
    if (end == std::string::npos) return Status::Corrupt(vocab_path + ".inp: text without separator");
    cases.push_back({inp.substr(pos, end - pos), {}});
    pos = end + separator.size();
  }
  std::istringstream lines(outp);
  std::string line;
  size_t case_idx = 0;
  while (std::getline(lines, line)) {
    if (case_idx >= cases.size()) return Status::Corrupt(vocab_path + ".out: more lines than texts");
    std::istringstream ids(line);
    for (int32_t id = 0; ids >> id;) cases[case_idx].ids.push_back(id);
    ++case_idx;
  }
  if (case_idx != cases.size()) return Status::Corrupt(vocab_path + ".out: fewer lines than texts");
  return cases;
}

}  // namespace dokja::text::testing
