#include "web/arena_config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

namespace dokja::web {
namespace {

// A config error; caught once in ParseArenaConfig and turned into a Status.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string Where(const std::string& source, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return source + ":" + std::to_string(mark.line + 1);
}

template <typename T>
T Get(const YAML::Node& map, const std::string& key, T fallback, const std::string& source) {
  const YAML::Node n = map[key];
  if (!n) return fallback;
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    throw ConfigError(Where(source, n) + ": '" + key + "' has the wrong type");
  }
}

std::string Required(const YAML::Node& map, const std::string& key, const std::string& what,
                     const std::string& source) {
  const std::string v = Get<std::string>(map, key, "", source);
  if (v.empty()) throw ConfigError(Where(source, map) + ": " + what + " needs '" + key + "'");
  return v;
}

bench::BackendConfig ParseBackend(const YAML::Node& node, const std::string& model_name,
                                  const std::string& source) {
  if (!node || !node.IsMap()) {
    throw ConfigError(Where(source, node) + ": model '" + model_name + "' needs a 'backend' map");
  }
  bench::BackendConfig b;
  const std::string type = Required(node, "type", "backend of '" + model_name + "'", source);
  if (type == "engine") {
    b.type = "engine";
    std::filesystem::path path = Required(node, "model", "engine backend of '" + model_name + "'", source);
    if (path.is_relative()) path = std::filesystem::path(source).parent_path() / path;
    b.model_path = path.string();
    b.n_sessions = Get<int32_t>(node, "n_sessions", 1, source);
    b.n_threads = Get<int32_t>(node, "n_threads", 1, source);
  } else if (type == "chat" || type == "completions") {
    b.type = type == "chat" ? "openai-chat" : "openai-completions";
    b.base_url = Required(node, "url", type + " backend of '" + model_name + "'", source);
    b.model = Get<std::string>(node, "model", "", source);
    b.api_key_env = Get<std::string>(node, "api_key_env", "", source);
    b.timeout_s = Get<double>(node, "timeout_s", 120, source);
  } else {
    throw ConfigError(Where(source, node) + ": backend type '" + type + "' of '" + model_name +
                      "' is not one of engine, chat, completions");
  }
  return b;
}

ArenaModelConfig ParseModel(const YAML::Node& node, const std::string& source) {
  if (!node.IsMap()) throw ConfigError(Where(source, node) + ": each model must be a map");
  ArenaModelConfig m;
  m.name = Required(node, "name", "a model", source);
  m.team = Get<std::string>(node, "team", "", source);
  m.aliases = Get<std::vector<std::string>>(node, "aliases", {}, source);
  const std::string prompt = Get<std::string>(node, "prompt", "chat", source);
  if (prompt != "chat" && prompt != "plain") {
    throw ConfigError(Where(source, node) + ": prompt of '" + m.name + "' must be chat or plain");
  }
  m.chat = prompt == "chat";
  m.backend = ParseBackend(node["backend"], m.name, source);
  return m;
}

ArenaConfig Parse(const YAML::Node& root, const std::string& source) {
  if (!root.IsMap()) throw ConfigError(source + ": expected a map with 'models'");
  const YAML::Node models = root["models"];
  if (!models || !models.IsSequence() || models.size() < 2) {
    throw ConfigError(source + ": 'models' must list at least two models");
  }
  ArenaConfig c;
  std::set<std::string> names;
  for (const YAML::Node& node : models) {
    c.models.push_back(ParseModel(node, source));
    if (!names.insert(c.models.back().name).second) {
      throw ConfigError(Where(source, node) + ": model name '" + c.models.back().name + "' repeats");
    }
  }
  if (const YAML::Node gen = root["generation"]) {
    c.max_tokens = Get<int32_t>(gen, "max_tokens", c.max_tokens, source);
    c.temperature = Get<double>(gen, "temperature", c.temperature, source);
  }
  c.prompts = Get<std::vector<std::string>>(root, "prompts", {}, source);
  c.workers = Get<int32_t>(root, "workers", c.workers, source);
  c.max_pending = Get<int32_t>(root, "max_pending", c.max_pending, source);
  if (const YAML::Node lb = root["leaderboard"]) {
    c.bootstrap_rounds = Get<int32_t>(lb, "bootstrap_rounds", c.bootstrap_rounds, source);
    c.refresh_ms = Get<int64_t>(lb, "refresh_ms", c.refresh_ms, source);
  }
  if (c.max_tokens < 1 || c.workers < 1 || c.max_pending < 1 || c.bootstrap_rounds < 0 ||
      c.refresh_ms < 10 || c.temperature < 0) {
    throw ConfigError(source + ": max_tokens, workers and max_pending must be >= 1, bootstrap_rounds"
                               " >= 0, refresh_ms >= 10, temperature >= 0");
  }
  return c;
}

}  // namespace

Result<ArenaConfig> ParseArenaConfig(const std::string& text, const std::string& source) {
  try {
    return Parse(YAML::Load(text), source);
  } catch (const ConfigError& e) {
    return Status::InvalidArgument(e.what());
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(source + ": not valid YAML: " + e.what());
  }
}

Result<ArenaConfig> LoadArenaConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("arena config " + path + " cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseArenaConfig(text.str(), path);
}

}  // namespace dokja::web
