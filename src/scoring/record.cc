#include "scoring/record.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/sha256.h"
#include "scoring/internal/outcome_json.h"
#include "scoring/internal/record_io.h"

#ifndef DOKJA_VERSION
#define DOKJA_VERSION "dev"
#endif

namespace dokja::scoring {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kGenesis(64, '0');

std::string EntryHash(const json& e) {
  const json hashed = {{"body", e.at("body")}, {"prev", e.at("prev")}, {"seq", e.at("seq")}, {"type", e.at("type")}};
  return Sha256Hex(hashed.dump());
}

struct Chain {
  std::vector<json> entries;
  std::string head = kGenesis;
};

Status CheckEntry(const json& e, uint64_t seq, const std::string& prev, const std::string& where) {
  if (!e.is_object() || !e.contains("seq") || !e.contains("type") || !e.contains("body") || !e.contains("prev") ||
      !e.contains("hash") || !e["hash"].is_string() || !e["seq"].is_number_unsigned() || !e["type"].is_string()) {
    return Status::Corrupt(where + ": not a record entry (needs seq, type, body, prev, hash)");
  }
  if (e["seq"].get<uint64_t>() != seq) {
    return Status::Corrupt(where + ": sequence number " + std::to_string(e["seq"].get<uint64_t>()) + ", expected " +
                           std::to_string(seq) + " (an entry was deleted, inserted or moved)");
  }
  if (e["prev"] != prev) {
    return Status::Corrupt(where + ": prev hash does not match the entry before it (deleted or reordered entries)");
  }
  if (EntryHash(e) != e["hash"].get<std::string>()) {
    return Status::Corrupt(where + ": hash does not match the entry's content (the entry was edited)");
  }
  return Status::OK();
}

Status CheckSeal(const json& e, uint64_t index, const std::string& prev, const std::string& where) {
  const json& b = e["body"];
  if (!b.is_object() || !b.contains("entries") || !b["entries"].is_number_unsigned() ||
      b["entries"].get<uint64_t>() != index || !b.contains("head") || b["head"] != prev) {
    return Status::Corrupt(where + ": seal does not cover the " + std::to_string(index) + " entries before it");
  }
  return Status::OK();
}

Result<Chain> ReadChain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the stage record");
  Chain c;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no);
    if (line.empty()) return Status::Corrupt(where + ": empty line inside the record");
    json e;
    try {
      e = json::parse(line);
    } catch (const json::exception& ex) {
      return Status::Corrupt(where + ": not valid JSON: " + ex.what());
    }
    DOKJA_RETURN_IF_ERROR(CheckEntry(e, c.entries.size(), c.head, where));
    if (e["type"] == "seal") DOKJA_RETURN_IF_ERROR(CheckSeal(e, c.entries.size(), c.head, where));
    c.head = e["hash"].get<std::string>();
    c.entries.push_back(std::move(e));
  }
  if (c.entries.empty()) return Status::Corrupt(path + ": the record is empty");
  if (c.entries.back()["type"] != "seal") {
    return Status::Corrupt(path + ":" + std::to_string(line_no) +
                           ": the record does not end with a seal (its tail was cut or it is unfinished)");
  }
  return c;
}

RecordSummary Summarise(const Chain& c) {
  RecordSummary s;
  s.n_entries = c.entries.size();
  s.head = c.head;
  for (const auto& e : c.entries) s.n_decisions += e["type"] == "decision";
  return s;
}

json MakeEntry(Chain& c, const std::string& type, json body) {
  json e = {{"seq", c.entries.size()}, {"type", type}, {"body", std::move(body)}, {"prev", c.head}};
  e["hash"] = EntryHash(e);
  c.head = e["hash"].get<std::string>();
  c.entries.push_back(e);
  return e;
}

std::string RelativeTo(const std::string& file, const std::string& dir) {
  std::error_code ec;
  const fs::path abs = fs::absolute(file, ec);
  const fs::path rel = fs::relative(abs, fs::absolute(dir.empty() ? "." : dir, ec), ec);
  return ec || rel.empty() ? abs.string() : rel.generic_string();
}

std::string Resolve(const std::string& recorded, const std::string& record_dir) {
  if (fs::path(recorded).is_absolute()) return recorded;
  return (fs::path(record_dir.empty() ? "." : record_dir) / recorded).lexically_normal().string();
}

}  // namespace

bool RecomputeReport::ok() const {
  for (const auto& d : decisions) {
    if (!d.ok()) return false;
  }
  return true;
}

Result<RecordSummary> VerifyRecord(const std::string& path, const std::string& expected_head) {
  DOKJA_ASSIGN_OR_RETURN(Chain c, ReadChain(path));
  if (!expected_head.empty() && expected_head != c.head) {
    return Status::Corrupt(path + ": head hash " + c.head + " differs from the published " + expected_head);
  }
  return Summarise(c);
}

Result<RecordSummary> AppendDecision(const std::string& path, const StageInputs& inputs,
                                     const StageOutcome& outcome) {
  Chain c;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    DOKJA_ASSIGN_OR_RETURN(c, ReadChain(path));
  }
  const size_t first_new = c.entries.size();
  const std::string dir = fs::path(path).parent_path().string();
  MakeEntry(c, "decision", {{"stage", outcome.stage_id}, {"title", outcome.title}, {"dokja_version", DOKJA_VERSION}});
  for (const auto& f : inputs.files) {
    MakeEntry(c, "input", {{"role", f.role}, {"path", RelativeTo(f.path, dir)}, {"sha256", f.sha256},
                           {"bytes", f.bytes}});
  }
  json body = internal::OutcomeToJson(outcome);
  body.erase("inputs");  // the input entries above are the authority
  MakeEntry(c, "outcome", std::move(body));
  MakeEntry(c, "seal", {{"entries", c.entries.size()}, {"head", c.head}});
  std::ofstream out(path, std::ios::binary | std::ios::app);
  if (!out) return Status::IOError(path + ": cannot open the stage record for appending");
  for (size_t i = first_new; i < c.entries.size(); ++i) out << c.entries[i].dump() << "\n";
  out.flush();
  if (!out) return Status::IOError(path + ": write failed");
  return Summarise(c);
}

namespace internal {

Result<std::vector<json>> ReadRecordEntries(const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(Chain c, ReadChain(path));
  return std::move(c.entries);
}

std::string ResolveRecordedPath(const std::string& recorded, const std::string& record_path) {
  return Resolve(recorded, fs::path(record_path).parent_path().string());
}

}  // namespace internal

}  // namespace dokja::scoring
