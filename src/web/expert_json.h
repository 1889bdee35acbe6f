// JSON codecs of the expert-evaluation API (docs/web-api.md, "Expert
// evaluation"): rubrics in and out, draft scores in, and the views an expert
// gets, which name a team only by its anonymous label.
//
// Thread-safety: free functions over values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace dokja::web {

// Limits on what an admin or expert may send.
constexpr size_t kMaxCriteria = 64;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxDescriptionBytes = 4000;
constexpr size_t kMaxCommentBytes = 20000;
constexpr int64_t kMaxScale = 1000;

// {"id","name","criteria":[{"id","key","name_ko","name_en","description_ko",
// "description_en","scale_min","scale_max"}]}
nlohmann::json RubricJson(const store::Rubric& rubric);

// Reads a rubric to create. Every criterion needs a key of [A-Za-z0-9_.-]
// (it becomes a criterion id in the stage config), Korean and English names,
// and an integer scale with 0 <= scale_min < scale_max <= kMaxScale (the stage
// decision reads scores in [0, scale_max]). Keys must be unique.
// InvalidArgument naming the field otherwise.
Result<store::Rubric> RubricFromJson(const nlohmann::json& body);

// Reads {"scores":[{"criterion_id","score","comment"?}]}: integers for the id
// and score, a comment of at most kMaxCommentBytes, each criterion once.
// The scale is checked by the store against the criterion.
Result<std::vector<store::CriterionScore>> ScoresFromJson(const nlohmann::json& body);

nlohmann::json ScoresJson(const std::vector<store::CriterionScore>& scores);

// What an expert sees of a material: no team, no storage location.
nlohmann::json MaterialJson(const store::Material& material);

}  // namespace dokja::web
