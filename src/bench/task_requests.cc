// BuildRequests: few-shot contexts, chat messages and the request list.
#include <optional>
#include <set>

#include "bench/internal/ifeval.h"
#include "bench/internal/rng.h"
#include "bench/internal/task_state.h"

namespace dokja::bench {
namespace {

using Json = nlohmann::json;

// Indices of `k` distinct pool rows for doc `doc_id`, never `exclude`.
std::vector<size_t> DrawShots(const LoadedTaskState& s, int64_t doc_id, int64_t exclude) {
  const size_t k = static_cast<size_t>(s.num_fewshot);
  std::vector<size_t> out;
  if (k == 0) return out;
  internal::SplitMix64 rng(internal::MixSeed(s.fewshot_seed, static_cast<uint64_t>(doc_id)));
  std::set<size_t> taken;
  const size_t n = s.pool.size();
  while (out.size() < k) {
    const size_t idx = rng.Below(n);
    if (static_cast<int64_t>(idx) == exclude || !taken.insert(idx).second) continue;
    out.push_back(idx);
  }
  return out;
}

struct Shot {
  std::string text, target;
};

// Pool rows rendered once each, on first use (shots repeat across docs).
using ShotCache = std::vector<std::optional<Shot>>;

Result<std::vector<Shot>> Shots(const LoadedTaskState& s, int64_t doc_id, ShotCache* cache) {
  std::vector<Shot> out;
  for (size_t idx : DrawShots(s, doc_id, s.pool_is_docs ? doc_id : -1)) {
    std::optional<Shot>& cached = (*cache)[idx];
    if (!cached) {
      DOKJA_ASSIGN_OR_RETURN(PreparedDoc p, PrepareDoc(s, s.pool[idx], s.pool_label, static_cast<int64_t>(idx)));
      cached = Shot{std::move(p.text), std::move(p.target)};
    }
    out.push_back(*cached);
  }
  return out;
}

Result<std::string> Description(const LoadedTaskState& s, const Json& doc, const std::string& where) {
  if (!s.description) return std::string();
  Result<std::string> d = s.description->Render(doc);
  if (!d.ok()) return d.status().WithPrefix(where + ": description");
  return std::move(*d);
}

std::string PlainContext(const LoadedTaskState& s, const std::string& description,
                         const std::vector<Shot>& shots, const std::string& text) {
  std::string ctx = description;
  for (const Shot& shot : shots) {
    ctx += shot.text + s.spec.target_delimiter + shot.target + s.spec.fewshot_delimiter;
  }
  return ctx + text;
}

std::vector<Message> ChatMessages(const LoadedTaskState& s, const std::string& description,
                                  const std::vector<Shot>& shots, const std::string& text) {
  std::vector<Message> out;
  if (!s.spec.system_instruction.empty()) out.push_back({"system", s.spec.system_instruction});
  if (!s.spec.fewshot_as_multiturn) {
    out.push_back({"user", PlainContext(s, description, shots, text)});
    return out;
  }
  std::string prefix = description;
  for (const Shot& shot : shots) {
    out.push_back({"user", prefix + shot.text});
    out.push_back({"assistant", shot.target});
    prefix.clear();
  }
  out.push_back({"user", prefix + text});
  return out;
}

std::string MessagesJson(const std::vector<Message>& messages) {
  Json arr = Json::array();
  for (const Message& m : messages) arr.push_back({{"role", m.role}, {"content", m.content}});
  return arr.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void AddRequests(const LoadedTaskState& s, const PreparedDoc& doc, Request base, TaskRequests* out) {
  switch (s.spec.output_type) {
    case OutputType::kMultipleChoice:
      base.kind = RequestKind::kLoglikelihood;
      for (const std::string& choice : doc.choices) {
        // In chat form the answer opens the assistant turn: no delimiter.
        base.continuation = (s.chat ? "" : s.spec.target_delimiter) + choice;
        out->requests.push_back(base);
      }
      break;
    case OutputType::kGenerateUntil:
      base.kind = RequestKind::kGenerate;
      base.gen = s.spec.gen;
      for (int32_t r = 0; r < s.spec.repeats; ++r) {
        base.gen.seed = s.spec.gen.seed + static_cast<uint64_t>(r);
        out->requests.push_back(base);
      }
      break;
    case OutputType::kLoglikelihoodRolling:
      base.kind = RequestKind::kLoglikelihoodRolling;
      base.messages.clear();  // a rolling score is of plain text
      base.context = doc.target.empty() ? doc.text : doc.target;
      out->requests.push_back(base);
      break;
  }
}

// Python string literal body after the opening quote; *pos ends past the close.
Result<std::string> PyString(std::string_view t, size_t* pos) {
  const char quote = t[(*pos)++];
  std::string out;
  while (*pos < t.size() && t[*pos] != quote) {
    char c = t[(*pos)++];
    if (c != '\\' || *pos >= t.size()) {
      out.push_back(c);
      continue;
    }
    char e = t[(*pos)++];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case '\\': case '\'': case '"': out.push_back(e); break;
      default: out.push_back('\\'), out.push_back(e);
    }
  }
  if (*pos >= t.size()) return Status::InvalidArgument("unterminated string in choice list");
  ++*pos;
  return out;
}

}  // namespace

Result<std::vector<std::string>> ParseChoiceList(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_discarded() && j.is_array()) {
    for (const Json& v : j) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    return out;
  }
  size_t pos = text.find_first_not_of(" \n\t");
  if (pos == std::string_view::npos || text[pos] != '[') {
    return Status::InvalidArgument("expected a list such as ['A', 'B'], got '" + std::string(text.substr(0, 80)) + "'");
  }
  ++pos;
  while (true) {
    pos = text.find_first_not_of(" \n\t,", pos);
    if (pos == std::string_view::npos) return Status::InvalidArgument("unterminated choice list");
    if (text[pos] == ']') break;
    if (text[pos] == '\'' || text[pos] == '"') {
      DOKJA_ASSIGN_OR_RETURN(std::string s, PyString(text, &pos));
      out.push_back(std::move(s));
    } else {
      size_t end = text.find_first_of(",]", pos);
      if (end == std::string_view::npos) return Status::InvalidArgument("unterminated choice list");
      std::string_view item = text.substr(pos, end - pos);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      out.emplace_back(item);
      pos = end;
    }
  }
  return out;
}

Result<TaskRequests> BuildRequests(const LoadedTask& task) {
  const LoadedTaskState& s = LoadedTaskAccess::State(task);
  TaskRequests out;
  ShotCache cache(s.pool.size());
  for (size_t i = 0; i < s.docs.size(); ++i) {
    const int64_t doc_id = static_cast<int64_t>(i);
    const std::string where = s.docs_label + " row " + std::to_string(i + 1);
    DOKJA_ASSIGN_OR_RETURN(PreparedDoc doc, PrepareDoc(s, s.docs[i], s.docs_label, doc_id));
    if (s.needs_instructions) {
      Status valid = internal::ValidateInstructions(s.docs[i]);
      if (!valid.ok()) return valid.WithPrefix(where);
    }
    DOKJA_ASSIGN_OR_RETURN(std::vector<Shot> shots, Shots(s, doc_id, &cache));
    DOKJA_ASSIGN_OR_RETURN(std::string description, Description(s, s.docs[i], where));
    Instance inst;
    inst.doc_id = doc_id;
    inst.first_request = out.requests.size();
    Request base;
    if (s.chat && s.spec.output_type != OutputType::kLoglikelihoodRolling) {
      base.messages = ChatMessages(s, description, shots, doc.text);
      inst.prompt = MessagesJson(base.messages);
    } else {
      base.context = PlainContext(s, description, shots, doc.text);
      inst.prompt = base.context;
    }
    AddRequests(s, doc, std::move(base), &out);
    if (s.spec.output_type == OutputType::kLoglikelihoodRolling) inst.prompt = out.requests.back().context;
    inst.n_requests = out.requests.size() - inst.first_request;
    out.instances.push_back(std::move(inst));
  }
  return out;
}

}  // namespace dokja::bench
