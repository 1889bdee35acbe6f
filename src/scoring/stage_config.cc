#include "scoring/stage_config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace dokja::scoring {
namespace {

// Parsing throws a ConfigError with the node's line; ParseStageConfig turns it
// into a Status so no exception leaves this file.
struct ConfigError {
  std::string message;
};

std::string Where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? "line " + std::to_string(mark.line + 1) : "(unknown line)";
}

[[noreturn]] void Fail(const YAML::Node& node, const std::string& what) {
  throw ConfigError{Where(node) + ": " + what};
}

YAML::Node Required(const YAML::Node& map, const std::string& key) {
  YAML::Node n = map[key];
  if (!n) Fail(map, "missing required key '" + key + "'");
  return n;
}

template <typename T>
T As(const YAML::Node& n, const std::string& key) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    Fail(n, "'" + key + "' has the wrong type");
  }
}

template <typename T>
T Optional(const YAML::Node& map, const std::string& key, T fallback) {
  YAML::Node n = map[key];
  return n ? As<T>(n, key) : fallback;
}

std::vector<std::string> StringList(const YAML::Node& map, const std::string& key) {
  std::vector<std::string> out;
  YAML::Node n = map[key];
  if (!n) return out;
  if (!n.IsSequence()) Fail(n, "'" + key + "' must be a list");
  for (const auto& item : n) out.push_back(As<std::string>(item, key));
  return out;
}

std::vector<SubCriterion> SubCriteria(const YAML::Node& list, const std::string& key) {
  if (!list.IsSequence()) Fail(list, "'" + key + "' must be a list of {id, points}");
  std::vector<SubCriterion> out;
  for (const auto& item : list) {
    SubCriterion s;
    s.id = As<std::string>(Required(item, "id"), "id");
    s.points = As<double>(Required(item, "points"), "points");
    s.scale_max = Optional<double>(item, "scale_max", s.points);
    if (s.points < 0 || s.scale_max <= 0) Fail(item, key + " '" + s.id + "': points must be >= 0 and scale_max > 0");
    out.push_back(s);
  }
  return out;
}

void CheckSum(const YAML::Node& node, const std::vector<SubCriterion>& parts, double points,
              const std::string& what) {
  double sum = 0;
  for (const auto& p : parts) sum += p.points;
  if (std::fabs(sum - points) > 1e-9) {
    Fail(node, what + ": sub-weights sum to " + std::to_string(sum) + ", expected " + std::to_string(points));
  }
}

PointsMapping Mapping(const YAML::Node& n) {
  PointsMapping m;
  if (!n) return m;
  const std::string kind = As<std::string>(Required(n, "kind"), "kind");
  if (kind == "relative_to_best") {
    m.kind = PointsMapping::Kind::kRelativeToBest;
  } else if (kind == "linear") {
    m.kind = PointsMapping::Kind::kLinear;
    m.lo = As<double>(Required(n, "lo"), "lo");
    m.hi = As<double>(Required(n, "hi"), "hi");
    if (!(m.hi > m.lo)) Fail(n, "linear mapping needs hi > lo");
  } else {
    Fail(n, "unknown mapping kind '" + kind + "' (relative_to_best, linear)");
  }
  return m;
}

TeamConfig Team(const YAML::Node& n) {
  TeamConfig t;
  t.name = As<std::string>(Required(n, "name"), "name");
  t.members = StringList(n, "members");
  t.target_models = StringList(n, "target_models");
  t.submitted_model = As<std::string>(Required(n, "submitted_model"), "submitted_model");
  t.own_models = StringList(n, "own_models");
  t.illustrative = Optional<bool>(n, "illustrative", false);
  return t;
}

ExpertCriterion Expert(const YAML::Node& n) {
  ExpertCriterion e;
  e.points = As<double>(Required(n, "points"), "points");
  e.criteria = SubCriteria(Required(n, "criteria"), "criteria");
  CheckSum(n, e.criteria, e.points, "expert");
  const std::string norm = Optional<std::string>(n, "normalisation", "raw");
  if (norm == "raw") {
    e.normalisation = ExpertNorm::kRaw;
  } else if (norm == "zscore") {
    e.normalisation = ExpertNorm::kZScore;
  } else if (norm == "trimmed_mean") {
    e.normalisation = ExpertNorm::kTrimmed;
  } else {
    Fail(n["normalisation"], "unknown normalisation '" + norm + "' (raw, zscore, trimmed_mean)");
  }
  e.trim_fraction = Optional<double>(n, "trim_fraction", e.trim_fraction);
  if (e.trim_fraction < 0 || e.trim_fraction >= 0.5) Fail(n, "trim_fraction must be in [0, 0.5)");
  e.alpha_warn = Optional<double>(n, "alpha_warn", e.alpha_warn);
  e.exclude_conflicts = Optional<bool>(n, "exclude_conflicts", true);
  return e;
}

UserCriterion User(const YAML::Node& n) {
  UserCriterion u;
  u.points = As<double>(Required(n, "points"), "points");
  u.scores_weight = Optional<double>(n, "scores_weight", 1.0);
  u.battles_weight = Optional<double>(n, "battles_weight", 0.0);
  if (u.scores_weight < 0 || u.battles_weight < 0 ||
      std::fabs(u.scores_weight + u.battles_weight - 1.0) > 1e-9) {
    Fail(n, "user: scores_weight + battles_weight must be 1");
  }
  u.scores_mapping = Mapping(n["scores_mapping"]);
  u.battles_mapping = Mapping(n["battles_mapping"]);
  const std::string both_bad = Optional<std::string>(n, "both_bad", "tie");
  if (both_bad != "tie" && both_bad != "exclude") Fail(n, "both_bad must be 'tie' or 'exclude'");
  u.both_bad_as_tie = both_bad == "tie";
  u.bootstrap_rounds = Optional<uint32_t>(n, "bootstrap_rounds", u.bootstrap_rounds);
  if (u.bootstrap_rounds < 1000) Fail(n, "bootstrap_rounds must be at least 1000");
  u.seed = Optional<uint64_t>(n, "seed", u.seed);
  u.ci_level = Optional<double>(n, "ci_level", u.ci_level);
  if (!(u.ci_level > 0 && u.ci_level < 1)) Fail(n, "ci_level must be in (0, 1)");
  return u;
}

GateRule Gate(const YAML::Node& n) {
  GateRule g;
  g.id = As<std::string>(Required(n, "id"), "id");
  g.description = Optional<std::string>(n, "description", "");
  if (n["verdicts"]) g.verdicts = StringList(n, "verdicts");
  g.components = StringList(n, "components");
  g.exempt_own_models = Optional<bool>(n, "exempt_own_models", true);
  g.max_log10_p = Optional<double>(n, "max_log10_p", 0.0);
  g.require_audit = Optional<bool>(n, "require_audit", true);
  return g;
}

AdvanceRule Advance(const YAML::Node& n) {
  AdvanceRule a;
  a.count = Optional<int32_t>(n, "count", -1);
  a.eliminate_bottom = Optional<int32_t>(n, "eliminate_bottom", -1);
  if (n["min_total"]) a.min_total = As<double>(n["min_total"], "min_total");
  const int used = (a.count >= 0) + (a.eliminate_bottom >= 0) + (n["min_total"] ? 1 : 0);
  if (used != 1) Fail(n, "advance: give exactly one of count, eliminate_bottom, min_total");
  return a;
}

std::string Resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute() || base_dir.empty()) return p;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

StageInputPaths Inputs(const YAML::Node& n, const std::string& base_dir) {
  StageInputPaths in;
  in.bench_points = Resolve(base_dir, As<std::string>(Required(n, "bench_points"), "bench_points"));
  in.expert_scores = Resolve(base_dir, As<std::string>(Required(n, "expert_scores"), "expert_scores"));
  in.expert_roster = Resolve(base_dir, As<std::string>(Required(n, "expert_roster"), "expert_roster"));
  in.user_scores = Resolve(base_dir, Optional<std::string>(n, "user_scores", ""));
  in.battles = Resolve(base_dir, Optional<std::string>(n, "battles", ""));
  YAML::Node audits = n["audits"];
  if (audits) {
    if (!audits.IsMap()) Fail(audits, "'audits' must map team -> audit JSON");
    for (const auto& kv : audits) {
      in.audits[As<std::string>(kv.first, "audits")] = Resolve(base_dir, As<std::string>(kv.second, "audits"));
    }
  }
  return in;
}

void Validate(const YAML::Node& root, const StageConfig& c) {
  std::set<std::string> names;
  for (const auto& t : c.teams) {
    if (!names.insert(t.name).second) Fail(root["teams"], "duplicate team '" + t.name + "'");
  }
  for (const auto& [team, path] : c.inputs.audits) {
    if (c.FindTeam(team) == nullptr) Fail(root["inputs"], "audits: unknown team '" + team + "'");
  }
  if (c.user.scores_weight > 0 && c.inputs.user_scores.empty()) Fail(root["inputs"], "user_scores is required when scores_weight > 0");
  if (c.user.battles_weight > 0 && c.inputs.battles.empty()) Fail(root["inputs"], "battles is required when battles_weight > 0");
  for (const auto& tb : c.tie_breaks) {
    const std::string head = tb.substr(0, tb.find('.'));
    if (head != "benchmark" && head != "expert" && head != "user") {
      Fail(root["tie_breaks"], "unknown tie-break '" + tb + "' (benchmark, expert, user, or <criterion>.<sub>)");
    }
  }
}

StageConfig Build(const YAML::Node& root, const std::string& base_dir) {
  if (!root.IsMap()) Fail(root, "the config must be a YAML mapping");
  StageConfig c;
  c.stage_id = As<std::string>(Required(root, "stage"), "stage");
  c.title = Optional<std::string>(root, "title", c.stage_id);
  c.title_ko = Optional<std::string>(root, "title_ko", c.title);
  const YAML::Node teams = Required(root, "teams");
  if (!teams.IsSequence() || teams.size() == 0) Fail(teams, "'teams' must be a non-empty list");
  for (const auto& t : teams) c.teams.push_back(Team(t));
  const YAML::Node criteria = Required(root, "criteria");
  const YAML::Node bench = Required(criteria, "benchmark");
  c.benchmark.points = As<double>(Required(bench, "points"), "points");
  c.benchmark.groups = SubCriteria(Required(bench, "groups"), "groups");
  CheckSum(bench, c.benchmark.groups, c.benchmark.points, "benchmark");
  c.expert = Expert(Required(criteria, "expert"));
  c.user = User(Required(criteria, "user"));
  if (root["gate"]) {
    for (const auto& g : Required(root["gate"], "rules")) c.gate.push_back(Gate(g));
  }
  c.advance = Advance(Required(root, "advance"));
  c.tie_breaks = StringList(root, "tie_breaks");
  c.inputs = Inputs(Required(root, "inputs"), base_dir);
  Validate(root, c);
  return c;
}

}  // namespace

std::string_view ExpertNormName(ExpertNorm norm) {
  switch (norm) {
    case ExpertNorm::kRaw: return "raw";
    case ExpertNorm::kZScore: return "zscore";
    case ExpertNorm::kTrimmed: return "trimmed_mean";
  }
  return "?";
}

const TeamConfig* StageConfig::FindTeam(const std::string& name) const {
  for (const auto& t : teams) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Result<StageConfig> ParseStageConfig(const std::string& yaml_text, const std::string& source,
                                     const std::string& base_dir) {
  try {
    StageConfig c = Build(YAML::Load(yaml_text), base_dir);
    c.path = source;
    return c;
  } catch (const ConfigError& e) {
    return Status::InvalidArgument(source + ": " + e.message);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

Result<StageConfig> LoadStageConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the stage config");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return ParseStageConfig(text.str(), path, dir);
}

}  // namespace dokja::scoring
