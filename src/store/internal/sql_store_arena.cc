// SqlStore: arena battles and votes. SubmitVote is the hot path (thousands a
// second): one indexed lookup of the idempotency key outside any
// transaction, then three statements inside a group-committed transaction.
#include <algorithm>
#include <cstdint>
#include <utility>

#include "store/internal/sql_store.h"

namespace dokja::store::internal {
namespace {

// Most votes one group commit writes; keeps each transaction short.
constexpr size_t kMaxBatch = 256;

constexpr std::string_view kBattleColumns =
    "id, user_id, prompt, model_a, model_b, a_on_left, response_a, response_b, state, created_ms";

Battle BattleFromRow(const SqlRow& r) {
  Battle b;
  b.id = AsInt(r[0]);
  b.user_id = AsInt(r[1]);
  b.prompt = AsText(r[2]);
  b.model_a = AsText(r[3]);
  b.model_b = AsText(r[4]);
  b.a_on_left = AsInt(r[5]) != 0;
  b.response_a = AsText(r[6]);
  b.response_b = AsText(r[7]);
  b.state = static_cast<BattleState>(AsInt(r[8]));
  b.created_ms = AsInt(r[9]);
  return b;
}

// The first vote under `vote.idempotency_key`, as a duplicate receipt; an
// empty optional when the key is new. InvalidArgument when the key was used
// for another battle.
Result<std::optional<VoteReceipt>> FindByKey(SqlConn& c, const NewVote& vote) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT id, battle_id FROM votes"
                                               " WHERE idempotency_key = ?",
                                               {Text(vote.idempotency_key)}));
  if (rows.empty()) return std::optional<VoteReceipt>();
  if (AsInt(rows[0][1]) != vote.battle_id) {
    return Status::InvalidArgument("vote: idempotency key '" + vote.idempotency_key +
                                   "' was used for battle " + AsText(rows[0][1]));
  }
  return std::optional<VoteReceipt>(VoteReceipt{AsInt(rows[0][0]), VoteOutcome::kDuplicate});
}

// Why a battle could not take `vote`, once the claiming UPDATE matched nothing.
Status WhyNotVotable(SqlConn& c, const NewVote& vote) {
  const std::string what = "battle " + std::to_string(vote.battle_id);
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT user_id, state FROM battles WHERE id = ?",
                                               {Int(vote.battle_id)}));
  if (rows.empty()) return Status::NotFound(what + " does not exist");
  if (AsInt(rows[0][0]) != vote.user_id) {
    return Status::InvalidArgument(what + " belongs to another user");
  }
  return Status::InvalidArgument(
      what + " is " + std::string(BattleStateName(static_cast<BattleState>(AsInt(rows[0][1])))) +
      ", not ready for a vote");
}

}  // namespace

Result<int64_t> SqlStore::CreateBattle(const Battle& b) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("INSERT INTO battles(user_id, prompt, model_a, model_b, a_on_left, response_a,"
            " response_b, state, created_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            {Int(b.user_id), Text(b.prompt), Text(b.model_a), Text(b.model_b),
             Int(b.a_on_left ? 1 : 0), Text(b.response_a), Text(b.response_b),
             Int(static_cast<int64_t>(b.state)), Int(b.created_ms)}));
  if (rows.empty()) return Status::Internal("battles: insert returned no id");
  return AsInt(rows[0][0]);
}

Result<Battle> SqlStore::GetBattle(int64_t id) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("SELECT " + std::string(kBattleColumns) + " FROM battles WHERE id = ?", {Int(id)}));
  if (rows.empty()) return Status::NotFound("battle " + std::to_string(id) + " does not exist");
  return BattleFromRow(rows[0]);
}

Status SqlStore::SetBattleResponses(int64_t battle_id, std::string_view response_a,
                                    std::string_view response_b, BattleState state) {
  if (state != BattleState::kReady && state != BattleState::kFailed) {
    return Status::InvalidArgument("battle responses: the new state must be ready or failed");
  }
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows, Query("UPDATE battles SET response_a = ?, response_b = ?, state = ?"
                          " WHERE id = ? AND state = ? RETURNING id",
                          {Text(response_a), Text(response_b), Int(static_cast<int64_t>(state)),
                           Int(battle_id), Int(static_cast<int64_t>(BattleState::kPending))}));
  if (rows.empty()) {
    DOKJA_ASSIGN_OR_RETURN(Battle battle, GetBattle(battle_id));
    return Status::InvalidArgument("battle " + std::to_string(battle_id) + " is " +
                                   std::string(BattleStateName(battle.state)) + ", not pending");
  }
  return Status::OK();
}

Result<VoteReceipt> SqlStore::SubmitVote(const NewVote& vote) {
  if (vote.idempotency_key.empty()) return Status::InvalidArgument("vote: empty idempotency key");
  if (static_cast<int32_t>(vote.choice) < 0 || static_cast<int32_t>(vote.choice) > 3) {
    return Status::InvalidArgument("vote: unknown choice");
  }
  Result<std::optional<VoteReceipt>> seen =
      WithConn([&](SqlConn& c) { return FindByKey(c, vote); });
  if (!seen.ok()) return seen.status();
  if (*seen) return **seen;

  PendingVote pending{&vote};
  if (!group_commit_) {
    CommitVoteBatch({&pending});
  } else {
    std::unique_lock<std::mutex> lock(vote_mu_);
    vote_queue_.push_back(&pending);
    while (!pending.done) {
      if (vote_leader_) {
        vote_cv_.wait(lock);
        continue;
      }
      // Lead: take up to kMaxBatch queued votes (ours among them, or ours
      // was already written by the previous leader and the loop ends).
      vote_leader_ = true;
      const size_t n = std::min(vote_queue_.size(), kMaxBatch);
      std::vector<PendingVote*> batch(vote_queue_.begin(), vote_queue_.begin() + n);
      vote_queue_.erase(vote_queue_.begin(), vote_queue_.begin() + n);
      lock.unlock();
      CommitVoteBatch(batch);
      lock.lock();
      for (PendingVote* p : batch) p->done = true;
      vote_leader_ = false;
      vote_cv_.notify_all();
    }
  }
  if (pending.result.ok()) return pending.result;
  // A concurrent submission under the same key may have claimed the battle
  // first; the caller then gets that vote, as for any retry.
  Result<std::optional<VoteReceipt>> again =
      WithConn([&](SqlConn& c) { return FindByKey(c, vote); });
  if (again.ok() && *again) return **again;
  if (!again.ok() && again.status().code() == StatusCode::kInvalidArgument) return again.status();
  return pending.result;
}

void SqlStore::CommitVoteBatch(const std::vector<PendingVote*>& batch) {
  // Votes in (user, battle) order, so concurrent batches of several server
  // processes lock PostgreSQL rows in one global order and cannot deadlock.
  std::vector<PendingVote*> ordered = batch;
  std::sort(ordered.begin(), ordered.end(), [](const PendingVote* x, const PendingVote* y) {
    return std::pair(x->vote->user_id, x->vote->battle_id) <
           std::pair(y->vote->user_id, y->vote->battle_id);
  });
  bool refused = false;
  Status st = WithConn([&](SqlConn& c) {
    return InTransaction(c, [&]() -> Status {
      if (ordered.size() == 1) {
        // Alone in its transaction: a refusal rolls the whole thing back.
        ordered[0]->result = InsertVote(c, *ordered[0]->vote);
        refused = !ordered[0]->result.ok();
        return ordered[0]->result.status();
      }
      for (PendingVote* p : ordered) {
        DOKJA_RETURN_IF_ERROR(c.ExecScript("SAVEPOINT vote"));
        p->result = InsertVote(c, *p->vote);
        if (!p->result.ok()) DOKJA_RETURN_IF_ERROR(c.ExecScript("ROLLBACK TO SAVEPOINT vote"));
        DOKJA_RETURN_IF_ERROR(c.ExecScript("RELEASE SAVEPOINT vote"));
      }
      return Status::OK();
    });
  });
  if (st.ok()) return;
  if (refused) return;  // the vote's own refusal stays its result
  // Nothing of the batch was committed.
  for (PendingVote* p : batch) p->result = st.WithPrefix("vote batch");
}

Result<VoteReceipt> SqlStore::InsertVote(SqlConn& c, const NewVote& vote) {
  // 1. Count the submission against the daily cap (an upsert that does
  //    nothing once the cap is spent).
  const int64_t cap = vote.daily_cap > 0 ? vote.daily_cap : INT64_MAX;
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows counted,
      c.Query("INSERT INTO daily_vote_counts(user_id, day, n) VALUES(?, ?, 1)"
              " ON CONFLICT (user_id, day) DO UPDATE SET n = daily_vote_counts.n + 1"
              " WHERE daily_vote_counts.n < ? RETURNING n",
              {Int(vote.user_id), Int(vote.day), Int(cap)}));
  if (counted.empty()) return VoteReceipt{0, VoteOutcome::kCapReached};
  // 2. Claim the battle: only the owner's ready battle moves to voted.
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows claimed,
      c.Query(
          "UPDATE battles SET state = ? WHERE id = ? AND user_id = ? AND state = ? RETURNING id",
          {Int(static_cast<int64_t>(BattleState::kVoted)), Int(vote.battle_id), Int(vote.user_id),
           Int(static_cast<int64_t>(BattleState::kReady))}));
  if (claimed.empty()) return WhyNotVotable(c, vote);
  // 3. The vote itself; the key's unique index catches a racing retry.
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows inserted,
      c.Query("INSERT INTO votes(battle_id, user_id, choice, idempotency_key, day, created_ms,"
              " voided, void_reason) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
              {Int(vote.battle_id), Int(vote.user_id), Int(static_cast<int64_t>(vote.choice)),
               Text(vote.idempotency_key), Int(vote.day), Int(vote.created_ms),
               Int(vote.void_reason.empty() ? 0 : 1), Text(vote.void_reason)}));
  if (inserted.empty()) {
    return Status::InvalidArgument("vote: idempotency key '" + vote.idempotency_key +
                                   "' is already taken");
  }
  return VoteReceipt{AsInt(inserted[0][0]), VoteOutcome::kCreated};
}

Result<Vote> SqlStore::GetVote(int64_t id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT id, battle_id, user_id, choice, idempotency_key, voided,"
                               " void_reason, created_ms FROM votes WHERE id = ?",
                               {Int(id)}));
  if (rows.empty()) return Status::NotFound("vote " + std::to_string(id) + " does not exist");
  const SqlRow& r = rows[0];
  return Vote{AsInt(r[0]),  AsInt(r[1]),      AsInt(r[2]),  static_cast<VoteChoice>(AsInt(r[3])),
              AsText(r[4]), AsInt(r[5]) != 0, AsText(r[6]), AsInt(r[7])};
}

Status SqlStore::VoidVote(int64_t vote_id, std::string_view reason) {
  if (reason.empty()) return Status::InvalidArgument("vote: voiding needs a reason");
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("UPDATE votes SET voided = 1, void_reason = ?"
                                             " WHERE id = ? RETURNING id",
                                             {Text(reason), Int(vote_id)}));
  if (rows.empty()) return Status::NotFound("vote " + std::to_string(vote_id) + " does not exist");
  return Status::OK();
}

Result<int64_t> SqlStore::CountUserVotesOnDay(int64_t user_id, int64_t day) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT n FROM daily_vote_counts"
                                             " WHERE user_id = ? AND day = ?",
                                             {Int(user_id), Int(day)}));
  return rows.empty() ? int64_t{0} : AsInt(rows[0][0]);
}

Result<int64_t> SqlStore::CountCountedVotes() {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows, Query("SELECT COUNT(*) FROM votes WHERE voided = 0", {}));
  return AsInt(rows.at(0).at(0));
}

Result<std::vector<CountedVote>> SqlStore::ListCountedVotes(int64_t after_id, int64_t limit) {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("SELECT v.id, b.model_a, b.model_b, v.choice, v.user_id, v.created_ms, b.id, b.prompt"
            " FROM votes v JOIN battles b ON b.id = v.battle_id WHERE v.id > ? AND v.voided = 0"
            " ORDER BY v.id LIMIT ?",
            {Int(after_id), Int(limit)}));
  std::vector<CountedVote> out;
  for (const SqlRow& r : rows) {
    out.push_back({AsInt(r[0]), AsText(r[1]), AsText(r[2]), static_cast<VoteChoice>(AsInt(r[3])),
                   AsInt(r[4]), AsInt(r[5]), AsInt(r[6]), AsText(r[7])});
  }
  return out;
}

Result<std::vector<PairCount>> SqlStore::CountBattlesByPair() {
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("SELECT CASE WHEN model_a < model_b THEN model_a ELSE model_b END AS lo,"
            " CASE WHEN model_a < model_b THEN model_b ELSE model_a END AS hi, COUNT(*)"
            " FROM battles GROUP BY lo, hi ORDER BY lo, hi",
            {}));
  std::vector<PairCount> out;
  for (const SqlRow& r : rows) out.push_back({AsText(r[0]), AsText(r[1]), AsInt(r[2])});
  return out;
}

Result<int64_t> SqlStore::AddDirectScore(const DirectScore& score) {
  const std::string what = "direct score for battle " + std::to_string(score.battle_id);
  if (score.score < 1 || score.score > 5) {
    return Status::InvalidArgument(what + ": score " + std::to_string(score.score) +
                                   " is outside 1..5");
  }
  if (score.side != BattleSide::kA && score.side != BattleSide::kB) {
    return Status::InvalidArgument(what + ": unknown side");
  }
  DOKJA_ASSIGN_OR_RETURN(Battle battle, GetBattle(score.battle_id));
  if (battle.user_id != score.user_id) return Status::InvalidArgument(what + ": the battle belongs to another user");
  if (battle.state != BattleState::kReady && battle.state != BattleState::kVoted) {
    return Status::InvalidArgument(what + ": the battle is " +
                                   std::string(BattleStateName(battle.state)) + ", it has no answers");
  }
  DOKJA_ASSIGN_OR_RETURN(
      SqlRows rows,
      Query("INSERT INTO direct_scores(battle_id, user_id, side, score, comment, created_ms)"
            " VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            {Int(score.battle_id), Int(score.user_id), Int(static_cast<int64_t>(score.side)),
             Int(score.score), Text(score.comment), Int(score.created_ms)}));
  if (rows.empty()) return Status::InvalidArgument(what + ": that answer was already scored");
  return AsInt(rows[0][0]);
}

Result<std::vector<DirectScore>> SqlStore::ListDirectScores(int64_t battle_id) {
  DOKJA_ASSIGN_OR_RETURN(SqlRows rows,
                         Query("SELECT id, battle_id, user_id, side, score, comment, created_ms"
                               " FROM direct_scores WHERE battle_id = ? ORDER BY id",
                               {Int(battle_id)}));
  std::vector<DirectScore> out;
  for (const SqlRow& r : rows) {
    out.push_back({AsInt(r[0]), AsInt(r[1]), AsInt(r[2]), static_cast<BattleSide>(AsInt(r[3])),
                   AsInt(r[4]), AsText(r[5]), AsInt(r[6])});
  }
  return out;
}

}  // namespace dokja::store::internal
