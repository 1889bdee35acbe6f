// Verifiable instructions in the style of IFEval / Ko-IFEval: a doc carries
// `instruction_id_list` (e.g. "length_constraints:number_words") and
// `kwargs` (one object per instruction, e.g. {"relation": "at least",
// "num_words": 50}); each instruction is checked on the answer.
//
// Supported ids (docs/bench_tasks.md lists their kwargs):
//   length_constraints:number_words, length_constraints:number_sentences,
//   length_constraints:number_paragraphs, keywords:existence,
//   keywords:forbidden_words, keywords:frequency, punctuation:no_comma,
//   detectable_format:json_format, detectable_format:number_bullet_lists,
//   detectable_format:title, detectable_content:postscript,
//   startend:end_checker, startend:quotation, language:response_language.
// Words are whitespace-separated (Korean eojeol). The language check passes
// when at least 90% of the letters are of the language's script
// (Hangul for "ko", Latin for "en").
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace dokja::bench::internal {

struct InstructionOutcome {
  std::vector<bool> strict;  // per instruction, on the answer as given
  std::vector<bool> loose;   // per instruction, passing on any lenient variant
};

// Checks that the doc's instruction list is well formed: known ids, one
// kwargs object per id, the kwargs each checker needs. InvalidArgument names
// the instruction.
Status ValidateInstructions(const nlohmann::json& doc);

// REQUIRES: ValidateInstructions(doc) is OK.
Result<InstructionOutcome> CheckInstructions(const nlohmann::json& doc, std::string_view answer);

// Share of letters that are Hangul (syllables and jamo); 0 without letters.
double HangulRatio(std::string_view text);

}  // namespace dokja::bench::internal
