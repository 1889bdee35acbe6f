// The store suite, part 3: what the arena service adds on top of votes —
// votes voided at submission, prompts with counted votes, battles per model
// pair, and direct scores (schema v3). Every case runs against SQLite and
// PostgreSQL.
#include <vector>

#include "store/store_test_util.h"

namespace dokja::store {
namespace {

class ArenaScoresStoreTest : public StoreFixture {
 protected:
  int64_t Battle_(int64_t user, const std::string& a, const std::string& b, const std::string& prompt,
                  bool ready = true) {
    Battle battle;
    battle.user_id = user;
    battle.prompt = prompt;
    battle.model_a = a;
    battle.model_b = b;
    battle.created_ms = 5;
    Result<int64_t> id = store().CreateBattle(battle);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (ready) {
      Status st = store().SetBattleResponses(*id, "answer a", "answer b", BattleState::kReady);
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    return *id;
  }

  static NewVote VoteFor(int64_t battle, int64_t user, const std::string& key) {
    NewVote v;
    v.battle_id = battle;
    v.user_id = user;
    v.choice = VoteChoice::kB;
    v.idempotency_key = key;
    v.day = 20000;
    v.created_ms = 99;
    return v;
  }
};

TEST_P(ArenaScoresStoreTest, VoteVoidedAtSubmissionIsStoredButNeverCounted) {
  const int64_t user = MakeAccount("u", Role::kUser);
  const int64_t named = Battle_(user, "m1", "m2", "who are you?");
  const int64_t blind = Battle_(user, "m1", "m2", "Write a haiku");
  NewVote v = VoteFor(named, user, "k-named");
  v.void_reason = "the left answer names its model";
  ASSERT_OK_AND_ASSIGN(VoteReceipt first, store().SubmitVote(v));
  EXPECT_EQ(first.outcome, VoteOutcome::kCreated);
  ASSERT_OK_AND_ASSIGN(Vote stored, store().GetVote(first.vote_id));
  EXPECT_TRUE(stored.voided);
  EXPECT_EQ(stored.void_reason, "the left answer names its model");
  // A retry is still the same vote; the voided one still counts against the cap.
  ASSERT_OK_AND_ASSIGN(VoteReceipt retry, store().SubmitVote(v));
  EXPECT_EQ(retry.outcome, VoteOutcome::kDuplicate);
  EXPECT_EQ(retry.vote_id, first.vote_id);
  ASSERT_OK_AND_ASSIGN(VoteReceipt counted, store().SubmitVote(VoteFor(blind, user, "k-blind")));
  ASSERT_OK_AND_ASSIGN(int64_t on_day, store().CountUserVotesOnDay(user, 20000));
  EXPECT_EQ(on_day, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<CountedVote> list, store().ListCountedVotes(0, 10));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].vote_id, counted.vote_id);
  EXPECT_EQ(list[0].battle_id, blind);
  EXPECT_EQ(list[0].prompt, "Write a haiku");
  EXPECT_EQ(list[0].user_id, user);
}

TEST_P(ArenaScoresStoreTest, CountsBattlesPerUnorderedPair) {
  const int64_t user = MakeAccount("u", Role::kUser);
  Battle_(user, "beta", "alpha", "p1");
  Battle_(user, "alpha", "beta", "p2", false);
  Battle_(user, "gamma", "alpha", "p3");
  ASSERT_OK_AND_ASSIGN(std::vector<PairCount> pairs, store().CountBattlesByPair());
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].model_a, "alpha");
  EXPECT_EQ(pairs[0].model_b, "beta");
  EXPECT_EQ(pairs[0].battles, 2);
  EXPECT_EQ(pairs[1].model_a, "alpha");
  EXPECT_EQ(pairs[1].model_b, "gamma");
  EXPECT_EQ(pairs[1].battles, 1);
}

TEST_P(ArenaScoresStoreTest, DirectScoresFollowTheRules) {
  const int64_t owner = MakeAccount("owner", Role::kUser);
  const int64_t other = MakeAccount("other", Role::kUser);
  const int64_t battle = Battle_(owner, "m1", "m2", "p");
  const int64_t pending = Battle_(owner, "m1", "m2", "p", false);
  DirectScore s;
  s.battle_id = battle;
  s.user_id = owner;
  s.side = BattleSide::kB;
  s.score = 4;
  s.comment = "<script>alert(1)</script>'; DROP TABLE direct_scores; --";
  s.created_ms = 7;
  ASSERT_OK_AND_ASSIGN(int64_t id, store().AddDirectScore(s));
  EXPECT_GT(id, 0);
  Status again = store().AddDirectScore(s).status();
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(again.message().find("already scored"), std::string::npos);

  DirectScore bad = s;
  bad.side = BattleSide::kA;
  bad.score = 6;
  EXPECT_NE(store().AddDirectScore(bad).status().message().find("outside 1..5"), std::string::npos);
  bad.score = 3;
  bad.user_id = other;
  EXPECT_NE(store().AddDirectScore(bad).status().message().find("another user"), std::string::npos);
  bad.user_id = owner;
  bad.battle_id = pending;
  EXPECT_NE(store().AddDirectScore(bad).status().message().find("no answers"), std::string::npos);
  bad.battle_id = battle + 100;
  EXPECT_EQ(store().AddDirectScore(bad).status().code(), StatusCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(std::vector<DirectScore> list, store().ListDirectScores(battle));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].id, id);
  EXPECT_EQ(list[0].side, BattleSide::kB);
  EXPECT_EQ(list[0].score, 4);
  EXPECT_EQ(list[0].comment, s.comment);
  Reopen();
  ASSERT_OK_AND_ASSIGN(list, store().ListDirectScores(battle));
  EXPECT_EQ(list.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ArenaScoresStoreTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace dokja::store
