// The outcome as a JSON value: what decision.json holds and what the stage
// record stores (so recompute compares values, not text).
#pragma once

#include <nlohmann/json.hpp>

#include "scoring/stage.h"

namespace dokja::scoring::internal {

nlohmann::json OutcomeToJson(const StageOutcome& outcome);

}  // namespace dokja::scoring::internal
