// DecideStage: benchmark points, the criteria aggregations, the ranking with
// tie-breaks, the originality gate and the advance rule.
#include <algorithm>
#include <cmath>

#include "scoring/internal/criteria.h"
#include "scoring/stage.h"

namespace dokja::scoring {
namespace {

// Totals closer than this are equal (sums of decimal points in binary).
constexpr double kTieEpsilon = 1e-9;

Status ScoreBenchmark(const StageConfig& config, const StageInputs& in, TeamOutcome& t,
                      std::vector<std::string>& warnings) {
  auto it = in.bench.find(t.team);
  if (it == in.bench.end()) {
    return Status::InvalidArgument(config.inputs.bench_points + ": no benchmark points for team '" + t.team + "'");
  }
  for (const auto& g : config.benchmark.groups) {
    auto git = it->second.groups.find(g.id);
    if (git == it->second.groups.end()) {
      return Status::InvalidArgument(config.inputs.bench_points + ": team '" + t.team + "' lacks group '" + g.id + "'");
    }
    const BenchGroupPoints& p = git->second;
    if (p.max <= 0 || p.points < 0 || p.points > p.max + kTieEpsilon) {
      return Status::InvalidArgument(config.inputs.bench_points + ": team '" + t.team + "', group '" + g.id +
                                     "': points must lie in [0, max]");
    }
    // Rescaled when the runner's maximum differs from the configured weight.
    t.benchmark_parts.push_back({g.id, p.points * g.points / p.max, g.points});
    t.benchmark += t.benchmark_parts.back().points;
  }
  if (std::fabs(t.benchmark - it->second.total) > 1e-6 && std::fabs(it->second.max - config.benchmark.points) < 1e-9) {
    warnings.push_back("benchmark total of '" + t.team + "' in the points file (" + std::to_string(it->second.total) +
                       ") differs from the sum of its groups (" + std::to_string(t.benchmark) + ")");
  }
  return Status::OK();
}

// The criterion value a tie-break key names.
double TieValue(const TeamOutcome& t, const std::string& key) {
  if (key == "benchmark") return t.benchmark;
  if (key == "expert") return t.expert;
  if (key == "user") return t.user;
  const std::string head = key.substr(0, key.find('.')), sub = key.substr(key.find('.') + 1);
  const auto& parts = head == "benchmark" ? t.benchmark_parts : t.expert_parts;
  for (const auto& p : parts) {
    if (p.id == sub) return p.points;
  }
  return 0;
}

// Sorts best first; notes how each tie was broken. Returns the teams of
// each still-unbroken tie.
void Rank(const StageConfig& config, std::vector<TeamOutcome>& teams) {
  auto decided_by = [&](const TeamOutcome& a, const TeamOutcome& b) -> std::string {
    if (std::fabs(a.total - b.total) > kTieEpsilon) return "total";
    for (const auto& key : config.tie_breaks) {
      if (std::fabs(TieValue(a, key) - TieValue(b, key)) > kTieEpsilon) return key;
    }
    return "";
  };
  std::stable_sort(teams.begin(), teams.end(), [&](const TeamOutcome& a, const TeamOutcome& b) {
    const std::string key = decided_by(a, b);
    if (key == "total") return a.total > b.total;
    if (!key.empty()) return TieValue(a, key) > TieValue(b, key);
    return a.team < b.team;
  });
  for (size_t i = 0; i < teams.size(); ++i) {
    teams[i].rank = static_cast<uint32_t>(i + 1);
    if (i + 1 < teams.size()) {
      const std::string key = decided_by(teams[i], teams[i + 1]);
      if (key.empty()) {
        teams[i].tie_note = "tied with " + teams[i + 1].team + "; not broken by tie_breaks";
      } else if (key != "total") {
        teams[i].tie_note = "tied with " + teams[i + 1].team + " on total; ahead on " + key;
      }
    }
  }
}

bool ComponentMatches(const GateRule& rule, const std::string& component) {
  if (rule.components.empty()) return true;
  for (const auto& pat : rule.components) {
    if (!pat.empty() && pat.back() == '*') {
      if (component.compare(0, pat.size() - 1, pat, 0, pat.size() - 1) == 0) return true;
    } else if (pat == component) {
      return true;
    }
  }
  return false;
}

bool EndsWithPath(const std::string& s, const std::string& tail) {
  if (s == tail) return true;
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0 &&
         s[s.size() - tail.size() - 1] == '/';
}

bool OwnModel(const TeamConfig& team, const std::string& reference) {
  for (const auto& own : team.own_models) {
    if (EndsWithPath(reference, own) || EndsWithPath(own, reference)) return true;
  }
  return false;
}

Status ApplyGate(const StageConfig& config, const StageInputs& in, const TeamConfig& tc, TeamOutcome& t) {
  auto it = in.audits.find(t.team);
  if (it != in.audits.end()) {
    const AuditInput& a = it->second;
    if (a.candidate != tc.submitted_model) {
      return Status::InvalidArgument(a.path + ": audit of '" + a.candidate + "', but team '" + t.team +
                                     "' submitted '" + tc.submitted_model + "'");
    }
    t.audit_path = a.path;
    t.audit_candidate = a.candidate;
    t.audit_not_original = a.not_original;
    for (const auto& f : in.files) {
      if (f.role == "audit:" + t.team) t.audit_sha256 = f.sha256;
    }
  }
  for (const auto& rule : config.gate) {
    if (it == in.audits.end()) {
      if (rule.require_audit) {
        t.gate_pass = false;
        t.gate_evidence.push_back({rule.id, "", "", "", "no audit report submitted for the team", 0});
      }
      continue;
    }
    for (const auto& f : it->second.findings) {
      const bool listed = std::find(rule.verdicts.begin(), rule.verdicts.end(), f.verdict) != rule.verdicts.end();
      if (!listed || !ComponentMatches(rule, f.component) || f.log10_p > rule.max_log10_p) continue;
      if (rule.exempt_own_models && OwnModel(tc, f.reference)) continue;
      t.gate_pass = false;
      t.gate_evidence.push_back({rule.id, f.component, f.verdict, f.reference, f.reason, f.log10_p});
    }
  }
  return Status::OK();
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

Status ApplyAdvance(const StageConfig& config, std::vector<TeamOutcome>& teams) {
  std::vector<TeamOutcome*> passing;
  for (auto& t : teams) {
    if (!t.gate_pass) {
      t.decision = Decision::kEliminatedGate;
      // The reason cites the strongest evidence (smallest log10 p).
      const GateEvidence& e = *std::min_element(
          t.gate_evidence.begin(), t.gate_evidence.end(),
          [](const GateEvidence& x, const GateEvidence& y) { return x.log10_p < y.log10_p; });
      t.reason = "failed originality gate '" + e.rule + "': " +
                 (e.component.empty() ? e.reason : e.component + " " + e.verdict + " from " + e.reference);
      t.reason_ko = "독자성 기준 '" + e.rule + "' 미충족: " +
                    (e.component.empty() ? std::string("감사 보고서 없음") : e.component + " " + e.verdict + " (출처: " + e.reference + ")");
      continue;
    }
    passing.push_back(&t);
  }
  const AdvanceRule& a = config.advance;
  const size_t n = passing.size();
  size_t n_advance = n;
  if (a.count >= 0) n_advance = std::min(n, static_cast<size_t>(a.count));
  if (a.eliminate_bottom >= 0) n_advance = n - std::min(n, static_cast<size_t>(a.eliminate_bottom));
  for (size_t i = 0; i < n; ++i) {
    TeamOutcome& t = *passing[i];
    const bool by_rank = i < n_advance;
    const bool by_cut = std::isinf(a.min_total) || t.total >= a.min_total - kTieEpsilon;
    if (by_rank && by_cut) {
      t.decision = Decision::kAdvance;
      t.reason = "passed the gate; rank " + std::to_string(t.rank) + " with " + Fixed(t.total, 2) + " points";
      t.reason_ko = "독자성 기준 통과, " + std::to_string(t.rank) + "위 (" + Fixed(t.total, 2) + "점)";
      continue;
    }
    t.decision = Decision::kEliminatedScore;
    t.reason = by_cut ? "below the advance count among teams that passed the gate (" + Fixed(t.total, 2) + " points)"
                      : "total " + Fixed(t.total, 2) + " below the cut-off " + Fixed(a.min_total, 2);
    t.reason_ko = by_cut ? "독자성 기준 통과 팀 중 점수 하위 (" + Fixed(t.total, 2) + "점)"
                         : "총점 " + Fixed(t.total, 2) + "점, 기준점 " + Fixed(a.min_total, 2) + "점 미달";
    if (by_rank == false && i == n_advance && i > 0 && std::fabs(passing[i - 1]->total - t.total) <= kTieEpsilon &&
        passing[i - 1]->tie_note.find("not broken") != std::string::npos) {
      return Status::InvalidArgument("tie at the cut-off between '" + passing[i - 1]->team + "' and '" + t.team +
                                     "' is not broken by tie_breaks; add a rule to the config");
    }
  }
  return Status::OK();
}

}  // namespace

std::string_view DecisionName(Decision d) {
  switch (d) {
    case Decision::kAdvance: return "advance";
    case Decision::kEliminatedGate: return "eliminated_gate";
    case Decision::kEliminatedScore: return "eliminated_score";
  }
  return "?";
}

Result<StageOutcome> DecideStage(const StageConfig& config, const StageInputs& inputs) {
  StageOutcome out;
  out.stage_id = config.stage_id;
  out.title = config.title;
  out.title_ko = config.title_ko;
  out.inputs = inputs.files;
  out.user_scores_weight = config.user.scores_weight;
  out.user_battles_weight = config.user.battles_weight;
  DOKJA_ASSIGN_OR_RETURN(internal::ExpertResult experts, internal::ScoreExperts(config, inputs));
  DOKJA_ASSIGN_OR_RETURN(auto users, internal::ScoreUsers(config, inputs));
  out.exclusions = experts.exclusions;
  out.alphas = experts.alphas;
  for (const auto& a : out.alphas) {
    if (a.warn) {
      out.warnings.push_back("expert criterion '" + a.criterion + "': Krippendorff's alpha " +
                             (a.result.alpha ? Fixed(*a.result.alpha, 3) : std::string("undefined")) +
                             " is below " + Fixed(config.expert.alpha_warn, 3));
    }
  }
  if (!config.teams.empty() && !users[config.teams.front().name].bt_converged) {
    out.warnings.push_back("Bradley-Terry did not converge (a team won or lost every battle); its strengths are "
                           "unbounded and the win rates approximate");
  }
  for (const auto& tc : config.teams) {
    TeamOutcome t;
    t.team = tc.name;
    t.illustrative = tc.illustrative;
    t.members = tc.members;
    t.submitted_model = tc.submitted_model;
    DOKJA_RETURN_IF_ERROR(ScoreBenchmark(config, inputs, t, out.warnings));
    t.expert_parts = experts.parts[tc.name];
    for (const auto& p : t.expert_parts) t.expert += p.points;
    t.n_experts = experts.n_experts[tc.name];
    t.user_stats = users[tc.name];
    t.user = t.user_stats.points_from_scores + t.user_stats.points_from_battles;
    t.total = t.benchmark + t.expert + t.user;
    DOKJA_RETURN_IF_ERROR(ApplyGate(config, inputs, tc, t));
    out.teams.push_back(std::move(t));
  }
  Rank(config, out.teams);
  DOKJA_RETURN_IF_ERROR(ApplyAdvance(config, out.teams));
  for (const auto& t : out.teams) {
    out.mean_benchmark += t.benchmark;
    out.mean_expert += t.expert;
    out.mean_user += t.user;
    out.mean_total += t.total;
  }
  const double n = static_cast<double>(out.teams.size());
  out.mean_benchmark /= n;
  out.mean_expert /= n;
  out.mean_user /= n;
  out.mean_total /= n;
  return out;
}

}  // namespace dokja::scoring
