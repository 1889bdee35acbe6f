#include "scoring/internal/csv.h"

#include <cmath>
#include <cstdlib>

namespace dokja::scoring::internal {
namespace {

std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

// Splits one logical record starting at text[pos]; advances pos and line past it.
Status SplitRecord(const std::string& text, size_t& pos, uint32_t& line, const std::string& source,
                   std::vector<std::string>& fields) {
  fields.assign(1, "");
  bool quoted = false, was_quoted = false;
  const uint32_t start_line = line;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') {
        fields.back() += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        fields.back() += c;
      }
    } else if (c == '"') {
      if (!Trim(fields.back()).empty() || was_quoted) {
        return Status::Corrupt(source + ":" + std::to_string(line) + ": stray quote inside a field");
      }
      fields.back().clear();
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '\n') {
      ++pos;
      ++line;
      break;
    } else {
      fields.back() += c;
    }
  }
  if (quoted) return Status::Corrupt(source + ":" + std::to_string(start_line) + ": unterminated quoted field");
  for (auto& f : fields) f = Trim(f);
  return Status::OK();
}

bool Blank(const std::vector<std::string>& fields) {
  return fields.size() == 1 && (fields[0].empty() || fields[0][0] == '#');
}

}  // namespace

Result<CsvTable> ParseCsv(const std::string& text, const std::string& source,
                          const std::vector<std::string>& required) {
  CsvTable t;
  t.source = source;
  size_t pos = 0;
  uint32_t line = 1;
  bool have_header = false;
  size_t n_columns = 0;
  std::vector<std::string> fields;
  while (pos < text.size()) {
    const uint32_t record_line = line;
    DOKJA_RETURN_IF_ERROR(SplitRecord(text, pos, line, source, fields));
    if (Blank(fields)) continue;
    if (!have_header) {
      for (size_t i = 0; i < fields.size(); ++i) t.column[fields[i]] = i;
      n_columns = fields.size();
      have_header = true;
      continue;
    }
    if (fields.size() != n_columns) {
      return Status::Corrupt(source + ":" + std::to_string(record_line) + ": expected " +
                             std::to_string(n_columns) + " fields, got " + std::to_string(fields.size()));
    }
    t.rows.push_back({record_line, fields});
  }
  if (!have_header) return Status::Corrupt(source + ": empty file, expected a header row");
  for (const auto& name : required) {
    if (t.column.count(name) == 0) return Status::Corrupt(source + ":1: missing column '" + name + "'");
  }
  return t;
}

const std::string& Field(const CsvTable& table, const CsvRow& row, const std::string& name) {
  return row.fields[table.column.at(name)];
}

Result<double> NumberField(const CsvTable& table, const CsvRow& row, const std::string& name) {
  const std::string& s = Field(table, row, name);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
    return Status::Corrupt(table.Where(row) + ": column '" + name + "': expected a number, got '" + s + "'");
  }
  return v;
}

}  // namespace dokja::scoring::internal
