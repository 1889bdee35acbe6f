#include "tensorfile/model.h"

#include <nlohmann/json.hpp>

namespace dokja {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxConfigBytes = 16 << 20;  // 16 MiB; real configs are a few KiB
constexpr const char* kTokenizerFiles[] = {"tokenizer.json", "tokenizer.model",
                                           "tokenizer_config.json", "vocab.json", "merges.txt",
                                           "special_tokens_map.json"};

int64_t IntField(const Json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && it->is_number_integer()) return it->get<int64_t>();
  }
  return 0;
}

double DoubleField(const Json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    auto it = j.find(k);
    if (it != j.end() && it->is_number()) return it->get<double>();
  }
  return 0;
}

std::string StringField(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void ReadTextConfig(const Json& t, ModelArch* a) {
  if (a->model_type.empty()) a->model_type = StringField(t, "model_type");
  a->n_layers = IntField(t, {"num_hidden_layers", "n_layer", "num_layers"});
  a->d_model = IntField(t, {"hidden_size", "n_embd", "d_model"});
  a->d_ff = IntField(t, {"intermediate_size", "n_inner", "ffn_dim"});
  a->n_heads = IntField(t, {"num_attention_heads", "n_head"});
  a->n_kv_heads = IntField(t, {"num_key_value_heads"});
  if (a->n_kv_heads == 0) a->n_kv_heads = a->n_heads;
  a->head_dim = IntField(t, {"head_dim"});
  if (a->head_dim == 0 && a->n_heads > 0) a->head_dim = a->d_model / a->n_heads;
  a->n_vocab = IntField(t, {"vocab_size"});
  a->n_ctx = IntField(t, {"max_position_embeddings", "n_positions"});
  a->n_experts = IntField(t, {"num_local_experts", "num_experts", "n_routed_experts"});
  a->n_experts_used = IntField(t, {"num_experts_per_tok"});
  a->rope_theta = DoubleField(t, {"rope_theta"});
  a->norm_eps = DoubleField(t, {"rms_norm_eps", "layer_norm_eps", "layer_norm_epsilon"});
  if (auto it = t.find("tie_word_embeddings"); it != t.end() && it->is_boolean()) {
    a->tied_embeddings = it->get<bool>();
  }
  if (auto it = t.find("rope_scaling"); it != t.end() && it->is_object()) {
    a->rope_scaling_type = StringField(*it, "rope_type");
    if (a->rope_scaling_type.empty()) a->rope_scaling_type = StringField(*it, "type");
    a->rope_scaling_factor = DoubleField(*it, {"factor"});
    a->rope_low_freq_factor = DoubleField(*it, {"low_freq_factor"});
    a->rope_high_freq_factor = DoubleField(*it, {"high_freq_factor"});
    a->rope_original_ctx = IntField(*it, {"original_max_position_embeddings"});
  }
}

}  // namespace

Result<ModelArch> ArchFromHfConfig(std::string_view json_text, const std::string& path) {
  Json j = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::Corrupt(path + ": not valid JSON");
  if (!j.is_object()) return Status::Corrupt(path + ": expected a JSON object at the top");
  ModelArch a;
  a.source = "config.json";
  if (auto it = j.find("architectures"); it != j.end()) {
    if (!it->is_array() || (!it->empty() && !(*it)[0].is_string())) {
      return Status::Corrupt(path + ": 'architectures' must be an array of strings");
    }
    if (!it->empty()) a.architecture = (*it)[0].get<std::string>();
  }
  a.model_type = StringField(j, "model_type");
  auto text = j.find("text_config");
  ReadTextConfig(text != j.end() && text->is_object() ? *text : j, &a);
  if (text != j.end() && text->is_object()) {
    if (auto it = text->find("architectures");
        it != text->end() && it->is_array() && !it->empty() && (*it)[0].is_string()) {
      a.text_architecture = (*it)[0].get<std::string>();
    }
  }
  // Tying is often declared at the top level of multimodal configs.
  if (!a.tied_embeddings) {
    if (auto it = j.find("tie_word_embeddings"); it != j.end() && it->is_boolean()) {
      a.tied_embeddings = it->get<bool>();
    }
  }
  a.has_vision_config = j.contains("vision_config");
  a.has_audio_config = j.contains("audio_config");
  return a;
}

ModelArch ArchFromGgufMetadata(const Metadata& md) {
  ModelArch a;
  a.source = "gguf metadata";
  a.architecture = md.GetString("general.architecture").value_or("");
  a.model_type = a.architecture;
  a.name = md.GetString("general.name").value_or("");
  const std::string p = a.architecture + ".";
  auto get = [&](const char* key) { return md.GetInt(p + key).value_or(0); };
  a.n_layers = get("block_count");
  a.d_model = get("embedding_length");
  a.d_ff = get("feed_forward_length");
  a.n_heads = get("attention.head_count");
  a.n_kv_heads = get("attention.head_count_kv");
  if (a.n_kv_heads == 0) a.n_kv_heads = a.n_heads;
  a.head_dim = get("attention.key_length");
  if (a.head_dim == 0 && a.n_heads > 0) a.head_dim = a.d_model / a.n_heads;
  a.n_ctx = get("context_length");
  a.n_experts = get("expert_count");
  a.n_experts_used = get("expert_used_count");
  a.n_vocab = get("vocab_size");
  if (a.n_vocab == 0) {
    if (const MetaValue* tokens = md.Find("tokenizer.ggml.tokens"); tokens && tokens->AsArray()) {
      a.n_vocab = static_cast<int64_t>(tokens->AsArray()->items.size());
    }
  }
  a.rope_theta = md.GetDouble(p + "rope.freq_base").value_or(0);
  a.rope_scaling_type = md.GetString(p + "rope.scaling.type").value_or("");
  a.rope_scaling_factor = md.GetDouble(p + "rope.scaling.factor").value_or(0);
  a.rope_original_ctx = md.GetInt(p + "rope.scaling.original_context_length").value_or(0);
  a.norm_eps = md.GetDouble(p + "attention.layer_norm_rms_epsilon")
                   .value_or(md.GetDouble(p + "attention.layer_norm_epsilon").value_or(0));
  return a;
}

Result<Model> OpenModel(io::Env& env, const std::string& path) {
  Model m;
  m.root = path;
  DOKJA_ASSIGN_OR_RETURN(m.weights, OpenTensorFile(env, path));
  const std::string dir = env.Stat(path) == io::PathKind::kDirectory ? path : io::DirName(path);
  const std::string config = io::JoinPath(dir, "config.json");
  if (env.Stat(config) == io::PathKind::kFile) {
    DOKJA_ASSIGN_OR_RETURN(std::string text, env.ReadFileToString(config, kMaxConfigBytes));
    DOKJA_ASSIGN_OR_RETURN(m.arch, ArchFromHfConfig(text, config));
  } else if (m.weights->format() == TensorFormat::kGguf) {
    m.arch = ArchFromGgufMetadata(m.weights->metadata());
  }
  for (const char* name : kTokenizerFiles) {
    if (env.Stat(io::JoinPath(dir, name)) == io::PathKind::kFile) m.tokenizer_files.push_back(name);
  }
  if (auto kind = m.weights->metadata().GetString("tokenizer.ggml.model")) {
    m.tokenizer_files.push_back("(embedded in GGUF: " + *kind + ")");
  }
  return m;
}

}  // namespace dokja
