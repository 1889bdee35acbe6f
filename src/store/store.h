// The human-evaluation store: one interface over SQLite (the embedded default)
// and PostgreSQL. It keeps accounts, sessions, invitations and the admin audit
// log; teams, their consortium organisations and expert affiliations; rubrics,
// material metadata, expert assignments and scores; arena battles and votes.
//
// The store keeps what it is given: password hashes and token hashes are
// computed by the web layer (argon2id, SHA-256); the store never sees a
// password or a raw session token. Timestamps are int64 unix milliseconds and
// are passed in by the caller, so tests control the clock.
//
// Errors: a missing row is NotFound; a duplicate name, a broken rule (vote on
// someone else's battle, second submit, used invitation, conflict of
// interest) is InvalidArgument with a message naming the thing; a database
// that cannot be reached is Unavailable; a schema newer than this binary is
// Unsupported.
//
// Thread-safety: every implementation is thread-safe. Each call leases a
// connection from an internal pool (SQLite: one connection per concurrent
// caller; PostgreSQL: at most StoreOptions::max_connections) and runs in its
// own short transaction where it writes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dokja::store {

enum class Role : int32_t { kAdmin = 0, kExpert = 1, kUser = 2, kTeam = 3 };
// "admin", "expert", "user", "team".
std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);

struct NewAccount {
  std::string username;  // unique, the login name
  std::string display_name;
  Role role = Role::kUser;
  std::string password_hash;  // an argon2id PHC string from the web layer
  int64_t team_id = 0;        // for Role::kTeam; 0 = none
  int64_t created_ms = 0;
};

struct Account {
  int64_t id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::kUser;
  std::string password_hash;
  int64_t team_id = 0;
  bool disabled = false;
  int64_t created_ms = 0;
};

// A login session. Only the hash of the session token is stored.
struct Session {
  std::string token_hash;  // unique
  int64_t account_id = 0;
  std::string csrf_token;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // the session is valid while now < expires_ms
};

// A single-use, expiring invitation that creates an account of `role`.
struct Invitation {
  int64_t id = 0;          // set by the store
  std::string token_hash;  // unique
  Role role = Role::kUser;
  int64_t team_id = 0;     // for team accounts; 0 = none
  int64_t created_by = 0;  // the admin's account id
  int64_t created_ms = 0;
  int64_t expires_ms = 0;   // redeemable while now < expires_ms
  int64_t redeemed_by = 0;  // account id; 0 while unused
  int64_t redeemed_ms = 0;
};

struct AuditEntry {
  int64_t id = 0;        // set by the store, increasing
  int64_t actor_id = 0;  // the admin's account id
  std::string action;    // e.g. "invite.create"
  std::string target;    // e.g. "account:17"
  std::string detail;    // free text or JSON
  int64_t at_ms = 0;
};

struct Team {
  int64_t id = 0;
  std::string name;                       // unique, the real name (admins only)
  std::string anonymous_label;            // unique, what experts see, e.g. "Team C"
  std::vector<int64_t> organisation_ids;  // the consortium
};

struct Organisation {
  int64_t id = 0;
  std::string name;  // unique
};

struct Criterion {
  int64_t id = 0;   // set by the store
  std::string key;  // unique within the rubric, e.g. "originality"
  std::string name_ko;
  std::string name_en;
  std::string description_ko;
  std::string description_en;
  int64_t scale_min = 1;
  int64_t scale_max = 5;
};

struct Rubric {
  int64_t id = 0;
  std::string name;                 // unique
  std::vector<Criterion> criteria;  // in display order
};

// Metadata of one file shown to experts; the bytes live elsewhere.
struct Material {
  int64_t id = 0;
  int64_t team_id = 0;
  std::string title;
  std::string media_type;  // e.g. "application/pdf"
  std::string sha256;      // hex of the content
  std::string uri;         // where the web layer finds the bytes
  int64_t size_bytes = 0;
  int64_t created_ms = 0;
};

struct Assignment {
  int64_t id = 0;
  int64_t rubric_id = 0;
  int64_t expert_id = 0;
  int64_t team_id = 0;
  int64_t created_ms = 0;
  int64_t submitted_ms = 0;  // 0 while the expert may still edit
};

struct CriterionScore {
  int64_t criterion_id = 0;
  int64_t score = 0;
  std::string comment;
};

// One submitted score, in the stage decision's input shape.
struct ScoreExportRow {
  std::string expert;     // username
  std::string team;       // team name
  std::string criterion;  // criterion key
  int64_t score = 0;
};

struct RosterEntry {
  std::string expert;  // username
  std::string display_name;
  std::vector<std::string> affiliations;  // organisation names, sorted
};

enum class BattleState : int32_t { kPending = 0, kReady = 1, kVoted = 2, kFailed = 3 };
std::string_view BattleStateName(BattleState state);

struct Battle {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string prompt;
  std::string model_a;
  std::string model_b;
  bool a_on_left = true;  // which side the user saw model_a on
  std::string response_a;
  std::string response_b;
  BattleState state = BattleState::kPending;
  int64_t created_ms = 0;
};

enum class VoteChoice : int32_t { kA = 0, kB = 1, kTie = 2, kBothBad = 3 };
// "a", "b", "tie", "both_bad".
std::string_view VoteChoiceName(VoteChoice choice);
Result<VoteChoice> ParseVoteChoice(std::string_view name);

struct NewVote {
  int64_t battle_id = 0;
  int64_t user_id = 0;  // must own the battle
  VoteChoice choice = VoteChoice::kTie;
  std::string idempotency_key;  // unique per vote; a retry reuses it
  int64_t day = 0;              // the caller's day number for the daily cap
  int64_t daily_cap = 0;        // votes per user per day; 0 = no cap
  int64_t created_ms = 0;
};

enum class VoteOutcome : int32_t {
  kCreated = 0,     // stored now
  kDuplicate = 1,   // the key was seen before; vote_id is the first vote
  kCapReached = 2,  // the user's daily cap is spent; nothing stored
};

struct VoteReceipt {
  int64_t vote_id = 0;
  VoteOutcome outcome = VoteOutcome::kCreated;
};

struct Vote {
  int64_t id = 0;
  int64_t battle_id = 0;
  int64_t user_id = 0;
  VoteChoice choice = VoteChoice::kTie;
  std::string idempotency_key;
  bool voided = false;
  std::string void_reason;
  int64_t created_ms = 0;
};

// One counted (not voided) vote with its battle's models: leaderboard input.
struct CountedVote {
  int64_t vote_id = 0;
  std::string model_a;
  std::string model_b;
  VoteChoice choice = VoteChoice::kTie;
  int64_t user_id = 0;
  int64_t created_ms = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // "sqlite" or "postgresql".
  virtual std::string_view backend() const = 0;
  // The schema version the store runs at (the newest migration applied).
  virtual Result<int64_t> SchemaVersion() = 0;

  // --- Accounts ---
  virtual Result<int64_t> CreateAccount(const NewAccount& account) = 0;
  virtual Result<Account> GetAccount(int64_t id) = 0;
  virtual Result<Account> GetAccountByUsername(std::string_view username) = 0;
  // All accounts, or those of one role, by id.
  virtual Result<std::vector<Account>> ListAccounts(std::optional<Role> role) = 0;
  virtual Status SetPasswordHash(int64_t account_id, std::string_view password_hash) = 0;
  virtual Status SetAccountDisabled(int64_t account_id, bool disabled) = 0;

  // --- Sessions ---
  virtual Status CreateSession(const Session& session) = 0;
  // NotFound when unknown or expired (now_ms >= expires_ms).
  virtual Result<Session> GetSession(std::string_view token_hash, int64_t now_ms) = 0;
  virtual Status DeleteSession(std::string_view token_hash) = 0;
  // Removes the account's sessions except the one with `keep_token_hash`
  // ("" keeps none); returns how many. For password changes and disabling.
  virtual Result<int64_t> DeleteAccountSessions(int64_t account_id,
                                                std::string_view keep_token_hash) = 0;
  // Removes sessions with expires_ms <= now_ms; returns how many.
  virtual Result<int64_t> DeleteExpiredSessions(int64_t now_ms) = 0;

  // --- Invitations ---
  virtual Result<int64_t> CreateInvitation(const Invitation& invitation) = 0;
  // The invitation with this token hash, used or not; NotFound when unknown.
  virtual Result<Invitation> GetInvitation(std::string_view token_hash) = 0;
  // Creates `account` with the invitation's role and team and marks the
  // invitation used, atomically: of concurrent redeemers exactly one wins.
  // NotFound for an unknown token; InvalidArgument when used or expired.
  virtual Result<int64_t> RedeemInvitation(std::string_view token_hash, NewAccount account,
                                           int64_t now_ms) = 0;

  // --- Audit log of admin actions (append-only) ---
  virtual Result<int64_t> AppendAudit(const AuditEntry& entry) = 0;
  // Entries with id > after_id, oldest first, at most `limit`.
  virtual Result<std::vector<AuditEntry>> ListAudit(int64_t after_id, int64_t limit) = 0;

  // --- Organisations, teams, affiliations ---
  virtual Result<int64_t> CreateOrganisation(std::string_view name) = 0;
  virtual Result<std::vector<Organisation>> ListOrganisations() = 0;
  // Creates the team with its consortium (organisation_ids) in one go.
  virtual Result<int64_t> CreateTeam(const Team& team) = 0;
  virtual Result<Team> GetTeam(int64_t id) = 0;
  virtual Result<std::vector<Team>> ListTeams() = 0;
  virtual Status AddAffiliation(int64_t account_id, int64_t organisation_id) = 0;
  virtual Result<std::vector<int64_t>> ListAffiliations(int64_t account_id) = 0;

  // --- Rubrics and materials ---
  // Creates the rubric and its criteria; ids are filled in the returned copy.
  virtual Result<Rubric> CreateRubric(const Rubric& rubric) = 0;
  virtual Result<Rubric> GetRubric(int64_t id) = 0;
  virtual Result<std::vector<Rubric>> ListRubrics() = 0;
  virtual Result<int64_t> AddMaterial(const Material& material) = 0;
  virtual Result<std::vector<Material>> ListMaterials(int64_t team_id) = 0;
  // NotFound when no material has this id.
  virtual Result<Material> GetMaterial(int64_t id) = 0;

  // --- Assignments and expert scores ---
  // Experts with no affiliation in the team's consortium, by id.
  virtual Result<std::vector<Account>> ListEligibleExperts(int64_t team_id) = 0;
  // InvalidArgument when the account is not an expert, when the expert is
  // affiliated with one of the team's organisations (conflict of interest),
  // or when the same (rubric, expert, team) is already assigned.
  virtual Result<int64_t> AssignExpert(int64_t rubric_id, int64_t expert_id, int64_t team_id,
                                       int64_t now_ms) = 0;
  virtual Result<Assignment> GetAssignment(int64_t id) = 0;
  virtual Result<std::vector<Assignment>> ListAssignments(int64_t expert_id) = 0;
  // Every assignment under one rubric (all experts), by id.
  virtual Result<std::vector<Assignment>> ListRubricAssignments(int64_t rubric_id) = 0;
  // Upserts draft scores. InvalidArgument after submit, for a criterion of
  // another rubric, or a score outside the criterion's scale.
  virtual Status SaveDraftScores(int64_t assignment_id, const std::vector<CriterionScore>& scores,
                                 int64_t now_ms) = 0;
  virtual Result<std::vector<CriterionScore>> GetScores(int64_t assignment_id) = 0;
  // Freezes the scores. InvalidArgument when already submitted or when a
  // criterion has no score; of concurrent submits exactly one wins.
  virtual Status SubmitScores(int64_t assignment_id, int64_t now_ms) = 0;
  // Submitted scores of one rubric, ordered by expert, team, criterion.
  virtual Result<std::vector<ScoreExportRow>> ExportScores(int64_t rubric_id) = 0;
  // Every expert with their affiliations, by username.
  virtual Result<std::vector<RosterEntry>> ExpertRoster() = 0;

  // --- Arena battles and votes ---
  virtual Result<int64_t> CreateBattle(const Battle& battle) = 0;
  virtual Result<Battle> GetBattle(int64_t id) = 0;
  // Stores both responses and moves a pending battle to `state`
  // (kReady or kFailed). InvalidArgument unless the battle is pending.
  virtual Status SetBattleResponses(int64_t battle_id, std::string_view response_a,
                                    std::string_view response_b, BattleState state) = 0;
  // One short transaction. The same idempotency key returns the first vote
  // (kDuplicate) without storing anything. InvalidArgument when the battle is
  // not the user's, not ready, already voted under another key, or the key
  // was used for another battle.
  virtual Result<VoteReceipt> SubmitVote(const NewVote& vote) = 0;
  virtual Result<Vote> GetVote(int64_t id) = 0;
  virtual Status VoidVote(int64_t vote_id, std::string_view reason) = 0;
  // Votes the user cast on `day` (voided ones included: the cap counts
  // submissions).
  virtual Result<int64_t> CountUserVotesOnDay(int64_t user_id, int64_t day) = 0;
  // Counted (not voided) votes in total.
  virtual Result<int64_t> CountCountedVotes() = 0;
  // Counted votes with id > after_id, oldest first, at most `limit`.
  virtual Result<std::vector<CountedVote>> ListCountedVotes(int64_t after_id, int64_t limit) = 0;
};

struct StoreOptions {
  int32_t max_connections = 64;  // pool cap; SQLite callers beyond it wait
};

// Opens a store by URL and applies pending migrations:
//   "sqlite:PATH" or a bare PATH  -> SQLite (WAL, synchronous=FULL)
//   "postgresql://..." or "postgres://..." -> PostgreSQL (libpq URI)
// Unsupported for PostgreSQL when built with DOKJA_WITH_POSTGRES=OFF, or when
// the database's schema is newer than this binary.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const StoreOptions& options = {});

}  // namespace dokja::store
