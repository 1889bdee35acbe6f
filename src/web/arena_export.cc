#include "web/arena_export.h"

#include <vector>

namespace dokja::web {
namespace {

constexpr int64_t kPage = 20000;

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string SideName(const ArenaConfig& config, const std::string& model) {
  for (const ArenaModelConfig& m : config.models) {
    if (m.name == model) return m.team.empty() ? m.name : m.team;
  }
  return model;
}

}  // namespace

Result<std::string> ExportBattlesCsv(store::Store& store, const ArenaConfig& config) {
  std::string out = "user,model_a,model_b,outcome\n";
  int64_t after = 0;
  for (;;) {
    DOKJA_ASSIGN_OR_RETURN(std::vector<store::CountedVote> page, store.ListCountedVotes(after, kPage));
    for (const store::CountedVote& v : page) {
      after = v.vote_id;
      const std::string a = SideName(config, v.model_a), b = SideName(config, v.model_b);
      if (a == b) continue;
      out += "u" + std::to_string(v.user_id) + "," + CsvField(a) + "," + CsvField(b) + "," +
             std::string(store::VoteChoiceName(v.choice)) + "\n";
    }
    if (static_cast<int64_t>(page.size()) < kPage) break;
  }
  return out;
}

}  // namespace dokja::web
