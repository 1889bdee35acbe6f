// The store suite, part 2: arena battles and votes (idempotency, rules,
// daily caps, voiding, concurrency), durability across reopen, and hostile
// strings. Every case runs against SQLite and PostgreSQL.
#include <atomic>
#include <thread>
#include <vector>

#include "store/store_test_util.h"

namespace dokja::store {
namespace {

class ArenaStoreTest : public StoreFixture {
 protected:
  // A ready battle of `user` between two models.
  int64_t ReadyBattle(int64_t user, const std::string& a = "model-x",
                      const std::string& b = "model-y") {
    Battle battle;
    battle.user_id = user;
    battle.prompt = "Explain kimchi";
    battle.model_a = a;
    battle.model_b = b;
    battle.a_on_left = false;
    battle.created_ms = 5;
    Result<int64_t> id = store().CreateBattle(battle);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    Status st = store().SetBattleResponses(*id, "answer a", "answer b", BattleState::kReady);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return *id;
  }

  static NewVote VoteFor(int64_t battle, int64_t user, const std::string& key,
                         VoteChoice choice = VoteChoice::kA) {
    NewVote v;
    v.battle_id = battle;
    v.user_id = user;
    v.choice = choice;
    v.idempotency_key = key;
    v.day = 20000;
    v.created_ms = 1234;
    return v;
  }
};

TEST_P(ArenaStoreTest, BattlesMoveFromPendingToReadyOnce) {
  int64_t user = MakeAccount("u", Role::kUser);
  ASSERT_OK_AND_ASSIGN(int64_t id, store().CreateBattle({0, user, "p", "ma", "mb", true, "", "",
                                                         BattleState::kPending, 9}));
  ASSERT_OK(store().SetBattleResponses(id, "ra", "rb", BattleState::kReady));
  ASSERT_OK_AND_ASSIGN(Battle b, store().GetBattle(id));
  EXPECT_EQ(b.state, BattleState::kReady);
  EXPECT_EQ(b.response_b, "rb");
  EXPECT_TRUE(b.a_on_left);
  Status again = store().SetBattleResponses(id, "x", "y", BattleState::kReady);
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(again.message().find("is ready, not pending"), std::string::npos);
  EXPECT_EQ(store().GetBattle(id + 50).status().code(), StatusCode::kNotFound);
}

TEST_P(ArenaStoreTest, SameKeyReturnsTheSameVoteWithoutADuplicate) {
  int64_t user = MakeAccount("u", Role::kUser);
  int64_t battle = ReadyBattle(user);
  ASSERT_OK_AND_ASSIGN(VoteReceipt first, store().SubmitVote(VoteFor(battle, user, "key-1")));
  EXPECT_EQ(first.outcome, VoteOutcome::kCreated);
  ASSERT_OK_AND_ASSIGN(VoteReceipt retry, store().SubmitVote(VoteFor(battle, user, "key-1")));
  EXPECT_EQ(retry.outcome, VoteOutcome::kDuplicate);
  EXPECT_EQ(retry.vote_id, first.vote_id);
  ASSERT_OK_AND_ASSIGN(int64_t counted, store().CountCountedVotes());
  EXPECT_EQ(counted, 1);
  ASSERT_OK_AND_ASSIGN(int64_t today, store().CountUserVotesOnDay(user, 20000));
  EXPECT_EQ(today, 1) << "a retry must not count against the cap";
  ASSERT_OK_AND_ASSIGN(Battle b, store().GetBattle(battle));
  EXPECT_EQ(b.state, BattleState::kVoted);
  ASSERT_OK_AND_ASSIGN(Vote v, store().GetVote(first.vote_id));
  EXPECT_EQ(v.choice, VoteChoice::kA);
  EXPECT_EQ(v.idempotency_key, "key-1");
}

TEST_P(ArenaStoreTest, VotesFollowTheBattleRules) {
  int64_t user = MakeAccount("u", Role::kUser);
  int64_t other = MakeAccount("o", Role::kUser);
  int64_t battle = ReadyBattle(user);
  Status theirs = store().SubmitVote(VoteFor(battle, other, "k-other")).status();
  EXPECT_EQ(theirs.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(theirs.message().find("belongs to another user"), std::string::npos)
      << theirs.message();
  ASSERT_OK_AND_ASSIGN(int64_t pending, store().CreateBattle({0, user, "p", "a", "b", true, "", "",
                                                              BattleState::kPending, 1}));
  Status not_ready = store().SubmitVote(VoteFor(pending, user, "k-pending")).status();
  EXPECT_NE(not_ready.message().find("is pending, not ready"), std::string::npos)
      << not_ready.message();
  EXPECT_EQ(store().SubmitVote(VoteFor(battle + 99, user, "k-none")).status().code(),
            StatusCode::kNotFound);
  ASSERT_OK(store().SubmitVote(VoteFor(battle, user, "k1")).status());
  Status second_key = store().SubmitVote(VoteFor(battle, user, "k2")).status();
  EXPECT_NE(second_key.message().find("is voted, not ready"), std::string::npos)
      << second_key.message();
  int64_t battle2 = ReadyBattle(user);
  Status reused = store().SubmitVote(VoteFor(battle2, user, "k1")).status();
  EXPECT_EQ(reused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(reused.message().find("was used for battle"), std::string::npos) << reused.message();
  EXPECT_EQ(store().SubmitVote(VoteFor(battle2, user, "")).status().code(),
            StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(int64_t counted, store().CountCountedVotes());
  EXPECT_EQ(counted, 1);
  ASSERT_OK_AND_ASSIGN(int64_t today, store().CountUserVotesOnDay(user, 20000));
  EXPECT_EQ(today, 1) << "refused votes must not count against the cap";
}

TEST_P(ArenaStoreTest, DailyCapStopsVotesWithoutStoringThem) {
  int64_t user = MakeAccount("u", Role::kUser);
  std::vector<int64_t> battles;
  for (int i = 0; i < 4; ++i) battles.push_back(ReadyBattle(user));
  for (int i = 0; i < 3; ++i) {
    NewVote v = VoteFor(battles[i], user, "cap-" + std::to_string(i));
    v.daily_cap = 2;
    ASSERT_OK_AND_ASSIGN(VoteReceipt r, store().SubmitVote(v));
    EXPECT_EQ(r.outcome, i < 2 ? VoteOutcome::kCreated : VoteOutcome::kCapReached) << i;
  }
  ASSERT_OK_AND_ASSIGN(Battle capped, store().GetBattle(battles[2]));
  EXPECT_EQ(capped.state, BattleState::kReady) << "a capped vote leaves the battle open";
  NewVote next_day = VoteFor(battles[3], user, "cap-next");
  next_day.day = 20001;
  next_day.daily_cap = 2;
  ASSERT_OK_AND_ASSIGN(VoteReceipt r, store().SubmitVote(next_day));
  EXPECT_EQ(r.outcome, VoteOutcome::kCreated);
  ASSERT_OK_AND_ASSIGN(int64_t day0, store().CountUserVotesOnDay(user, 20000));
  EXPECT_EQ(day0, 2);
  ASSERT_OK_AND_ASSIGN(int64_t day1, store().CountUserVotesOnDay(user, 20001));
  EXPECT_EQ(day1, 1);
}

TEST_P(ArenaStoreTest, VoidedVotesLeaveTheLeaderboardInput) {
  int64_t user = MakeAccount("u", Role::kUser);
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    int64_t battle = ReadyBattle(user, "m" + std::to_string(i), "base");
    VoteReceipt r =
        store().SubmitVote(VoteFor(battle, user, "v" + std::to_string(i), VoteChoice::kB)).value();
    ids.push_back(r.vote_id);
  }
  EXPECT_EQ(store().VoidVote(ids[1], "").code(), StatusCode::kInvalidArgument);
  ASSERT_OK(store().VoidVote(ids[1], "bot-like timing"));
  EXPECT_EQ(store().VoidVote(ids[2] + 100, "x").code(), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(Vote voided, store().GetVote(ids[1]));
  EXPECT_TRUE(voided.voided);
  EXPECT_EQ(voided.void_reason, "bot-like timing");
  ASSERT_OK_AND_ASSIGN(std::vector<CountedVote> counted, store().ListCountedVotes(0, 100));
  ASSERT_EQ(counted.size(), 2u);
  EXPECT_EQ(counted[0].model_a, "m0");
  EXPECT_EQ(counted[1].model_a, "m2");
  EXPECT_EQ(counted[1].model_b, "base");
  EXPECT_EQ(counted[1].choice, VoteChoice::kB);
  ASSERT_OK_AND_ASSIGN(std::vector<CountedVote> page, store().ListCountedVotes(ids[0], 1));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].vote_id, ids[2]);
  ASSERT_OK_AND_ASSIGN(int64_t n, store().CountCountedVotes());
  EXPECT_EQ(n, 2);
}

TEST_P(ArenaStoreTest, ConcurrentVotersAndRetriesCountExactly) {
  constexpr int kThreads = 8;
  constexpr int kVotesPerThread = 40;
  std::vector<int64_t> users;
  std::vector<std::vector<int64_t>> battles(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    users.push_back(MakeAccount("voter" + std::to_string(t), Role::kUser));
    for (int i = 0; i < kVotesPerThread; ++i) battles[t].push_back(ReadyBattle(users[t]));
  }
  std::atomic<int> created{0};
  std::atomic<int> duplicates{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * kThreads; ++t) {
    // Two threads per voter submit the same keys: every vote races its retry.
    threads.emplace_back([&, t] {
      const int voter = t % kThreads;
      for (int i = 0; i < kVotesPerThread; ++i) {
        NewVote v = VoteFor(battles[voter][i], users[voter],
                            "t" + std::to_string(voter) + "-" + std::to_string(i));
        Result<VoteReceipt> r = store().SubmitVote(v);
        if (!r.ok()) {
          ++errors;
          ADD_FAILURE() << r.status().ToString();
        } else if (r->outcome == VoteOutcome::kCreated) {
          ++created;
        } else {
          ++duplicates;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), kThreads * kVotesPerThread);
  EXPECT_EQ(duplicates.load(), kThreads * kVotesPerThread);
  ASSERT_OK_AND_ASSIGN(int64_t n, store().CountCountedVotes());
  EXPECT_EQ(n, kThreads * kVotesPerThread);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_OK_AND_ASSIGN(int64_t mine, store().CountUserVotesOnDay(users[t], 20000));
    EXPECT_EQ(mine, kVotesPerThread);
  }
}

TEST_P(ArenaStoreTest, ARefusedVoteInAGroupCommitDoesNotSinkTheOthers) {
  // Votes from many threads share transactions; interleave good votes with
  // votes on someone else's battle and votes past the daily cap.
  constexpr int kThreads = 12;
  int64_t owner = MakeAccount("owner", Role::kUser);
  int64_t intruder = MakeAccount("intruder", Role::kUser);
  std::vector<int64_t> battles;
  for (int i = 0; i < kThreads * 6; ++i) battles.push_back(ReadyBattle(owner));
  std::atomic<int> created{0};
  std::atomic<int> capped{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 6; ++i) {
        const int64_t battle = battles[static_cast<size_t>(t * 6 + i)];
        if (i % 2 == 0) {
          Result<VoteReceipt> bad =
              store().SubmitVote(VoteFor(battle, intruder, "bad-" + std::to_string(battle)));
          if (!bad.ok() && bad.status().message().find("another user") != std::string::npos) {
            ++refused;
          }
        }
        NewVote v = VoteFor(battle, owner, "good-" + std::to_string(battle));
        v.daily_cap = kThreads * 4;
        Result<VoteReceipt> r = store().SubmitVote(v);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        if (r->outcome == VoteOutcome::kCreated) ++created;
        if (r->outcome == VoteOutcome::kCapReached) ++capped;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(refused.load(), kThreads * 3);
  EXPECT_EQ(created.load(), kThreads * 4);
  EXPECT_EQ(capped.load(), kThreads * 2);
  ASSERT_OK_AND_ASSIGN(int64_t n, store().CountCountedVotes());
  EXPECT_EQ(n, kThreads * 4);
  ASSERT_OK_AND_ASSIGN(int64_t today, store().CountUserVotesOnDay(owner, 20000));
  EXPECT_EQ(today, kThreads * 4);
  ASSERT_OK_AND_ASSIGN(int64_t theirs, store().CountUserVotesOnDay(intruder, 20000));
  EXPECT_EQ(theirs, 0) << "refused votes must roll back their count";
}

TEST_P(ArenaStoreTest, EverythingSurvivesReopen) {
  int64_t user = MakeAccount("u", Role::kUser);
  int64_t battle = ReadyBattle(user);
  ASSERT_OK_AND_ASSIGN(VoteReceipt r, store().SubmitVote(VoteFor(battle, user, "durable")));
  ASSERT_OK(store().CreateSession({"sess", user, "csrf", 1, 1000000}));
  Reopen();
  ASSERT_OK_AND_ASSIGN(Vote v, store().GetVote(r.vote_id));
  EXPECT_EQ(v.idempotency_key, "durable");
  ASSERT_OK_AND_ASSIGN(VoteReceipt retry, store().SubmitVote(VoteFor(battle, user, "durable")));
  EXPECT_EQ(retry.vote_id, r.vote_id);
  EXPECT_EQ(retry.outcome, VoteOutcome::kDuplicate);
  ASSERT_OK(store().GetSession("sess", 2).status());
  ASSERT_OK(store().GetAccountByUsername("u").status());
}

TEST_P(ArenaStoreTest, HostileStringsAreStoredVerbatim) {
  const std::vector<std::string> hostile = {
      "'; DROP TABLE votes; --",
      "Robert'); DELETE FROM accounts WHERE ('1'='1",
      "\" OR \"\"=\"",
      "? $1 :name @p",
      "한국어 🙂 \\ % _ \t\n",
  };
  for (size_t i = 0; i < hostile.size(); ++i) {
    const std::string& s = hostile[i];
    int64_t user = MakeAccount(s, Role::kUser);
    ASSERT_OK_AND_ASSIGN(Account a, store().GetAccountByUsername(s));
    EXPECT_EQ(a.id, user);
    EXPECT_EQ(a.display_name, "Name " + s);
    Battle b;
    b.user_id = user;
    b.prompt = s;
    b.model_a = s;
    b.model_b = "m";
    b.state = BattleState::kPending;
    ASSERT_OK_AND_ASSIGN(int64_t battle, store().CreateBattle(b));
    ASSERT_OK(store().SetBattleResponses(battle, s, s, BattleState::kReady));
    ASSERT_OK_AND_ASSIGN(VoteReceipt r, store().SubmitVote(VoteFor(battle, user, s)));
    ASSERT_OK_AND_ASSIGN(Vote v, store().GetVote(r.vote_id));
    EXPECT_EQ(v.idempotency_key, s);
    ASSERT_OK_AND_ASSIGN(Battle got, store().GetBattle(battle));
    EXPECT_EQ(got.prompt, s);
    EXPECT_EQ(got.response_a, s);
  }
  ASSERT_OK_AND_ASSIGN(int64_t n, store().CountCountedVotes());
  EXPECT_EQ(n, static_cast<int64_t>(hostile.size()));
  ASSERT_OK_AND_ASSIGN(std::vector<Account> all, store().ListAccounts(std::nullopt));
  EXPECT_EQ(all.size(), hostile.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, ArenaStoreTest, ::testing::Values("sqlite", "postgresql"),
                         BackendName);

}  // namespace
}  // namespace dokja::store
