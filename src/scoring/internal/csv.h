// A small CSV reader for the stage inputs: RFC 4180 quoting ("a,b", "" for a
// quote), a header row naming the columns, '#' comment lines and blank lines
// skipped. Every error names the file and the line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace dokja::scoring::internal {

struct CsvRow {
  uint32_t line = 0;  // 1-based line in the file
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string source;                 // file name, for messages
  std::map<std::string, size_t> column;  // header name -> index
  std::vector<CsvRow> rows;

  // "file:line" of a row.
  std::string Where(const CsvRow& row) const { return source + ":" + std::to_string(row.line); }
};

// Parses `text`; every row must have as many fields as the header and every
// name in `required` must be a header column.
Result<CsvTable> ParseCsv(const std::string& text, const std::string& source,
                          const std::vector<std::string>& required);

// The field `name` of `row`. REQUIRES: name was in `required`.
const std::string& Field(const CsvTable& table, const CsvRow& row, const std::string& name);

// Parses a finite number, or an error naming file:line and column.
Result<double> NumberField(const CsvTable& table, const CsvRow& row, const std::string& name);

}  // namespace dokja::scoring::internal
