// Automatic assignment of experts to teams under one rubric.
//
// Rules, in order:
//   1. Conflict of interest: an expert affiliated with any organisation in a
//      team's consortium is never a candidate for that team (the store lists
//      the eligible experts, and AssignExpert checks again).
//   2. Each team ends with `per_team` experts under the rubric; experts it
//      already has count, so running the assignment again creates nothing.
//   3. Load balance: candidates are taken fewest-loaded first, the load being
//      the expert's assignments under this rubric, including those planned so
//      far; ties go to the expert with fewer assignments under all rubrics,
//      then to the smaller account id. Teams with the fewest eligible experts
//      are served first, so scarce experts are not spent on easy teams.
//   4. All or nothing: when some team has fewer eligible experts than
//      `per_team`, nothing is created and the error names the team.
//
// Thread-safety: PlanAssignments is a pure function; AssignExperts must not
// run concurrently for the same rubric (the route serialises it).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace dokja::web {

// One team's view for planning.
struct TeamCandidates {
  int64_t team_id = 0;
  std::string team_name;          // for messages
  std::vector<int64_t> eligible;  // expert ids without a conflict of interest
  std::vector<int64_t> assigned;  // experts already assigned under this rubric
};

struct PlannedAssignment {
  int64_t team_id = 0;
  int64_t expert_id = 0;
};

// Deterministic plan (see the rules above). `rubric_load` and `total_load`
// map expert id to current assignment counts (missing = 0).
// InvalidArgument when per_team < 1, and one starting "not enough eligible
// experts" (naming the team) when a team cannot be filled.
Result<std::vector<PlannedAssignment>> PlanAssignments(const std::vector<TeamCandidates>& teams,
                                                       std::map<int64_t, int64_t> rubric_load,
                                                       const std::map<int64_t, int64_t>& total_load,
                                                       int64_t per_team);

// Reads teams, eligible experts and current loads from the store, plans, and
// creates the assignments; returns the ones created, in creation order.
// NotFound for an unknown rubric.
Result<std::vector<store::Assignment>> AssignExperts(store::Store& store, int64_t rubric_id,
                                                     int64_t per_team, int64_t now_ms);

}  // namespace dokja::web
