#include "web/expert_assign.h"

#include <algorithm>
#include <set>
#include <string>

namespace dokja::web {
namespace {

int64_t Get(const std::map<int64_t, int64_t>& m, int64_t key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

// Teams with the fewest eligible experts first; then by id.
std::vector<const TeamCandidates*> ServingOrder(const std::vector<TeamCandidates>& teams) {
  std::vector<const TeamCandidates*> order;
  for (const TeamCandidates& t : teams) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](const TeamCandidates* a, const TeamCandidates* b) {
    if (a->eligible.size() != b->eligible.size()) return a->eligible.size() < b->eligible.size();
    return a->team_id < b->team_id;
  });
  return order;
}

}  // namespace

Result<std::vector<PlannedAssignment>> PlanAssignments(const std::vector<TeamCandidates>& teams,
                                                       std::map<int64_t, int64_t> rubric_load,
                                                       const std::map<int64_t, int64_t>& total_load,
                                                       int64_t per_team) {
  if (per_team < 1) return Status::InvalidArgument("per_team must be at least 1");
  for (const TeamCandidates& t : teams) {
    if (static_cast<int64_t>(t.eligible.size()) < per_team) {
      return Status::InvalidArgument("not enough eligible experts: team '" + t.team_name +
                                     "' has " + std::to_string(t.eligible.size()) +
                                     " without a conflict of interest, " +
                                     std::to_string(per_team) + " wanted");
    }
  }
  std::vector<PlannedAssignment> plan;
  for (const TeamCandidates* team : ServingOrder(teams)) {
    const std::set<int64_t> have(team->assigned.begin(), team->assigned.end());
    int64_t missing = per_team - static_cast<int64_t>(have.size());
    std::vector<int64_t> candidates;
    for (int64_t e : team->eligible) {
      if (have.count(e) == 0) candidates.push_back(e);
    }
    std::sort(candidates.begin(), candidates.end(), [&](int64_t a, int64_t b) {
      const int64_t la = Get(rubric_load, a), lb = Get(rubric_load, b);
      if (la != lb) return la < lb;
      const int64_t ta = Get(total_load, a), tb = Get(total_load, b);
      if (ta != tb) return ta < tb;
      return a < b;
    });
    for (size_t i = 0; missing > 0 && i < candidates.size(); ++i, --missing) {
      plan.push_back({team->team_id, candidates[i]});
      ++rubric_load[candidates[i]];
    }
  }
  return plan;
}

namespace {

struct Loads {
  std::map<int64_t, int64_t> rubric;
  std::map<int64_t, int64_t> total;
  std::map<int64_t, std::vector<int64_t>> assigned_by_team;  // under the rubric
};

Result<Loads> ReadLoads(store::Store& store, int64_t rubric_id) {
  Loads loads;
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::Account> experts,
                         store.ListAccounts(store::Role::kExpert));
  for (const store::Account& e : experts) {
    DOKJA_ASSIGN_OR_RETURN(std::vector<store::Assignment> all, store.ListAssignments(e.id));
    loads.total[e.id] = static_cast<int64_t>(all.size());
  }
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::Assignment> in_rubric,
                         store.ListRubricAssignments(rubric_id));
  for (const store::Assignment& a : in_rubric) {
    ++loads.rubric[a.expert_id];
    loads.assigned_by_team[a.team_id].push_back(a.expert_id);
  }
  return loads;
}

}  // namespace

Result<std::vector<store::Assignment>> AssignExperts(store::Store& store, int64_t rubric_id,
                                                     int64_t per_team, int64_t now_ms) {
  DOKJA_RETURN_IF_ERROR(store.GetRubric(rubric_id).status());
  DOKJA_ASSIGN_OR_RETURN(Loads loads, ReadLoads(store, rubric_id));
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::Team> teams, store.ListTeams());
  std::vector<TeamCandidates> candidates;
  for (const store::Team& t : teams) {
    TeamCandidates c{t.id, t.name, {}, loads.assigned_by_team[t.id]};
    DOKJA_ASSIGN_OR_RETURN(std::vector<store::Account> eligible, store.ListEligibleExperts(t.id));
    for (const store::Account& e : eligible) c.eligible.push_back(e.id);
    candidates.push_back(std::move(c));
  }
  DOKJA_ASSIGN_OR_RETURN(std::vector<PlannedAssignment> plan,
                         PlanAssignments(candidates, loads.rubric, loads.total, per_team));
  std::vector<store::Assignment> created;
  for (const PlannedAssignment& p : plan) {
    DOKJA_ASSIGN_OR_RETURN(int64_t id,
                           store.AssignExpert(rubric_id, p.expert_id, p.team_id, now_ms));
    created.push_back({id, rubric_id, p.expert_id, p.team_id, now_ms, 0});
  }
  return created;
}

}  // namespace dokja::web
