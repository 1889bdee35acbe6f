// TokenizerFromHfJson: fills a PipelineSpec from a Hugging Face
// tokenizer.json (BPE model) and the tokenizer_config.json beside it.
// nlohmann::json exceptions stay inside this file.
#include <nlohmann/json.hpp>

#include "text/tokenizer/internal/hf_json.h"
#include "text/tokenizer/internal/pipeline_tokenizer.h"
#include "text/tokenizer/tokenizer.h"

namespace dokja::text {
namespace {

using nlohmann::json;
using internal::HfJsonReader;
using internal::PipelineSpec;

constexpr uint64_t kMaxJsonBytes = uint64_t{512} << 20;  // largest real tokenizer.json ~35 MiB

Result<json> ParseJsonFile(io::Env& env, const std::string& path) {
  DOKJA_ASSIGN_OR_RETURN(std::string text, env.ReadFileToString(path, kMaxJsonBytes));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corrupt(path + ": not valid JSON");
  if (!doc.is_object()) return Status::Corrupt(path + ": top level is not a JSON object");
  return doc;
}

// A token named in tokenizer_config.json: "text" or {"content": "text", ...}.
std::optional<std::string> ConfigTokenText(const json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) {
    auto content = it->find("content");
    if (content != it->end() && content->is_string()) return content->get<std::string>();
  }
  return std::nullopt;
}

Status ApplyConfig(const json& config, const std::string& config_path, PipelineSpec* spec) {
  internal::Vocab& vocab = spec->vocab;
  for (const char* key : {"bos_token", "eos_token"}) {
    const std::optional<std::string> text = ConfigTokenText(config, key);
    if (!text) continue;
    const int32_t id = vocab.Find(*text);
    if (id < 0) {
      return Status::InvalidArgument(config_path + ": " + key + " '" + *text +
                                     "' is not in the vocabulary");
    }
    (std::string_view(key) == "bos_token" ? vocab.bos_id : vocab.eos_id) = id;
  }
  auto add_bos = config.find("add_bos_token");
  if (add_bos != config.end()) {
    if (!add_bos->is_boolean()) {
      return Status::InvalidArgument(config_path + ": add_bos_token: expected a boolean");
    }
    spec->add_bos_default = add_bos->get<bool>();
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> TokenizerFromHfJson(io::Env& env,
                                                       const std::string& tokenizer_json_path) {
  DOKJA_ASSIGN_OR_RETURN(json doc, ParseJsonFile(env, tokenizer_json_path));
  PipelineSpec spec;
  try {
    HfJsonReader reader(tokenizer_json_path);
    DOKJA_RETURN_IF_ERROR(reader.Read(doc, &spec));
    const std::string config_path =
        io::JoinPath(io::DirName(tokenizer_json_path), "tokenizer_config.json");
    if (env.Stat(config_path) == io::PathKind::kFile) {
      DOKJA_ASSIGN_OR_RETURN(json config, ParseJsonFile(env, config_path));
      DOKJA_RETURN_IF_ERROR(ApplyConfig(config, config_path, &spec));
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(tokenizer_json_path + ": " + e.what());
  }
  Result<std::unique_ptr<Tokenizer>> tokenizer = internal::BuildPipelineTokenizer(std::move(spec));
  if (!tokenizer.ok()) return tokenizer.status().WithPrefix(tokenizer_json_path);
  return tokenizer;
}

}  // namespace dokja::text
