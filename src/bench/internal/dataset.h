// Local dataset files for benchmark tasks: JSONL (one JSON object a line),
// CSV and TSV (a header row, RFC 4180 quoting). Rows come back as JSON
// objects so templates see typed fields: CSV/TSV columns whose non-empty
// cells are all integers become integers (KMMLU's 1-based `answer`), all
// numbers become floats, anything else stays text, as pandas would read them.
//
// A path may hold one `*` in its file name (`data/*-test.csv`, the layout of
// KMMLU's Hugging Face repository): the matching files are read in name
// order and concatenated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace dokja::bench::internal {

struct DatasetFile {
  std::vector<nlohmann::json> rows;  // JSON objects, file order
  // SHA-256 of the bytes read (the files' digests chained in name order
  // when a pattern matched several).
  std::string sha256;
  std::vector<std::string> files;  // the files read, in order
};

// Reads `path` (or the files its `*` matches). NotFound when nothing exists
// there; Corrupt naming the file and 1-based line for a malformed row (bad
// JSON, a non-object line, a CSV row with the wrong number of cells, an
// unterminated quote).
Result<DatasetFile> LoadDataset(const std::string& path);

// Parses CSV/TSV text; `name` only labels errors. Exposed for tests.
Result<std::vector<nlohmann::json>> ParseDelimited(const std::string& text, char delimiter,
                                                   const std::string& name);
// Parses JSONL text (blank lines skipped); `name` only labels errors.
Result<std::vector<nlohmann::json>> ParseJsonl(const std::string& text, const std::string& name);

// Reads a whole file. NotFound / IOError naming the path.
Result<std::string> ReadFileBytes(const std::string& path);

}  // namespace dokja::bench::internal
