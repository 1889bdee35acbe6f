// Parsing the points config YAML (yaml-cpp stays inside src/bench).
#include <set>

#include <yaml-cpp/yaml.h>

#include "base/sha256.h"
#include "bench/internal/dataset.h"
#include "bench/points.h"

namespace dokja::bench {
namespace {

struct Ctx {
  const std::string& file;
  Status Bad(const YAML::Node& n, const std::string& field, const std::string& what) const {
    return Status::InvalidArgument(file + ":" + std::to_string(n.Mark().line + 1) + ": " + field + ": " + what);
  }
};

Status CheckKeys(const Ctx& c, const YAML::Node& map, const std::string& where, const std::set<std::string>& allowed) {
  if (!map.IsMap()) return c.Bad(map, where, "expected a mapping");
  for (const auto& kv : map) {
    if (!allowed.count(kv.first.Scalar())) return c.Bad(kv.first, where + "." + kv.first.Scalar(), "unknown field");
  }
  return Status::OK();
}

template <typename T>
Status Get(const Ctx& c, const YAML::Node& map, const std::string& key, const std::string& where, T* out,
           bool required = false) {
  YAML::Node n = map[key];
  if (!n) return required ? c.Bad(map, where + "." + key, "required field is missing") : Status::OK();
  try {
    if (!n.IsScalar()) throw YAML::Exception(n.Mark(), "not a scalar");
    *out = n.as<T>();
  } catch (const YAML::Exception&) {
    return c.Bad(n, where + "." + key, std::is_same_v<T, std::string> ? "expected a string" : "expected a number");
  }
  return Status::OK();
}

Status ParseBenchmark(const Ctx& c, const YAML::Node& n, const std::string& where, PointsBenchmark* b) {
  DOKJA_RETURN_IF_ERROR(CheckKeys(c, n, where, {"name", "result", "metric", "filter", "aggregate", "group",
                                                "weight", "formula", "cap", "floor", "higher_is_better"}));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "name", where, &b->name, true));
  b->result = b->name;
  DOKJA_RETURN_IF_ERROR(Get(c, n, "result", where, &b->result));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "metric", where, &b->metric));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "filter", where, &b->filter));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "aggregate", where, &b->aggregate));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "group", where, &b->group, true));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "weight", where, &b->weight));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "cap", where, &b->cap));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "floor", where, &b->floor));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "higher_is_better", where, &b->higher_is_better));
  std::string formula = "capped_ratio";
  DOKJA_RETURN_IF_ERROR(Get(c, n, "formula", where, &formula));
  if (formula == "capped_ratio") {
    b->formula = PointsFormula::kCappedRatio;
  } else if (formula == "linear") {
    b->formula = PointsFormula::kLinear;
  } else if (formula == "threshold") {
    b->formula = PointsFormula::kThreshold;
  } else {
    return c.Bad(n["formula"], where + ".formula", "expected capped_ratio, linear or threshold, got '" + formula + "'");
  }
  if (b->aggregate != "micro" && b->aggregate != "macro") {
    return c.Bad(n["aggregate"], where + ".aggregate", "expected micro or macro");
  }
  if (!(b->weight > 0)) return c.Bad(n, where + ".weight", "expected a positive number");
  if (!(b->cap > 0)) return c.Bad(n, where + ".cap", "expected a positive number");
  return Status::OK();
}

Status ParseBenchmarks(const Ctx& c, const YAML::Node& list, const std::string& where,
                       std::vector<PointsBenchmark>* out) {
  if (!list) return Status::OK();
  if (!list.IsSequence()) return c.Bad(list, where, "expected a list");
  for (const YAML::Node& n : list) {
    PointsBenchmark b;
    DOKJA_RETURN_IF_ERROR(ParseBenchmark(c, n, where, &b));
    out->push_back(std::move(b));
  }
  return Status::OK();
}

Status ParseTeam(const Ctx& c, const YAML::Node& n, PointsTeam* t) {
  DOKJA_RETURN_IF_ERROR(CheckKeys(c, n, "teams", {"name", "results", "targets", "benchmarks"}));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "name", "teams", &t->name, true));
  DOKJA_RETURN_IF_ERROR(Get(c, n, "results", "teams", &t->results_file));
  YAML::Node targets = n["targets"];
  if (targets && !targets.IsMap()) return c.Bad(targets, "teams.targets", "expected benchmark: score");
  for (const auto& kv : targets) {
    double v = 0;
    DOKJA_RETURN_IF_ERROR(Get(c, targets, kv.first.Scalar(), "teams.targets", &v));
    t->targets[kv.first.Scalar()] = v;
  }
  return ParseBenchmarks(c, n["benchmarks"], "teams.benchmarks", &t->benchmarks);
}

Status Validate(const Ctx& c, const YAML::Node& root, PointsConfig* cfg) {
  std::set<std::string> groups;
  double sum = 0;
  for (const PointsGroup& g : cfg->groups) {
    if (!groups.insert(g.name).second) return c.Bad(root["groups"], "groups", "duplicate group '" + g.name + "'");
    sum += g.max_points;
  }
  if (cfg->max_total == 0) cfg->max_total = sum;
  if (std::abs(cfg->max_total - sum) > 1e-9) {
    return c.Bad(root["max_total"], "max_total", "groups add up to " + std::to_string(sum));
  }
  auto check = [&](const std::vector<PointsBenchmark>& list, const std::string& where) -> Status {
    for (const PointsBenchmark& b : list) {
      if (!groups.count(b.group)) {
        return c.Bad(root, where, "benchmark '" + b.name + "' names unknown group '" + b.group + "'");
      }
    }
    return Status::OK();
  };
  DOKJA_RETURN_IF_ERROR(check(cfg->benchmarks, "benchmarks"));
  for (const PointsTeam& t : cfg->teams) DOKJA_RETURN_IF_ERROR(check(t.benchmarks, "teams." + t.name + ".benchmarks"));
  return Status::OK();
}

}  // namespace

Result<PointsConfig> ParsePointsYaml(const std::string& yaml, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax: " + e.msg);
  }
  Ctx c{file};
  PointsConfig cfg;
  cfg.file = file;
  cfg.sha256 = Sha256Hex(yaml);
  DOKJA_RETURN_IF_ERROR(CheckKeys(c, root, "points", {"max_total", "groups", "benchmarks", "teams"}));
  DOKJA_RETURN_IF_ERROR(Get(c, root, "max_total", "points", &cfg.max_total));
  YAML::Node groups = root["groups"];
  if (!groups || !groups.IsSequence()) return c.Bad(root, "groups", "expected a list of {name, max_points}");
  for (const YAML::Node& n : groups) {
    DOKJA_RETURN_IF_ERROR(CheckKeys(c, n, "groups", {"name", "max_points"}));
    PointsGroup g;
    DOKJA_RETURN_IF_ERROR(Get(c, n, "name", "groups", &g.name, true));
    DOKJA_RETURN_IF_ERROR(Get(c, n, "max_points", "groups", &g.max_points, true));
    cfg.groups.push_back(g);
  }
  DOKJA_RETURN_IF_ERROR(ParseBenchmarks(c, root["benchmarks"], "benchmarks", &cfg.benchmarks));
  YAML::Node teams = root["teams"];
  if (teams && !teams.IsSequence()) return c.Bad(teams, "teams", "expected a list");
  for (const YAML::Node& n : teams) {
    PointsTeam t;
    DOKJA_RETURN_IF_ERROR(ParseTeam(c, n, &t));
    cfg.teams.push_back(std::move(t));
  }
  DOKJA_RETURN_IF_ERROR(Validate(c, root, &cfg));
  return cfg;
}

Result<PointsConfig> LoadPointsConfig(const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string bytes, internal::ReadFileBytes(path));
  return ParsePointsYaml(bytes, path);
}

}  // namespace dokja::bench
