#include "audit/internal/anchors.h"

#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "base/float_conv.h"
#include "io/env.h"

namespace dokja::audit::internal {
namespace {

constexpr uint64_t kMaxTokenizerBytes = 256ull << 20;  // 256 MiB

// token string -> id, for anchor strings only (lowest id wins).
using AnchorIds = std::map<std::string, uint64_t>;

void Offer(AnchorIds* ids, const std::string& token, uint64_t id) {
  static const std::unordered_map<std::string, int> wanted = [] {
    std::unordered_map<std::string, int> w;
    for (const std::string& a : AnchorTokens()) w.emplace(a, 0);
    return w;
  }();
  const std::string norm = NormaliseToken(token);
  if (wanted.count(norm) == 0) return;
  auto [it, inserted] = ids->emplace(norm, id);
  if (!inserted && id < it->second) it->second = id;
}

Result<AnchorIds> IdsFromTokenizerJson(const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string text,
                         io::Env::Default().ReadFileToString(path, kMaxTokenizerBytes));
  AnchorIds ids;
  try {
    const auto j = nlohmann::json::parse(text);
    if (!j.contains("model") || !j["model"].contains("vocab")) return ids;
    const auto& vocab = j["model"]["vocab"];
    if (vocab.is_object()) {  // BPE / WordPiece: token -> id
      for (const auto& [token, id] : vocab.items()) {
        if (id.is_number_unsigned()) Offer(&ids, token, id.get<uint64_t>());
      }
    } else if (vocab.is_array()) {  // Unigram: [[piece, score], ...]
      for (size_t i = 0; i < vocab.size(); ++i) {
        if (vocab[i].is_array() && !vocab[i].empty() && vocab[i][0].is_string()) {
          Offer(&ids, vocab[i][0].get<std::string>(), i);
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(path + ": not a valid tokenizer.json: " + e.what());
  }
  return ids;
}

AnchorIds IdsFromGguf(const Metadata& md) {
  AnchorIds ids;
  const MetaValue* tokens = md.Find("tokenizer.ggml.tokens");
  if (tokens == nullptr || tokens->AsArray() == nullptr) return ids;
  const auto& items = tokens->AsArray()->items;
  for (size_t i = 0; i < items.size(); ++i) {
    if (const std::string* s = items[i].AsString()) Offer(&ids, *s, i);
  }
  return ids;
}

}  // namespace

const std::vector<std::string>& AnchorTokens() {
  static const std::vector<std::string> tokens = {
      " the", " of", " and", " to", " in", " a", " is", " that", " for", " it", " was", " on",
      " with", " as", " be", " by", " at", " this", " from", " or", " are", " not", " have",
      " an", " which", " but", " his", " they", " one", " all", " we", " can", " their", " has",
      " more", " will", " been", " would", " there", " time", " new", " about", " also",
      " first", " people", " year", " two", " after", " some", " when", " The", " I", " He",
      " It", " In", "the", "of", "and", "in", "to", "a", "The", ",", ".", ":", ";", "!", "?",
      "(", ")", "\"", "'", "-", "/", " (", " \"", " -", "\n", "0", "1", "2", "3", "4", "5", "6",
      "7", "8", "9", " 1", " 2", "이", "의", "는", "을", "에", "가", "다", "고", "하", " 이",
      " 그", " 수", " 있", " 한", " 것",
  };
  return tokens;
}

std::string NormaliseToken(const std::string& token) {
  if (token == "\xC4\x8A" || token == "<0x0A>") return "\n";
  if (token.rfind("\xC4\xA0", 0) == 0) return " " + token.substr(2);      // Ġ
  if (token.rfind("\xE2\x96\x81", 0) == 0) return " " + token.substr(3);  // ▁
  return token;
}

Result<std::vector<AnchorEmbedding>> AnchorEmbeddings(const Model& model,
                                                      const std::vector<CanonicalName>& canon,
                                                      uint32_t n_cols, std::vector<uint32_t>* cols) {
  std::vector<AnchorEmbedding> out;
  cols->clear();
  const TensorInfo* embd = nullptr;
  for (size_t i = 0; i < canon.size(); ++i) {
    if (canon[i].component == Component::kText && canon[i].role == Role::kTokenEmbed &&
        model.weights->tensors()[i].shape.size() == 2) {
      embd = &model.weights->tensors()[i];
    }
  }
  if (embd == nullptr || !Traits(embd->dtype).can_dequantize) return out;
  io::Env& env = io::Env::Default();
  const std::string dir =
      env.Stat(model.root) == io::PathKind::kDirectory ? model.root : io::DirName(model.root);
  AnchorIds ids;
  if (env.Stat(io::JoinPath(dir, "tokenizer.json")) == io::PathKind::kFile) {
    DOKJA_ASSIGN_OR_RETURN(ids, IdsFromTokenizerJson(io::JoinPath(dir, "tokenizer.json")));
  } else {
    ids = IdsFromGguf(model.weights->metadata());
  }
  const uint64_t d = embd->row_elements();
  if (ids.empty()) return out;
  for (uint64_t c : BottomIndices(d, n_cols, true)) {
    cols->push_back(static_cast<uint32_t>(c));
  }
  std::vector<float> row(d);
  for (const auto& [token, id] : ids) {
    if (id >= embd->n_rows()) continue;
    DOKJA_RETURN_IF_ERROR(model.weights->ReadRowsF32(*embd, id, id + 1, row.data()));
    AnchorEmbedding a;
    a.token = token;
    a.token_id = id;
    a.values.reserve(cols->size());
    for (uint32_t c : *cols) a.values.push_back(F32ToF16(BitsToF32(CanonicalF32Bits(row[c]))));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace dokja::audit::internal
