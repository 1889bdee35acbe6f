#include "bench/internal/dataset.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/sha256.h"

namespace dokja::bench::internal {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

using CsvRow = std::vector<std::string>;

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Splits delimited text into rows of cells; tracks the line each row starts on.
Status SplitRows(const std::string& text, char delim, const std::string& name,
                 std::vector<CsvRow>* rows, std::vector<int64_t>* lines) {
  CsvRow row;
  std::string cell;
  bool in_quotes = false, cell_started = false;
  int64_t line = 1, row_line = 1;
  size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 BOM
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        if (c == '\n') ++line;
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"' && cell.empty() && !cell_started) {
      in_quotes = true;
      cell_started = true;
    } else if (c == delim) {
      row.push_back(std::move(cell));
      cell.clear();
      cell_started = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(cell));
      cell.clear();
      cell_started = false;
      if (!(row.size() == 1 && row[0].empty())) {
        rows->push_back(std::move(row));
        lines->push_back(row_line);
      }
      row.clear();
      row_line = ++line;
    } else {
      cell.push_back(c);
      cell_started = true;
    }
  }
  if (in_quotes) {
    return Status::Corrupt(name + ":" + std::to_string(row_line) + ": unterminated quoted cell");
  }
  if (!cell.empty() || cell_started || !row.empty()) {
    row.push_back(std::move(cell));
    rows->push_back(std::move(row));
    lines->push_back(row_line);
  }
  return Status::OK();
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ParseFloat(const std::string& s, double* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

enum class ColumnType { kInt, kFloat, kText };

ColumnType InferColumn(const std::vector<CsvRow>& rows, size_t col) {
  bool all_int = true, all_num = true, any = false;
  for (size_t r = 1; r < rows.size(); ++r) {
    const std::string& s = rows[r][col];
    if (s.empty()) continue;
    any = true;
    int64_t i = 0;
    double d = 0;
    if (!ParseInt(s, &i)) all_int = false;
    if (!ParseFloat(s, &d)) all_num = false;
  }
  if (!any) return ColumnType::kText;
  if (all_int) return ColumnType::kInt;
  return all_num ? ColumnType::kFloat : ColumnType::kText;
}

Json CellValue(const std::string& s, ColumnType type) {
  if (type == ColumnType::kText) return s;
  if (s.empty()) return nullptr;
  if (type == ColumnType::kInt) {
    int64_t i = 0;
    ParseInt(s, &i);
    return i;
  }
  double d = 0;
  ParseFloat(s, &d);
  return d;
}

// Files matching a pattern with one '*' in its last component.
Result<std::vector<std::string>> ExpandPattern(const std::string& path) {
  fs::path p(path);
  std::string base = p.filename().string();
  size_t star = base.find('*');
  if (star == std::string::npos) return std::vector<std::string>{path};
  if (base.find('*', star + 1) != std::string::npos || path.find('*') < path.size() - base.size()) {
    return Status::InvalidArgument(path + ": only one '*', in the file name, is supported");
  }
  std::string prefix = base.substr(0, star), suffix = base.substr(star + 1);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::error_code ec;
  std::vector<std::string> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() >= prefix.size() + suffix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        EndsWith(name, suffix) && it->is_regular_file()) {
      out.push_back(it->path().string());
    }
  }
  if (out.empty()) return Status::NotFound(path + ": no file matches");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return errno == ENOENT ? Status::NotFound(path + ": no such file")
                           : Status::IOError(path + ": " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read failed");
  return ss.str();
}

Result<std::vector<Json>> ParseDelimited(const std::string& text, char delimiter,
                                         const std::string& name) {
  std::vector<CsvRow> rows;
  std::vector<int64_t> lines;
  DOKJA_RETURN_IF_ERROR(SplitRows(text, delimiter, name, &rows, &lines));
  if (rows.empty()) return Status::Corrupt(name + ": empty file (expected a header row)");
  const size_t n_cols = rows[0].size();
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != n_cols) {
      return Status::Corrupt(name + ":" + std::to_string(lines[r]) + ": row has " +
                             std::to_string(rows[r].size()) + " cells, the header has " +
                             std::to_string(n_cols));
    }
  }
  std::vector<ColumnType> types;
  for (size_t c = 0; c < n_cols; ++c) types.push_back(InferColumn(rows, c));
  std::vector<Json> out;
  out.reserve(rows.size() - 1);
  for (size_t r = 1; r < rows.size(); ++r) {
    Json obj = Json::object();
    for (size_t c = 0; c < n_cols; ++c) obj[rows[0][c]] = CellValue(rows[r][c], types[c]);
    out.push_back(std::move(obj));
  }
  return out;
}

Result<std::vector<Json>> ParseJsonl(const std::string& text, const std::string& name) {
  std::vector<Json> out;
  size_t pos = 0;
  int64_t line = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line;
    std::string_view s(text.data() + pos, end - pos);
    pos = end + 1;
    if (s.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Json j = Json::parse(s, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::Corrupt(name + ":" + std::to_string(line) + ": not valid JSON");
    if (!j.is_object()) {
      return Status::Corrupt(name + ":" + std::to_string(line) + ": expected a JSON object");
    }
    out.push_back(std::move(j));
  }
  return out;
}

Result<DatasetFile> LoadDataset(const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::vector<std::string> files, ExpandPattern(path));
  DatasetFile out;
  Sha256 chained;
  for (const std::string& file : files) {
    DOKJA_ASSIGN_OR_RETURN(std::string bytes, ReadFileBytes(file));
    std::string digest = Sha256Hex(bytes);
    chained.Update(digest);
    Result<std::vector<Json>> rows = Status::Internal("unset");
    if (EndsWith(file, ".jsonl") || EndsWith(file, ".json")) {
      rows = ParseJsonl(bytes, file);
    } else if (EndsWith(file, ".csv")) {
      rows = ParseDelimited(bytes, ',', file);
    } else if (EndsWith(file, ".tsv")) {
      rows = ParseDelimited(bytes, '\t', file);
    } else {
      return Status::Unsupported(file + ": unknown dataset format (expected .jsonl, .csv or .tsv)");
    }
    if (!rows.ok()) return rows.status();
    for (Json& row : *rows) out.rows.push_back(std::move(row));
    out.files.push_back(file);
    if (files.size() == 1) out.sha256 = digest;
  }
  if (files.size() > 1) out.sha256 = chained.FinalHex();
  return out;
}

}  // namespace dokja::bench::internal
