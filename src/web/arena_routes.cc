// The arena routes (docs/web-api.md "Arena"): blind battles streamed by SSE,
// votes with idempotency keys and daily caps, reveal after the vote, direct
// scoring, the leaderboard, outlier flags and the export for the stage
// decision. Each handler parses, calls the store or the ArenaService once or
// twice, and encodes the reply; generation runs on the service's threads.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "web/arena_export.h"
#include "web/arena_service.h"
#include "web/http_util.h"
#include "web/routes.h"

namespace dokja::web {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
// How long one SSE wait lasts before a keep-alive comment is sent.
constexpr int64_t kStreamPollMs = 1000;

using Service = std::shared_ptr<ArenaService>;

// The caller's own battle, or an error already sent (404 for anyone else's,
// so battle ids of other users reveal nothing).
std::optional<store::Battle> OwnBattle(Call& call, int n = 1) {
  const int64_t id = PathId(call, n);
  if (id == 0) return std::nullopt;
  Result<store::Battle> battle = call.app.store().GetBattle(id);
  if (!battle.ok() || battle->user_id != call.caller->account.id) {
    SendError(call, 404, "not_found", "battle " + std::to_string(id) + " does not exist");
    return std::nullopt;
  }
  return std::move(battle).value();
}

const std::string& LeftText(const store::Battle& b) { return b.a_on_left ? b.response_a : b.response_b; }
const std::string& RightText(const store::Battle& b) { return b.a_on_left ? b.response_b : b.response_a; }

Json BattleJson(const store::Battle& b) {
  Json j = {{"id", b.id},
            {"prompt", b.prompt},
            {"left_text", LeftText(b)},
            {"right_text", RightText(b)},
            {"state", std::string(store::BattleStateName(b.state))}};
  if (b.state == store::BattleState::kVoted) {
    j["left_model"] = b.a_on_left ? b.model_a : b.model_b;
    j["right_model"] = b.a_on_left ? b.model_b : b.model_a;
  }
  return j;
}

void CreateBattle(Call& call, ArenaService& arena) {
  Result<Json> body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  Result<std::string> prompt = StringField(*body, "prompt");
  if (!prompt.ok()) return SendStatus(call, prompt.status());
  Result<store::Battle> battle = arena.StartBattle(call.caller->account.id, *prompt, call.app.NowMs());
  if (!battle.ok()) return SendStatus(call, battle.status());
  SendJson(call, 200, {{"id", battle->id}, {"left", "A"}, {"right", "B"}});
}

// The events of a battle this process no longer generates: its stored
// answers as one delta per side, then done (or the failure).
std::vector<std::string> ReplayEvents(const store::Battle& b) {
  auto dump = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
  std::vector<std::string> events;
  if (b.state == store::BattleState::kPending) {
    events.push_back(dump({{"error", "the battle's generation was interrupted; start a new one"}}));
    return events;
  }
  if (b.state == store::BattleState::kFailed) {
    events.push_back(dump({{"error", "a model failed to answer"}}));
    return events;
  }
  events.push_back(dump({{"side", "left"}, {"delta", LeftText(b)}}));
  events.push_back(dump({{"side", "right"}, {"delta", RightText(b)}}));
  events.push_back(dump({{"done", true}}));
  return events;
}

void StreamBattle(Call& call, ArenaService& arena) {
  std::optional<store::Battle> battle = OwnBattle(call);
  if (!battle) return;
  std::shared_ptr<BattleStream> stream = arena.Stream(battle->id);
  if (!stream) {
    stream = std::make_shared<BattleStream>();
    for (std::string& e : ReplayEvents(*battle)) stream->Push(std::move(e));
    stream->Finish();
  }
  call.res.set_header("Cache-Control", "no-store");
  call.res.set_header("X-Accel-Buffering", "no");  // nginx: pass events through at once
  auto seen = std::make_shared<size_t>(0);
  call.res.set_chunked_content_provider(
      "text/event-stream", [stream, seen](size_t, httplib::DataSink& sink) {
        bool done = false;
        std::vector<std::string> events = stream->Read(*seen, kStreamPollMs, done);
        *seen += events.size();
        std::string out;
        for (const std::string& e : events) out += "data: " + e + "\n\n";
        if (events.empty() && !done) out = ": keep-alive\n\n";
        if (!out.empty() && !sink.write(out.data(), out.size())) return false;
        if (done) sink.done();
        return true;
      });
}

void ShowBattle(Call& call) {
  std::optional<store::Battle> battle = OwnBattle(call);
  if (battle) SendJson(call, 200, BattleJson(*battle));
}

Result<store::VoteChoice> ChoiceFromSide(const std::string& choice, bool a_on_left) {
  if (choice == "left") return a_on_left ? store::VoteChoice::kA : store::VoteChoice::kB;
  if (choice == "right") return a_on_left ? store::VoteChoice::kB : store::VoteChoice::kA;
  if (choice == "tie") return store::VoteChoice::kTie;
  if (choice == "both_bad") return store::VoteChoice::kBothBad;
  return Status::InvalidArgument("field 'choice': expected left, right, tie or both_bad");
}

void Vote(Call& call, ArenaService& arena) {
  std::optional<store::Battle> battle = OwnBattle(call);
  if (!battle) return;
  Result<Json> body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  Result<std::string> choice_name = StringField(*body, "choice");
  if (!choice_name.ok()) return SendStatus(call, choice_name.status());
  Result<std::string> key = StringField(*body, "idempotency_key");
  if (!key.ok()) return SendStatus(call, key.status());
  Result<store::VoteChoice> choice = ChoiceFromSide(*choice_name, battle->a_on_left);
  if (!choice.ok()) return SendStatus(call, choice.status());
  if (key->empty() || key->size() > 128) {
    return SendError(call, 400, "invalid", "field 'idempotency_key': 1 to 128 bytes");
  }
  store::NewVote vote;
  vote.battle_id = battle->id;
  vote.user_id = call.caller->account.id;
  vote.choice = *choice;
  vote.idempotency_key = *key;
  vote.created_ms = call.app.NowMs();
  vote.day = vote.created_ms / kDayMs;
  vote.daily_cap = call.app.options().daily_vote_cap;
  const ArenaModelConfig* a = arena.FindModel(battle->model_a);
  const ArenaModelConfig* b = arena.FindModel(battle->model_b);
  ArenaModelConfig unknown_a{battle->model_a, "", {}, true, {}};
  ArenaModelConfig unknown_b{battle->model_b, "", {}, true, {}};
  vote.void_reason = SelfNamingReason(a ? *a : unknown_a, b ? *b : unknown_b, battle->response_a,
                                      battle->response_b);
  Result<store::VoteReceipt> receipt = call.app.store().SubmitVote(vote);
  if (!receipt.ok()) {
    if (receipt.status().code() == StatusCode::kInvalidArgument) {
      return SendError(call, 409, "conflict", receipt.status().message());
    }
    return SendStatus(call, receipt.status());
  }
  if (receipt->outcome == store::VoteOutcome::kCapReached) {
    call.res.set_header("Retry-After", std::to_string((kDayMs - vote.created_ms % kDayMs) / 1000 + 1));
    return SendError(call, 429, "rate_limited",
                     "daily vote cap of " + std::to_string(vote.daily_cap) + " reached");
  }
  const bool duplicate = receipt->outcome == store::VoteOutcome::kDuplicate;
  Json reply = {{"vote_id", receipt->vote_id},
                {"duplicate", duplicate},
                {"left_model", battle->a_on_left ? battle->model_a : battle->model_b},
                {"right_model", battle->a_on_left ? battle->model_b : battle->model_a},
                {"counted", vote.void_reason.empty()}};
  if (!vote.void_reason.empty()) reply["void_reason"] = vote.void_reason;
  SendJson(call, 200, reply);
}

void DirectScore(Call& call) {
  Result<Json> body = ParseJsonBody(call);
  if (!body.ok()) return SendStatus(call, body.status());
  Result<int64_t> battle_id = IntField(*body, "battle_id");
  if (!battle_id.ok()) return SendStatus(call, battle_id.status());
  Result<std::string> side = StringField(*body, "side");
  if (!side.ok()) return SendStatus(call, side.status());
  Result<int64_t> score = IntField(*body, "score");
  if (!score.ok()) return SendStatus(call, score.status());
  if (*side != "left" && *side != "right") {
    return SendError(call, 400, "invalid", "field 'side': expected left or right");
  }
  Result<store::Battle> battle = call.app.store().GetBattle(*battle_id);
  if (!battle.ok() || battle->user_id != call.caller->account.id) {
    return SendError(call, 404, "not_found", "battle " + std::to_string(*battle_id) + " does not exist");
  }
  store::DirectScore s;
  s.battle_id = battle->id;
  s.user_id = call.caller->account.id;
  s.side = (*side == "left") == battle->a_on_left ? store::BattleSide::kA : store::BattleSide::kB;
  s.score = *score;
  s.comment = OptionalString(*body, "comment");
  s.created_ms = call.app.NowMs();
  if (s.comment.size() > 4096) return SendError(call, 400, "invalid", "field 'comment': longer than 4 KiB");
  Result<int64_t> id = call.app.store().AddDirectScore(s);
  if (!id.ok()) return SendStatus(call, id.status());
  SendJson(call, 200, {{"id", *id}});
}

void ShowLeaderboard(Call& call, ArenaService& arena) {
  std::shared_ptr<const Leaderboard> board = arena.leaderboard();
  Json models = Json::array();
  for (const ModelRating& m : board->models) {
    models.push_back({{"name", m.name}, {"rating", m.rating}, {"ci_lo", m.ci_lo},
                      {"ci_hi", m.ci_hi}, {"votes", m.votes}});
  }
  SendJson(call, 200, {{"models", models}, {"votes", board->votes},
                       {"bootstrap_rounds", board->bootstrap_rounds}});
}

void ShowFlags(Call& call, ArenaService& arena) {
  std::shared_ptr<const Leaderboard> board = arena.leaderboard();
  Json voters = Json::array();
  for (const VoterFlag& f : board->flags) {
    voters.push_back({{"user_id", f.user_id}, {"reason", f.reason}, {"agreement", f.agreement},
                      {"panel_agreement", f.panel_agreement}, {"decisive_votes", f.decisive_votes}});
  }
  SendJson(call, 200, {{"voters", voters}});
}

void Export(Call& call, ArenaService& arena) {
  Result<std::string> csv = ExportBattlesCsv(call.app.store(), arena.config());
  if (!csv.ok()) return SendStatus(call, csv.status());
  call.res.set_header("Content-Disposition", "attachment; filename=\"battles.csv\"");
  call.res.set_content(*csv, "text/csv; charset=utf-8");
}

void ListPrompts(Call& call, ArenaService& arena) {
  Json prompts = Json::array();
  for (size_t i = 0; i < arena.config().prompts.size(); ++i) {
    prompts.push_back({{"id", i + 1}, {"text", arena.config().prompts[i]}});
  }
  SendJson(call, 200, {{"prompts", prompts}});
}

}  // namespace

Status AddArenaRoutes(App& app) {
  ArenaConfig config;
  if (!app.options().arena_config.empty()) {
    DOKJA_ASSIGN_OR_RETURN(config, LoadArenaConfig(app.options().arena_config));
  }
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<ArenaService> made,
                         ArenaService::Create(app.store(), std::move(config)));
  Service arena(std::move(made));
  app.OnShutdown([arena] { arena->Stop(); });
  auto add = [&](std::string name, std::string method, std::string pattern, RoleSet roles,
                 std::function<void(Call&, ArenaService&)> fn, bool streaming = false) {
    Route route;
    route.name = std::move(name);
    route.method = std::move(method);
    route.pattern = std::move(pattern);
    route.roles = roles;
    route.streaming = streaming;
    route.handler = [arena, run = std::move(fn)](Call& call) { run(call, *arena); };
    app.AddRoute(std::move(route));
  };
  add("arena.prompts", "GET", "/api/arena/prompts", kUser, ListPrompts);
  add("arena.battle_create", "POST", "/api/arena/battles", kUser, CreateBattle);
  add("arena.battle_stream", "GET", R"(/api/arena/battles/(\d+)/stream)", kUser, StreamBattle, true);
  add("arena.battle", "GET", R"(/api/arena/battles/(\d+))", kUser,
      [](Call& call, ArenaService&) { ShowBattle(call); });
  add("arena.vote", "POST", R"(/api/arena/battles/(\d+)/vote)", kUser, Vote);
  add("arena.direct", "POST", "/api/arena/direct", kUser,
      [](Call& call, ArenaService&) { DirectScore(call); });
  add("arena.leaderboard", "GET", "/api/arena/leaderboard", kAnyRole, ShowLeaderboard);
  add("arena.export", "GET", "/api/admin/arena/export", kAdmin, Export);
  add("arena.flags", "GET", "/api/admin/arena/flags", kAdmin, ShowFlags);
  return Status::OK();
}

}  // namespace dokja::web
