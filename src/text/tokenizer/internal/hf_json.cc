#include "text/tokenizer/internal/hf_json.h"

#include <nlohmann/json.hpp>

namespace dokja::text::internal {
namespace {

using nlohmann::json;

constexpr int64_t kMaxVocab = int64_t{1} << 24;  // 16M ids; real vocabularies stay under 1M

bool GetBool(const json& node, const char* key, bool fallback) {
  auto it = node.find(key);
  return it != node.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string GetString(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string TypeOf(const json& node) {
  return node.is_object() ? GetString(node, "type") : std::string();
}

// HF's {"String": "..."} or {"Regex": "..."} pattern object.
bool ReadPattern(const json& node, std::string* pattern, bool* is_regex) {
  if (!node.is_object()) return false;
  if (auto it = node.find("Regex"); it != node.end() && it->is_string()) {
    *pattern = it->get<std::string>();
    *is_regex = true;
    return true;
  }
  if (auto it = node.find("String"); it != node.end() && it->is_string()) {
    *pattern = it->get<std::string>();
    *is_regex = false;
    return true;
  }
  return false;
}

bool ParseBehavior(const std::string& name, SplitBehavior* out) {
  static const std::pair<const char*, SplitBehavior> kNames[] = {
      {"Isolated", SplitBehavior::kIsolated},
      {"Removed", SplitBehavior::kRemoved},
      {"MergedWithPrevious", SplitBehavior::kMergedWithPrevious},
      {"MergedWithNext", SplitBehavior::kMergedWithNext},
      {"Contiguous", SplitBehavior::kContiguous}};
  for (const auto& [text, value] : kNames) {
    if (name == text) {
      *out = value;
      return true;
    }
  }
  return false;
}

}  // namespace

Status HfJsonReader::Error(const std::string& where, const std::string& what) const {
  return Status::InvalidArgument(file_ + ": " + where + ": " + what);
}

Status HfJsonReader::Read(const json& doc, PipelineSpec* spec) {
  auto model = doc.find("model");
  if (model == doc.end() || !model->is_object()) return Error("model", "missing or not an object");
  const std::string type = TypeOf(*model);
  if (!type.empty() && type != "BPE") {
    return Status::Unsupported(file_ + ": model.type: '" + type + "' is not supported (only BPE)");
  }
  spec->model = PipelineSpec::Model::kBpe;
  static const json kEmptyArray = json::array();
  auto added = doc.find("added_tokens");
  DOKJA_RETURN_IF_ERROR(ReadVocab(*model, added == doc.end() ? kEmptyArray : *added, spec));
  DOKJA_RETURN_IF_ERROR(ReadBpeOptions(*model, spec));
  DOKJA_RETURN_IF_ERROR(ReadMerges(*model, spec));
  if (auto it = doc.find("normalizer"); it != doc.end() && !it->is_null()) {
    DOKJA_RETURN_IF_ERROR(ReadNormalizer(*it, "normalizer", &spec->normalizer));
  }
  if (auto it = doc.find("pre_tokenizer"); it != doc.end() && !it->is_null()) {
    DOKJA_RETURN_IF_ERROR(ReadPreTokenizer(*it, "pre_tokenizer", &spec->pre_tokenizer));
  }
  static const json kNull;
  auto decoder = doc.find("decoder");
  DOKJA_RETURN_IF_ERROR(ReadDecoder(decoder == doc.end() ? kNull : *decoder, spec));
  if (auto it = doc.find("post_processor"); it != doc.end() && it->is_object()) {
    ReadPostProcessor(*it, spec);
  }
  return Status::OK();
}

Status HfJsonReader::ReadVocab(const json& model, const json& added, PipelineSpec* spec) {
  auto vocab_node = model.find("vocab");
  if (vocab_node == model.end() || !vocab_node->is_object()) {
    return Error("model.vocab", "missing or not an object");
  }
  if (!added.is_array()) return Error("added_tokens", "expected an array");
  std::vector<std::string> texts;
  std::vector<TokenType> types;
  auto place = [&](int64_t id, const std::string& text, TokenType type, const std::string& where) {
    if (id < 0 || id >= kMaxVocab) return Error(where, "id " + std::to_string(id) + " out of range");
    if (static_cast<size_t>(id) >= texts.size()) {
      texts.resize(id + 1);
      types.resize(id + 1, TokenType::kUnused);
    }
    if (types[id] != TokenType::kUnused && texts[id] != text) {
      return Error(where, "id " + std::to_string(id) + " given to both '" + texts[id] + "' and '" + text + "'");
    }
    texts[id] = text;
    types[id] = type;
    return Status::OK();
  };
  const bool byte_fallback = GetBool(model, "byte_fallback", false);
  for (const auto& [text, id] : vocab_node->items()) {
    if (!id.is_number_integer()) return Error("model.vocab['" + text + "']", "expected an integer id");
    const TokenType type = byte_fallback && ParseByteToken(text) ? TokenType::kByte : TokenType::kNormal;
    DOKJA_RETURN_IF_ERROR(place(id.get<int64_t>(), text, type, "model.vocab['" + text + "']"));
  }
  for (size_t i = 0; i < added.size(); ++i) {
    const json& t = added[i];
    const std::string where = "added_tokens[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() ||
        !t.contains("content") || !t["content"].is_string()) {
      return Error(where, "expected {\"id\": integer, \"content\": string, ...}");
    }
    const bool special = GetBool(t, "special", false);
    const int64_t id = t["id"].get<int64_t>();
    const std::string content = t["content"].get<std::string>();
    if (id >= 0 && static_cast<size_t>(id) < types.size()) types[id] = TokenType::kUnused;  // added wins
    DOKJA_RETURN_IF_ERROR(place(id, content, special ? TokenType::kControl : TokenType::kUserDefined, where));
    spec->added_tokens.push_back({content, static_cast<int32_t>(id), special,
                                  GetBool(t, "lstrip", false), GetBool(t, "rstrip", false)});
  }
  for (size_t id = 0; id < texts.size(); ++id) spec->vocab.Add(texts[id], 0.0f, types[id]);
  return Status::OK();
}

Status HfJsonReader::ReadBpeOptions(const json& model, PipelineSpec* spec) {
  spec->bpe.byte_fallback = GetBool(model, "byte_fallback", false);
  spec->bpe.ignore_merges = GetBool(model, "ignore_merges", false);
  spec->bpe.fuse_unk = GetBool(model, "fuse_unk", false);
  if (!GetString(model, "continuing_subword_prefix").empty() ||
      !GetString(model, "end_of_word_suffix").empty()) {
    return Status::Unsupported(file_ + ": model: continuing_subword_prefix / end_of_word_suffix are not supported");
  }
  const std::string unk = GetString(model, "unk_token");
  if (!unk.empty()) {
    spec->vocab.unk_id = spec->vocab.Find(unk);
    if (spec->vocab.unk_id < 0) return Error("model.unk_token", "'" + unk + "' is not in the vocabulary");
  }
  return Status::OK();
}

Status HfJsonReader::ReadMerges(const json& model, PipelineSpec* spec) {
  auto merges = model.find("merges");
  if (merges == model.end()) return Status::OK();
  if (!merges->is_array()) return Error("model.merges", "expected an array");
  spec->merges.reserve(merges->size());
  for (size_t i = 0; i < merges->size(); ++i) {
    const json& m = (*merges)[i];
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const size_t space = s.size() > 1 ? s.find(' ', 1) : std::string::npos;
      if (space == std::string::npos) {
        return Error("model.merges[" + std::to_string(i) + "]", "'" + s + "' is not two tokens separated by a space");
      }
      spec->merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      spec->merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      return Error("model.merges[" + std::to_string(i) + "]", "expected \"a b\" or [\"a\", \"b\"]");
    }
  }
  return Status::OK();
}

Status HfJsonReader::ReadNormalizer(const json& node, const std::string& where,
                                    std::vector<NormalizerStep>* steps) {
  const std::string type = TypeOf(node);
  using Kind = NormalizerStep::Kind;
  if (type == "Sequence") {
    auto list = node.find("normalizers");
    if (list == node.end() || !list->is_array()) return Error(where + ".normalizers", "expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      DOKJA_RETURN_IF_ERROR(ReadNormalizer((*list)[i], where + ".normalizers[" + std::to_string(i) + "]", steps));
    }
  } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    const Kind kind = type == "NFC" ? Kind::kNfc : type == "NFD" ? Kind::kNfd : type == "NFKC" ? Kind::kNfkc : Kind::kNfkd;
    steps->push_back({kind, "", ""});
  } else if (type == "Prepend") {
    steps->push_back({Kind::kPrepend, "", GetString(node, "prepend")});
  } else if (type == "Replace") {
    std::string pattern;
    bool is_regex = false;
    if (!node.contains("pattern") || !ReadPattern(node["pattern"], &pattern, &is_regex)) {
      return Error(where + ".pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }
    if (is_regex) return Status::Unsupported(file_ + ": " + where + ": Replace with a Regex pattern is not supported");
    steps->push_back({Kind::kReplace, pattern, GetString(node, "content")});
  } else {
    return Status::Unsupported(file_ + ": " + where + ": normalizer '" + type + "' is not supported");
  }
  return Status::OK();
}

Status HfJsonReader::ReadPreTokenizer(const json& node, const std::string& where,
                                      std::vector<PreTokenizerStep>* steps) {
  const std::string type = TypeOf(node);
  if (type == "Sequence") {
    auto list = node.find("pretokenizers");
    if (list == node.end() || !list->is_array()) return Error(where + ".pretokenizers", "expected an array");
    for (size_t i = 0; i < list->size(); ++i) {
      DOKJA_RETURN_IF_ERROR(ReadPreTokenizer((*list)[i], where + ".pretokenizers[" + std::to_string(i) + "]", steps));
    }
  } else if (type == "ByteLevel") {
    steps->push_back(PreTokenizerStep::ByteLevel(GetBool(node, "add_prefix_space", false),
                                                 GetBool(node, "use_regex", true)));
  } else if (type == "Split") {
    SplitRule rule;
    if (!node.contains("pattern") || !ReadPattern(node["pattern"], &rule.pattern, &rule.is_regex)) {
      return Error(where + ".pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
    }
    if (!ParseBehavior(GetString(node, "behavior"), &rule.behavior)) {
      return Error(where + ".behavior", "unknown split behavior '" + GetString(node, "behavior") + "'");
    }
    rule.invert = GetBool(node, "invert", false);
    steps->push_back(PreTokenizerStep::Split(std::move(rule)));
  } else if (type == "Digits") {
    const char* pattern = GetBool(node, "individual_digits", false) ? "\\p{N}" : "\\p{N}+";
    steps->push_back(PreTokenizerStep::Split(SplitRule{pattern, true, SplitBehavior::kIsolated, false}));
  } else if (type == "Metaspace") {
    MetaspaceStep meta;
    if (node.contains("replacement")) meta.replacement = GetString(node, "replacement");
    const std::string scheme = GetString(node, "prepend_scheme");
    if (scheme == "first") {
      meta.prepend = MetaspaceStep::Prepend::kFirst;
    } else if (scheme == "never" || (scheme.empty() && !GetBool(node, "add_prefix_space", true))) {
      meta.prepend = MetaspaceStep::Prepend::kNever;
    }
    meta.split = GetBool(node, "split", true);
    steps->push_back(PreTokenizerStep::Metaspace(std::move(meta)));
  } else {
    return Status::Unsupported(file_ + ": " + where + ": pre-tokenizer '" + type + "' is not supported");
  }
  return Status::OK();
}

Status HfJsonReader::ReadDecoder(const json& node, PipelineSpec* spec) {
  // Only two decoders exist here: byte-level, or SentencePiece-style (U+2581
  // to space, <0xXX> to bytes; what HF's Metaspace and Llama-2's Replace +
  // ByteFallback + Fuse + Strip chain do). Look for the kinds used anywhere in
  // the (possibly nested) chain.
  bool byte_level = false;
  bool strip = false;
  std::vector<const json*> stack = {&node};
  while (!stack.empty()) {
    const json* d = stack.back();
    stack.pop_back();
    const std::string type = TypeOf(*d);
    if (type == "Sequence" && d->contains("decoders") && (*d)["decoders"].is_array()) {
      for (const json& child : (*d)["decoders"]) stack.push_back(&child);
    } else if (type == "ByteLevel") {
      byte_level = true;
    } else if (type == "Metaspace") {
      strip = strip || (GetString(*d, "prepend_scheme") != "never" && GetBool(*d, "add_prefix_space", true));
    } else if (type == "Strip") {
      strip = strip || (GetString(*d, "content") == " " && d->value("start", 0) > 0);
    }
  }
  // A byte-level pre-tokenizer needs byte-level decoding even when the
  // decoder section is missing.
  for (const auto& step : spec->pre_tokenizer) byte_level |= step.kind == PreTokenizerStep::Kind::kByteLevel;
  spec->decoder = byte_level ? PipelineSpec::Decoder::kByteLevel : PipelineSpec::Decoder::kSentencePiece;
  spec->decode_strips_leading_space = !byte_level && strip;
  return Status::OK();
}

void HfJsonReader::ReadPostProcessor(const json& node, PipelineSpec* spec) {
  // TemplateProcessing whose single-sequence template starts with a special
  // token: that token is the BOS the model expects (Llama-3's <|begin_of_text|>).
  std::vector<const json*> candidates = {&node};
  if (TypeOf(node) == "Sequence" && node.contains("processors") && node["processors"].is_array()) {
    for (const json& p : node["processors"]) candidates.push_back(&p);
  }
  for (const json* p : candidates) {
    if (TypeOf(*p) != "TemplateProcessing" || !p->contains("single") || !(*p)["single"].is_array() ||
        (*p)["single"].empty()) {
      continue;
    }
    const json& first = (*p)["single"][0];
    if (!first.is_object() || !first.contains("SpecialToken")) continue;
    const int32_t id = spec->vocab.Find(GetString(first["SpecialToken"], "id"));
    if (id >= 0) {
      spec->vocab.bos_id = id;
      spec->add_bos_default = true;
    }
  }
}

}  // namespace dokja::text::internal
