// Split rules for GGUF `tokenizer.ggml.pre` names, copied as facts from
// llama.cpp's llama-vocab.cpp (llm_tokenizer_bpe and the pre-type table).
// Every preset splits with Isolated behaviour, as llama.cpp does.
#include "text/tokenizer/internal/pre_tokenizer.h"

#include <initializer_list>

namespace dokja::text::internal {
namespace {

constexpr const char* kGpt2NoTail =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// Code points with canonical singleton decompositions (U+1F7D, U+1FBE,
// U+1FD3, U+1FDB, U+2126, U+212A) are written as \x{...} so that no editor
// or tool normalising this file can change the ranges.
constexpr const char* kDeepseekLlmLetters =
    R"(\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\x{1F7D}ᾀ-ᾴᾶ-ᾼ\x{1FBE}ῂ-ῄῆ-ῌῐ-\x{1FD3}ῖ-\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\x{2126}ℨ\x{212A}-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+)";
constexpr const char* kCjk = R"([一-龥ࠀ-一가-퟿]+)";

std::vector<SplitRule> Rules(std::initializer_list<const char*> patterns) {
  std::vector<SplitRule> rules;
  for (const char* p : patterns) rules.push_back(SplitRule{p, true, SplitBehavior::kIsolated, false});
  return rules;
}

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

Result<GgufPreTokenizerSpec> GgufPreTokenizerRules(std::string_view name) {
  GgufPreTokenizerSpec spec;
  if (name == "default") {
    spec.rules = Rules({R"([\p{P}\$\+<=>\^~\|]+)", kGpt2NoTail, R"(\p{N}+)", "[0-9][0-9][0-9]"});
  } else if (OneOf(name, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral",
                          "midm-2.0", "lfm2", "dbrx", "smaug-bpe", "glm4", "chatglm-bpe"})) {
    spec.rules = Rules({kLlama3});
    spec.ignore_merges = !OneOf(name, {"dbrx", "smaug-bpe", "glm4", "chatglm-bpe"});
  } else if (name == "deepseek-llm") {
    spec.rules = Rules({"[\r\n]", kDeepseekLlmLetters,
                        R"(\s?[!-/:-~！-／：-～‘-‟　-。]+)", R"(\s+$)", kCjk, R"(\p{N}+)"});
  } else if (name == "deepseek-coder") {
    spec.rules = Rules({"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjk, R"(\p{N})"});
  } else if (OneOf(name, {"deepseek-v3", "hunyuan-dense"})) {
    spec.rules = Rules({R"(\p{N}{1,3})", R"([一-龥぀-ゟ゠-ヿ]+)",
                        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"});
  } else if (OneOf(name, {"qwen2", "deepseek-r1-qwen", "kormo", "megrez", "stablelm2", "hunyuan",
                          "grok-2"})) {
    spec.rules = Rules({kQwen2});
  } else if (name == "falcon") {
    spec.rules = Rules({R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2NoTail, "[0-9][0-9][0-9]"});
  } else if (OneOf(name, {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone",
                          "minerva-7b"})) {
    spec.rules = Rules({R"(\p{N})", kGpt2NoTail});
  } else if (OneOf(name, {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es",
                          "jina-v2-de", "jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt",
                          "olmo", "jais", "trillion", "exaone4", "a.x-4.0", "mellum"})) {
    spec.rules = Rules({kGpt2NoTail});
  } else {
    return Status::Unsupported("tokenizer.ggml.pre: pre-tokenizer '" + std::string(name) +
                               "' is not supported (see docs/tokenizers.md)");
  }
  return spec;
}

}  // namespace dokja::text::internal
