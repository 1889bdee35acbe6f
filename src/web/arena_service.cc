#include "web/arena_service.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <nlohmann/json.hpp>

namespace dokja::web {
namespace {

constexpr size_t kMaxPromptBytes = 8 << 10;
// Streams stay readable this long after their battle finished (a browser
// that connects late still gets every delta).
constexpr int64_t kKeepFinishedMs = 10 * 60 * 1000;
constexpr int64_t kVotePage = 20000;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string EventJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void BattleStream::Push(std::string event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

void BattleStream::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
  }
  cv_.notify_all();
}

std::vector<std::string> BattleStream::Read(size_t seen, int64_t timeout_ms, bool& done) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
               [&] { return events_.size() > seen || finished_; });
  std::vector<std::string> out;
  for (size_t i = seen; i < events_.size(); ++i) out.push_back(events_[i]);
  done = finished_;
  return out;
}

std::string SelfNamingReason(const ArenaModelConfig& a, const ArenaModelConfig& b,
                             const std::string& response_a, const std::string& response_b) {
  const std::string text_a = Lower(response_a), text_b = Lower(response_b);
  for (const ArenaModelConfig* m : {&a, &b}) {
    std::vector<std::string> names = m->aliases;
    names.push_back(m->name);
    names.push_back(m->team);
    for (const std::string& name : names) {
      if (name.size() < 3) continue;
      const std::string needle = Lower(name);
      const bool in_a = text_a.find(needle) != std::string::npos;
      if (!in_a && text_b.find(needle) == std::string::npos) continue;
      return std::string("an answer names '") + name + "'" +
             (m == &a ? " (model A's identity)" : " (model B's identity)") + ", so the battle is not blind";
    }
  }
  return "";
}

// One side of one battle to generate.
struct ArenaService::Task {
  int64_t battle_id = 0;
  size_t model = 0;
  bool is_a = true;
  bool left = true;
  std::string prompt;
  uint64_t seed = 0;
};

// A battle being generated: its stream and both answers.
struct ArenaService::Live {
  std::shared_ptr<BattleStream> stream = std::make_shared<BattleStream>();
  std::string text[2];   // [0] model A, [1] model B
  std::string error;     // the first backend error
  int32_t sides_left = 2;
  int64_t finished_ms = 0;  // steady clock; 0 while generating
};

ArenaService::ArenaService(store::Store& store, ArenaConfig config)
    : store_(store), config_(std::move(config)), rng_(std::random_device{}()) {}

Result<std::unique_ptr<ArenaService>> ArenaService::Create(store::Store& store, ArenaConfig config) {
  std::unique_ptr<ArenaService> s(new ArenaService(store, std::move(config)));
  for (const ArenaModelConfig& m : s->config_.models) {
    Result<std::unique_ptr<bench::Backend>> backend = bench::MakeBackend(m.backend);
    if (!backend.ok()) return backend.status().WithPrefix("arena model '" + m.name + "'");
    s->backends_.push_back(std::move(backend).value());
  }
  DOKJA_RETURN_IF_ERROR(s->LoadPairCounts());
  const int32_t n_workers = s->config_.models.empty() ? 0 : s->config_.workers;
  for (int32_t i = 0; i < n_workers; ++i) s->workers_.emplace_back([p = s.get()] { p->Worker(); });
  s->board_thread_ = std::thread([p = s.get()] { p->LeaderboardLoop(); });
  return s;
}

ArenaService::~ArenaService() { Stop(); }

void ArenaService::Stop() {
  if (stopped_.exchange(true)) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    tasks_.clear();
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  if (board_thread_.joinable()) board_thread_.join();
}

const ArenaModelConfig* ArenaService::FindModel(const std::string& name) const {
  for (const ArenaModelConfig& m : config_.models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Status ArenaService::LoadPairCounts() {
  for (size_t i = 0; i < config_.models.size(); ++i) {
    for (size_t j = i + 1; j < config_.models.size(); ++j) pairs_[{i, j}] = 0;
  }
  if (config_.models.empty()) return Status::OK();
  DOKJA_ASSIGN_OR_RETURN(std::vector<store::PairCount> counts, store_.CountBattlesByPair());
  for (const store::PairCount& c : counts) {
    size_t i = config_.models.size(), j = i;
    for (size_t k = 0; k < config_.models.size(); ++k) {
      if (config_.models[k].name == c.model_a) i = k;
      if (config_.models[k].name == c.model_b) j = k;
    }
    if (i == config_.models.size() || j == config_.models.size()) continue;
    pairs_[{std::min(i, j), std::max(i, j)}] += c.battles;
  }
  return Status::OK();
}

Result<store::Battle> ArenaService::StartBattle(int64_t user_id, const std::string& prompt,
                                                int64_t now_ms) {
  if (config_.models.size() < 2) {
    return Status::Unavailable("the arena has no models (start dokja serve with --arena FILE)");
  }
  if (prompt.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("field 'prompt': empty");
  }
  if (prompt.size() > kMaxPromptBytes) {
    return Status::InvalidArgument("field 'prompt': longer than 8 KiB");
  }
  store::Battle battle;
  size_t ia = 0, ib = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (generating_ >= config_.max_pending) {
      return Status::Unavailable("the arena is busy (" + std::to_string(generating_) +
                                 " battles generating); try again shortly");
    }
    // The pair shown least so far, a random one among equals.
    int64_t fewest = INT64_MAX;
    std::vector<std::pair<size_t, size_t>> best;
    for (const auto& [pair, n] : pairs_) {
      if (n < fewest) {
        best.clear();
        fewest = n;
      }
      if (n == fewest) best.push_back(pair);
    }
    const auto pair = best[std::uniform_int_distribution<size_t>(0, best.size() - 1)(rng_)];
    const bool swap = (rng_() & 1) != 0;
    ia = swap ? pair.second : pair.first;
    ib = swap ? pair.first : pair.second;
    battle.a_on_left = (rng_() & 1) != 0;
    ++pairs_[pair];
    ++generating_;
  }
  battle.user_id = user_id;
  battle.prompt = prompt;
  battle.model_a = config_.models[ia].name;
  battle.model_b = config_.models[ib].name;
  battle.state = store::BattleState::kPending;
  battle.created_ms = now_ms;
  Result<int64_t> id = store_.CreateBattle(battle);
  std::lock_guard<std::mutex> lock(mu_);
  if (!id.ok()) {
    --generating_;
    return id.status();
  }
  battle.id = *id;
  live_[battle.id] = std::make_shared<Live>();
  const uint64_t seed = rng_();
  tasks_.push_back({battle.id, ia, true, battle.a_on_left, prompt, seed});
  tasks_.push_back({battle.id, ib, false, !battle.a_on_left, prompt, seed + 1});
  cv_.notify_all();
  // Forget streams finished long ago.
  const int64_t now = SteadyMs();
  for (auto it = live_.begin(); it != live_.end();) {
    const bool old = it->second->finished_ms != 0 && now - it->second->finished_ms > kKeepFinishedMs;
    it = old ? live_.erase(it) : std::next(it);
  }
  return battle;
}

std::shared_ptr<BattleStream> ArenaService::Stream(int64_t battle_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(battle_id);
  return it == live_.end() ? nullptr : it->second->stream;
}

void ArenaService::Worker() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    RunTask(task);
  }
}

void ArenaService::RunTask(const Task& task) {
  std::shared_ptr<Live> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    live = live_[task.battle_id];
  }
  const ArenaModelConfig& model = config_.models[task.model];
  bench::Request request;
  request.kind = bench::RequestKind::kGenerate;
  if (model.chat) {
    request.messages = {{"user", task.prompt}};
  } else {
    request.context = task.prompt;
  }
  request.gen.max_tokens = config_.max_tokens;
  request.gen.temperature = config_.temperature;
  request.gen.seed = task.seed;
  const char* side = task.left ? "left" : "right";
  Result<bench::Response> r = backends_[task.model]->CompleteStream(request, [&](std::string_view d) {
    live->stream->Push(EventJson({{"side", side}, {"delta", d}}));
  });
  std::lock_guard<std::mutex> lock(mu_);
  if (r.ok()) {
    live->text[task.is_a ? 0 : 1] = std::move(r->text);
  } else if (live->error.empty()) {
    live->error = std::string(side) + " model failed: " + r.status().message();
  }
  if (--live->sides_left == 0) FinishBattle(task.battle_id, *live);
}

void ArenaService::FinishBattle(int64_t battle_id, Live& live) {
  const store::BattleState state = live.error.empty() ? store::BattleState::kReady
                                                      : store::BattleState::kFailed;
  Status st = store_.SetBattleResponses(battle_id, live.text[0], live.text[1], state);
  if (!st.ok() && live.error.empty()) live.error = "storing the answers failed: " + st.message();
  if (live.error.empty()) {
    live.stream->Push(EventJson({{"done", true}}));
  } else {
    live.stream->Push(EventJson({{"error", live.error}}));
  }
  live.stream->Finish();
  live.finished_ms = SteadyMs();
  --generating_;
}

std::shared_ptr<const Leaderboard> ArenaService::leaderboard() {
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    if (snapshot_) return snapshot_;
  }
  (void)RefreshLeaderboard();  // a failure leaves no snapshot: an empty board below
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  if (!snapshot_) return std::make_shared<const Leaderboard>();
  return snapshot_;
}

Status ArenaService::RefreshLeaderboard() {
  std::lock_guard<std::mutex> board_lock(board_mu_);
  for (;;) {
    DOKJA_ASSIGN_OR_RETURN(std::vector<store::CountedVote> page,
                           store_.ListCountedVotes(last_vote_id_, kVotePage));
    for (const store::CountedVote& v : page) {
      if (v.model_a != v.model_b) tally_.Add({v.user_id, v.model_a, v.model_b, v.choice, v.prompt});
      last_vote_id_ = v.vote_id;
    }
    if (static_cast<int64_t>(page.size()) < kVotePage) break;
  }
  if (tally_.n_votes() == computed_votes_) return Status::OK();
  LeaderboardOptions options;
  options.bootstrap_rounds = config_.bootstrap_rounds;
  auto board = std::make_shared<Leaderboard>(ComputeLeaderboard(tally_, options));
  // Configured models without votes yet are listed last, unrated.
  for (const ArenaModelConfig& m : config_.models) {
    const bool listed = std::any_of(board->models.begin(), board->models.end(),
                                    [&](const ModelRating& r) { return r.name == m.name; });
    if (!listed) board->models.push_back({m.name, 1000, 1000, 1000, 0});
  }
  computed_votes_ = tally_.n_votes();
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  snapshot_ = std::move(board);
  return Status::OK();
}

void ArenaService::LeaderboardLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(config_.refresh_ms), [&] { return stopping_; });
      if (stopping_) return;
    }
    Status st = RefreshLeaderboard();
    if (!st.ok()) {
      std::fprintf(stderr, "{\"level\":\"error\",\"what\":\"arena leaderboard\",\"message\":%s}\n",
                   EventJson(st.message()).c_str());
    }
  }
}

}  // namespace dokja::web
