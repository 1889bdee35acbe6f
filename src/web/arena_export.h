// The arena's counted votes as the stage decision's battles CSV
// (scoring::ParseBattles, examples/stage1/battles.csv):
//
//   user,model_a,model_b,outcome
//   u17,team-a-model,team-c-model,b
//
// One row per counted (not voided) vote, oldest first. `user` is "u" and the
// voter's account id (pseudonymous); a side is the model's team when the
// arena config gives one, else the model's name, so the stage config can
// match it by team name or submitted model id. Rows whose two sides resolve
// to the same team are left out (the stage decision rejects them). outcome
// is a, b, tie or both_bad. Fields are quoted as RFC 4180 asks.
#pragma once

#include <string>

#include "base/status.h"
#include "store/store.h"
#include "web/arena_config.h"

namespace dokja::web {

Result<std::string> ExportBattlesCsv(store::Store& store, const ArenaConfig& config);

}  // namespace dokja::web
