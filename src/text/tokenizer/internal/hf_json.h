// Reads the parts of a Hugging Face tokenizer.json into a PipelineSpec:
// model (BPE only), added_tokens, normalizer, pre_tokenizer, decoder and
// post_processor. Errors name the file and the JSON path, e.g.
// "tokenizer.json: model.merges[12]: expected two tokens".
//
// May throw nlohmann::json::exception on shapes it does not check itself;
// the caller (hf_tokenizer.cc) turns those into a Status.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "base/status.h"
#include "text/tokenizer/internal/pipeline_tokenizer.h"

namespace dokja::text::internal {

class HfJsonReader {
 public:
  explicit HfJsonReader(std::string file) : file_(std::move(file)) {}

  Status Read(const nlohmann::json& doc, PipelineSpec* spec);

 private:
  Status Error(const std::string& where, const std::string& what) const;
  Status ReadVocab(const nlohmann::json& model, const nlohmann::json& added, PipelineSpec* spec);
  Status ReadMerges(const nlohmann::json& model, PipelineSpec* spec);
  Status ReadBpeOptions(const nlohmann::json& model, PipelineSpec* spec);
  Status ReadNormalizer(const nlohmann::json& node, const std::string& where,
                        std::vector<NormalizerStep>* steps);
  Status ReadPreTokenizer(const nlohmann::json& node, const std::string& where,
                          std::vector<PreTokenizerStep>* steps);
  Status ReadDecoder(const nlohmann::json& node, PipelineSpec* spec);
  void ReadPostProcessor(const nlohmann::json& node, PipelineSpec* spec);

  std::string file_;
};

}  // namespace dokja::text::internal
