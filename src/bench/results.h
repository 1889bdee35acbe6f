// Serialising benchmark results: the results JSON (schema in
// docs/formats/bench_results.md), per-sample JSONL and a text summary.
//
// The results JSON is what `dokja bench points` reads, so ResultsFromJson
// accepts exactly what ResultsToJson writes (schema "dokja.bench.results/1").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bench/task.h"

namespace dokja::bench {

inline constexpr std::string_view kResultsSchema = "dokja.bench.results/1";

// Pretty JSON. `manifest_json`, when not empty, must be a JSON object
// (model, backend identity, dokja version, ...) and is stored under
// "manifest". NaN values (no stderr for one sample) are written as null.
Result<std::string> ResultsToJson(const EvalResults& results, const std::string& manifest_json = "");
// InvalidArgument naming the JSON path of the first bad field.
Result<EvalResults> ResultsFromJson(std::string_view json);

// One line of JSON (no trailing newline): task, doc_id, doc, prompt, target,
// choices, responses, logprobs, is_greedy, filtered, scores.
std::string SampleToJson(const SampleRecord& sample);
// Writes the samples, one per line, to `path` (replacing it).
Status WriteSamplesJsonl(const std::string& path, const std::vector<SampleRecord>& samples);

// A fixed-width table: one row per task metric and per group metric
// (micro and macro), values and stderr to four decimals.
std::string SummaryTable(const EvalResults& results);

// Writes `text` to `path` via a temporary file and rename.
Status WriteTextFile(const std::string& path, std::string_view text);

}  // namespace dokja::bench
