// The arena's configuration (`dokja serve --arena FILE`, docs/web-api.md):
// which models battle, through which backend, and how answers are generated.
//
//   models:
//     - name: team-a-model           # revealed after the vote; unique
//       team: Team A                 # optional
//       aliases: [TA-1, "에이"]       # optional: more self-names to void on
//       prompt: chat                 # chat (default) | plain (raw text prompt)
//       backend: {type: engine, model: path/to/model, n_sessions: 1}
//     - name: team-b-model
//       backend: {type: chat, url: http://10.0.0.5:8000/v1, model: served, api_key_env: KEY}
//   generation: {max_tokens: 512, temperature: 0.7}
//   prompts: ["Explain ...", ...]     # the task list users may pick from
//   workers: 4                        # generation threads (two per battle)
//   max_pending: 32                   # battles queued at most; more: 503
//   leaderboard: {bootstrap_rounds: 1000, refresh_ms: 5000}
//
// Backend types: engine (in process; `model` is relative to the config
// file), chat (OpenAI chat completions), completions (OpenAI completions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "bench/backend_factory.h"

namespace dokja::web {

struct ArenaModelConfig {
  std::string name;
  std::string team;                  // "" = none
  std::vector<std::string> aliases;  // extra self-names (case-insensitive)
  bool chat = true;                  // false: the prompt is sent as plain text
  bench::BackendConfig backend;
};

struct ArenaConfig {
  std::vector<ArenaModelConfig> models;
  int32_t max_tokens = 512;
  double temperature = 0.7;
  std::vector<std::string> prompts;
  int32_t workers = 4;
  int32_t max_pending = 32;
  int32_t bootstrap_rounds = 1000;
  int64_t refresh_ms = 5000;
};

// Parses the YAML text; `source` names the file in errors and relative
// engine model paths resolve against its folder. InvalidArgument naming the
// field for anything missing or malformed (fewer than two models, a
// duplicate name, an unknown backend type, ...).
Result<ArenaConfig> ParseArenaConfig(const std::string& text, const std::string& source);
// Reads and parses a file; NotFound when it is missing.
Result<ArenaConfig> LoadArenaConfig(const std::string& path);

}  // namespace dokja::web
