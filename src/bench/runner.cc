#include "bench/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include <pthread.h>
#include <unistd.h>

#include "bench/cache.h"
#include "bench/progress.h"

namespace dokja::bench {
namespace {

using Clock = std::chrono::steady_clock;

// One request a worker sent, on its way to the cache.
struct Done {
  size_t index = 0;
  CacheDigest key;
  std::string request_json;
  Result<Response> result = Status::Internal("not run");
  int64_t retries = 0;
};

// One worker's finished requests, on their way to the committer. Only that
// worker and the committer take `mu`. Each outbox counts its own results
// (one counter shared by all workers would move one cache line between
// cores on every request).
struct alignas(64) Outbox {
  std::mutex mu;
  std::vector<Done> items;          // guarded by mu
  std::atomic<uint64_t> finished{0};  // results ever put in items
};

// What the workers, the committer and the calling thread share.
//
// Workers claim request indices themselves (an atomic counter, as a plain
// load generator does), so no thread stands between them and the next
// request. A request counts as answered only once the committer has made its
// answer durable (Committed), or when it came from the cache, or when it
// repeats a request answered earlier in the run.
//
// A worker's path through a request takes no lock that another worker
// takes: it claims by an atomic counter, registers its key in a lock-free
// hash table, and hands its result to its own outbox. The shared mutex mu_
// is for the rare paths (repeats, cache hits, failures, the end of the run)
// and the committer. Under CPU contention a shared lock on the request path
// forms convoys: a holder preempted for a time slice stalls every worker,
// and each later handoff waits for the scheduler. (bench/runner_overhead
// --only paired --no-cache, dokja's run beside plain clients on one server:
// 0.45-1.02 of their throughput per round with a shared lock here and in
// the backend's connection pool, 0.82-1.12 without.)
class RunState {
 public:
  RunState(std::vector<Response>& responses, size_t n_workers, const std::string& label, bool progress)
      : responses_(responses), answered_(responses.size(), 0),
        progress_(label, static_cast<int64_t>(responses.size()), progress) {
    key_of_.resize(responses.size());
    size_t slots = 16;
    while (slots < 2 * responses.size()) slots *= 2;
    first_of_ = std::vector<std::atomic<uint32_t>>(slots);
    for (size_t w = 0; w < n_workers; ++w) outboxes_.push_back(std::make_unique<Outbox>());
  }

  // Worker: the next request to handle; nullopt once none is left or the
  // run has stopped.
  std::optional<size_t> Claim() {
    if (stop_.load(std::memory_order_relaxed)) return std::nullopt;
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i + 1 == responses_.size()) SetDraining();
    if (i >= responses_.size()) return std::nullopt;
    return i;
  }

  // Worker: records that request `i` has `key`. False when an earlier
  // request had the same key: `i` is then answered with that one's answer,
  // now or once it arrives.
  bool Register(size_t i, const CacheDigest& key) {
    // Open addressing over the key's first 8 bytes (uniform: a SHA-256).
    // A slot holds 1 + the index of the first request with its key; the
    // key is written before the slot is published (release), and read
    // after the slot is seen (acquire).
    key_of_[i] = key;
    const size_t mask = first_of_.size() - 1;
    size_t pos = static_cast<size_t>(CacheKeyPrefix(key)) & mask;
    while (true) {
      uint32_t cur = first_of_[pos].load(std::memory_order_acquire);
      if (cur == 0) {
        if (first_of_[pos].compare_exchange_strong(cur, static_cast<uint32_t>(i + 1), std::memory_order_acq_rel)) {
          return true;
        }
        // Another worker took the slot; `cur` is now its value.
      }
      if (key_of_[cur - 1] == key) return RegisterRepeat(i, cur - 1);
      pos = (pos + 1) & mask;
    }
  }

  // Requests not claimed yet (a relaxed read: the committer's estimate of
  // the work left).
  size_t Unclaimed() const {
    const size_t claimed = next_.load(std::memory_order_relaxed);
    return claimed >= responses_.size() ? 0 : responses_.size() - claimed;
  }

  // Whether the run has stopped (a failure): no request starts after.
  bool Stopped() const { return stop_.load(std::memory_order_relaxed); }

  // Worker: starts loading the repeat-table slot where Register(_, key)
  // begins, for writing.
  void PrefetchSlot(const CacheDigest& key) const {
    __builtin_prefetch(&first_of_[static_cast<size_t>(CacheKeyPrefix(key)) & (first_of_.size() - 1)], 1);
  }

  // Worker: request `i` was answered from the cache.
  void AnswerFromCache(size_t i, Response response) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_[i] = std::move(response);
    ++counts_.cached;
    MarkAnsweredLocked(i);
  }

  // A failure outside any one request's answer (a cache read): stops the run.
  void Fail(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    FailLocked(std::move(status));
  }

  // Worker `w`: a request's final result, for the committer. A failed
  // request stops the run at once: no worker claims another.
  void Finish(size_t w, Done done) {
    const bool failed = !done.result.ok();
    {
      std::lock_guard<std::mutex> lock(outboxes_[w]->mu);
      outboxes_[w]->items.push_back(std::move(done));
    }
    outboxes_[w]->finished.fetch_add(1, std::memory_order_seq_cst);
    // The committer, when it waits for results, says so under mu_ before
    // it checks the counts; taking mu_ here then orders this notify after
    // its wait began.
    if (failed || committer_waiting_.load(std::memory_order_seq_cst)) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (failed) StopLocked();
      }
      done_cv_.notify_one();
    }
  }

  // Worker: sleeps `d` unless the run stops first; false when it stopped.
  bool SleepUnlessStopped(std::chrono::duration<double> d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !stop_cv_.wait_for(lock, d, [&] { return stop_.load(std::memory_order_relaxed); });
  }

  // Worker: it has claimed its last request.
  void WorkerExited() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++workers_exited_;
    }
    progress_cv_.notify_one();
  }

  // A list of finished requests in the vectors the outboxes filled: the
  // committer takes whole vectors, so no Done is moved one by one.
  using Batch = std::vector<std::vector<Done>>;

  // Committer: waits until `gather_until` (letting results gather) unless
  // every request is claimed, then for at least one result, but not past
  // `commit_by` when given; appends the results to `batch`. False once the
  // run is closed and every result taken.
  bool TakeDone(Clock::time_point gather_until, std::optional<Clock::time_point> commit_by, Batch& batch) {
    bool closed;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const Clock::time_point first = commit_by ? std::min(gather_until, *commit_by) : gather_until;
      done_cv_.wait_until(lock, first, [&] { return closed_ || draining_; });
      committer_waiting_.store(true, std::memory_order_seq_cst);
      auto ready = [&] { return closed_ || Finished() > taken_; };
      if (commit_by) {
        done_cv_.wait_until(lock, *commit_by, ready);
      } else {
        done_cv_.wait(lock, ready);
      }
      committer_waiting_.store(false, std::memory_order_relaxed);
      closed = closed_;  // set after the last worker's last Finish
    }
    // Each non-empty outbox's vector is swapped for an empty one (keeping
    // its capacity from an earlier round), so a worker's lock is held for
    // a swap.
    size_t taken = 0;
    for (const std::unique_ptr<Outbox>& box : outboxes_) {
      std::vector<Done> empty;
      if (!spare_.empty()) {
        empty = std::move(spare_.back());
        spare_.pop_back();
      }
      {
        std::lock_guard<std::mutex> lock(box->mu);
        if (box->items.empty()) {
          spare_.push_back(std::move(empty));
          continue;
        }
        std::swap(box->items, empty);
      }
      taken += empty.size();
      batch.push_back(std::move(empty));
    }
    taken_ += taken;
    return !(closed && taken == 0);
  }

  // Committer: the vectors of a batch it is done with, for TakeDone to
  // reuse.
  void Recycle(Batch& batch) {
    for (std::vector<Done>& v : batch) {
      v.clear();
      spare_.push_back(std::move(v));
    }
    batch.clear();
  }

  // Committer: `batch` is durable (or not: `status`); its answers count.
  void Committed(Batch& batch, const Status& status) {
    // Answers move into place before the lock: only the committer writes
    // these elements, and nobody reads one before it is marked answered.
    if (status.ok()) {
      for (std::vector<Done>& v : batch) {
        for (Done& d : v) {
          if (d.result.ok()) responses_[d.index] = std::move(d.result).value();
        }
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (std::vector<Done>& v : batch) {
        for (Done& d : v) AbsorbLocked(d, status);
      }
    }
    progress_cv_.notify_one();
    Recycle(batch);
  }

  // Caller: redraws progress until every one of `n_workers` has exited.
  void WaitForWorkers(size_t n_workers) {
    while (true) {
      ProgressCounts counts;
      bool all_exited;
      {
        std::unique_lock<std::mutex> lock(mu_);
        progress_cv_.wait_for(lock, std::chrono::milliseconds(100),
                              [&] { return workers_exited_ == n_workers; });
        counts = counts_;
        all_exited = workers_exited_ == n_workers;
      }
      if (all_exited) return;
      progress_.Update(counts);
    }
  }

  // Caller, once the workers have exited: the committer drains and exits.
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    done_cv_.notify_all();
  }

  // Caller, once the committer has exited: the run's outcome.
  Status Finish(RunStats* stats) {
    progress_.Finish(counts_);
    if (stats) {
      stats->cached = counts_.cached;
      stats->sent = counts_.sent;
      stats->deduplicated = deduplicated_;
      stats->retries = counts_.retries;
    }
    if (!failure_.ok()) return failure_;
    if (counts_.done != static_cast<int64_t>(responses_.size())) {
      return Status::Internal("runner: " + std::to_string(counts_.done) + " of " +
                              std::to_string(responses_.size()) + " requests answered");
    }
    return Status::OK();
  }

 private:
  // Results put in the outboxes so far.
  uint64_t Finished() const {
    uint64_t n = 0;
    for (const std::unique_ptr<Outbox>& box : outboxes_) n += box->finished.load(std::memory_order_seq_cst);
    return n;
  }
  // Register's rare path: request `i` repeats request `first`.
  bool RegisterRepeat(size_t i, size_t first) {
    std::lock_guard<std::mutex> lock(mu_);
    ++deduplicated_;
    if (answered_[first]) {
      responses_[i] = responses_[first];
      MarkAnsweredLocked(i);
    } else {
      waiters_[first].push_back(i);
    }
    return false;
  }
  void SetDraining() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      draining_ = true;
    }
    done_cv_.notify_all();
  }
  void StopLocked() {
    if (stop_.exchange(true)) return;
    draining_ = true;
    stop_cv_.notify_all();
    done_cv_.notify_all();
  }
  void FailLocked(Status status) {
    if (failure_.ok()) failure_ = std::move(status);
    StopLocked();
  }
  void MarkAnsweredLocked(size_t i) {
    answered_[i] = 1;
    ++counts_.done;
    if (waiters_.empty()) return;
    auto w = waiters_.find(i);
    if (w == waiters_.end()) return;
    for (size_t dup : w->second) {
      responses_[dup] = responses_[i];
      answered_[dup] = 1;
      ++counts_.done;
    }
    waiters_.erase(w);
  }
  void AbsorbLocked(Done& d, const Status& commit_status) {
    counts_.retries += d.retries;
    const Status& failure = !d.result.ok() ? d.result.status() : commit_status;
    if (!failure.ok()) {
      FailLocked(failure.WithPrefix("request " + std::to_string(d.index)));
      return;
    }
    ++counts_.sent;
    MarkAnsweredLocked(d.index);
  }

  std::vector<Response>& responses_;       // element i written under mu_
  // next_ is written by every claim: alone on its cache line, so reading
  // the members near it (stop_ on every claim, committer_waiting_ on every
  // finish) does not miss each time.
  alignas(64) std::atomic<size_t> next_{0};  // next index to claim
  alignas(64) std::atomic<bool> stop_{false};  // written under mu_
  std::mutex mu_;
  std::condition_variable done_cv_, stop_cv_, progress_cv_;
  std::vector<uint8_t> answered_;          // guarded by mu_
  std::vector<CacheDigest> key_of_;        // element i: written by request i's worker before publishing
  // Hash slots: 1 + index of a first request, 0 empty. Four bytes each (a
  // run has fewer than 2^32 - 1 requests: RunRequests checks), to keep the
  // table small: its probes are random reads, one per request.
  std::vector<std::atomic<uint32_t>> first_of_;
  std::unordered_map<size_t, std::vector<size_t>> waiters_;  // first index -> repeats; mu_
  std::vector<std::unique_ptr<Outbox>> outboxes_;  // one per worker
  std::vector<std::vector<Done>> spare_;   // the committer's: empty vectors to swap into outboxes
  uint64_t taken_ = 0;                     // the committer's: results taken from them
  std::atomic<bool> committer_waiting_{false};  // written under mu_
  bool draining_ = false;                  // guarded by mu_: every request claimed
  bool closed_ = false;                    // guarded by mu_: no more results will come
  size_t workers_exited_ = 0;              // guarded by mu_
  int64_t deduplicated_ = 0;               // guarded by mu_
  ProgressCounts counts_;                  // guarded by mu_
  Status failure_;                         // guarded by mu_
  Progress progress_;                      // the calling thread's
};

// Answers are inserted into the cache as they gather (every
// kInsertInterval, or at once when every request is claimed) and committed
// in one transaction (one fsync) per kMinCommitInterval, and when the run
// ends. An answer counts only once its transaction is committed: it waits
// at most about kMinCommitInterval to count, and a kill -9 loses at most
// that much work. Neither fsync latency nor its CPU cost (the filesystem
// journal's too) limits throughput: at 35,000 answers/s on loopback the
// fsyncs alone cost about 3% of throughput at one commit per 20 ms
// (bench/runner_overhead). Inserting as answers gather, rather than a
// whole interval's at commit time, leaves the run's end only the last few
// milliseconds' answers to write; and near the end (once the open
// transaction holds as many answers as are left to claim) the committer
// commits early, at halving sizes, so that little is left to sync after the
// last answer (bench/runner_overhead: the drain's median 6.2 -> 3.4 ms).
constexpr std::chrono::milliseconds kMinCommitInterval{100};
constexpr std::chrono::milliseconds kInsertInterval{10};

void CommitterLoop(RequestCache* cache, RunState& state) {
  std::vector<RequestCache::Entry> entries;
  RunState::Batch batch, inserted;  // inserted: in the open transaction
  Status status;                    // the open transaction's, once it failed
  Clock::time_point last = Clock::now(), begun = last;
  size_t open_answers = 0;  // answers in the open transaction
  auto commit = [&] {
    if (status.ok() && cache) status = cache->CommitInserted();
    state.Committed(inserted, status);
    status = Status::OK();
    open_answers = 0;
  };
  while (true) {
    const bool more = state.TakeDone(last + kInsertInterval,
                                     inserted.empty() ? std::nullopt : std::optional(begun + kMinCommitInterval),
                                     batch);
    last = Clock::now();
    if (!batch.empty()) {
      if (inserted.empty()) begun = last;
      if (status.ok() && cache) {
        entries.clear();
        for (const std::vector<Done>& v : batch) {
          for (const Done& d : v) {
            if (d.result.ok()) entries.push_back({d.key, d.request_json, &d.result.value()});
          }
        }
        status = cache->Insert(entries);
      }
      for (std::vector<Done>& v : batch) {
        open_answers += v.size();
        inserted.push_back(std::move(v));
      }
      batch.clear();
    }
    if (!more) break;
    // A failed insert is reported at once (the run stops), not at the
    // interval's end.
    // Near the end, commit early: once the open transaction holds as many
    // answers as are left to claim, the run will end within about one
    // interval, and what is committed now is not written and synced after
    // the last answer. The commits come at halving sizes, a few in all.
    if (!inserted.empty() && (!status.ok() || Clock::now() - begun >= kMinCommitInterval ||
                              (cache && open_answers >= state.Unclaimed()))) {
      commit();
    }
  }
  if (!inserted.empty()) commit();
}

// A cache connection the workers share for lookups (resumed runs only).
struct SharedReader {
  std::mutex mu;
  RequestCache* cache = nullptr;  // guarded by mu
};

struct WorkerContext {
  Backend& backend;
  const std::vector<Request>& requests;
  const RunnerOptions& options;
  const CacheKeyHasher& keys;
  RunState& state;
  SharedReader* reader;  // null: no lookups
};

// Sends one request, retrying Unavailable with backoff.
void Send(const WorkerContext& ctx, const Request& request, std::optional<std::mt19937_64>& rng, Done& done) {
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  for (int32_t attempt = 0;; ++attempt) {
    done.result = ctx.backend.Complete(request);
    if (done.result.ok() || done.result.status().code() != StatusCode::kUnavailable ||
        attempt >= ctx.options.max_retries) {
      return;
    }
    const double backoff = std::min(30.0, ctx.options.initial_backoff_s * std::pow(2.0, attempt));
    if (!rng) rng.emplace(std::random_device{}());  // seeded on a first retry only
    if (!ctx.state.SleepUnlessStopped(std::chrono::duration<double>(backoff * jitter(*rng)))) return;
    ++done.retries;
  }
}

// Answers request `i` from the cache when it holds it. False once the run
// failed.
bool TryCache(const WorkerContext& ctx, size_t i, const CacheDigest& key, bool* hit) {
  Result<std::optional<Response>> found = [&] {
    std::lock_guard<std::mutex> lock(ctx.reader->mu);
    return ctx.reader->cache->Lookup(key);
  }();
  if (!found.ok()) {
    ctx.state.Fail(found.status());
    return false;
  }
  *hit = found->has_value();
  if (*hit) ctx.state.AnswerFromCache(i, std::move(**found));
  return true;
}

// Worker: the next request claimed, with its canonical JSON and key, its
// repeat-table slot being fetched meanwhile; nullopt once none is left.
std::optional<Done> ClaimNext(const WorkerContext& ctx) {
  const std::optional<size_t> i = ctx.state.Claim();
  if (!i) return std::nullopt;
  std::optional<Done> done(std::in_place);
  done->index = *i;
  done->request_json = ctx.requests[*i].CanonicalJson();
  done->key = ctx.keys.Digest(done->request_json);
  ctx.state.PrefetchSlot(done->key);
  return done;
}

void WorkerLoop(const WorkerContext& ctx, size_t worker) {
  std::optional<std::mt19937_64> rng;
  // The next request is claimed and keyed before this one's result goes to
  // the committer, so that the fetch of its repeat-table slot (a random
  // read, usually a cache miss) overlaps the hand-over. A failed request
  // stops the run: nothing more is claimed after it.
  std::optional<Done> next = ClaimNext(ctx);
  while (next) {
    Done done = std::move(*next);
    next.reset();
    if (ctx.state.Stopped()) break;  // another request failed since the claim
    bool send = ctx.state.Register(done.index, done.key);
    if (send && ctx.reader) {
      bool hit = false;
      if (!TryCache(ctx, done.index, done.key, &hit)) break;
      send = !hit;
    }
    if (!send) {
      next = ClaimNext(ctx);
      continue;
    }
    Send(ctx, ctx.requests[done.index], rng, done);
    if (done.result.ok()) next = ClaimNext(ctx);
    ctx.state.Finish(worker, std::move(done));
  }
  ctx.state.WorkerExited();
}

// Whether a new file can be made at `path`: its directory exists and is
// writable.
Status CheckCanCreate(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::InvalidArgument("cannot create the request cache " + path + ": directory " + dir.string() +
                                   ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status CheckOptions(const RunnerOptions& options) {
  if (options.concurrency < 1) return Status::InvalidArgument("runner: concurrency must be >= 1");
  if (options.max_retries < 0) return Status::InvalidArgument("runner: max_retries must be >= 0");
  if (!(options.request_timeout_s > 0)) return Status::InvalidArgument("runner: request timeout must be > 0");
  return Status::OK();
}

}  // namespace

Status RunRequests(Backend& backend, const std::vector<Request>& requests,
                   const RunnerOptions& options, std::vector<Response>* responses,
                   RunStats* stats) {
  DOKJA_RETURN_IF_ERROR(CheckOptions(options));
  if (requests.size() >= UINT32_MAX) {
    return Status::InvalidArgument("runner: " + std::to_string(requests.size()) +
                                   " requests in one run; at most 4294967294");
  }
  const Clock::time_point start = Clock::now();
  responses->assign(requests.size(), Response());
  const std::string identity = backend.Identity();
  // Two connections: workers look answers up while the committer writes
  // (WAL readers do not wait for the writer).
  std::unique_ptr<RequestCache> writer;
  SharedReader reader;
  std::unique_ptr<RequestCache> reader_cache;
  // A cache file that does not exist yet holds no answers to look up: the
  // committer creates it while the first requests are out (creating one
  // waits for several fsyncs, a few milliseconds). Its directory must be
  // writable before anything is sent.
  bool create_in_committer = false;
  if (!options.cache_path.empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(options.cache_path, ec) && !ec) {
      DOKJA_RETURN_IF_ERROR(CheckCanCreate(options.cache_path));
      create_in_committer = true;
    } else {
      DOKJA_ASSIGN_OR_RETURN(writer, RequestCache::Open(options.cache_path, identity));
      // A cache with no answers for this backend yet cannot hit: skip the
      // lookups. Repeats within this run are found by key.
      DOKJA_ASSIGN_OR_RETURN(bool any, writer->HasAnswers());
      if (any) {
        DOKJA_ASSIGN_OR_RETURN(reader_cache, RequestCache::Open(options.cache_path, identity));
        reader.cache = reader_cache.get();
      }
    }
  }
  backend.SetTimeout(options.request_timeout_s);
  const size_t n_workers = std::min<size_t>(static_cast<size_t>(options.concurrency),
                                            std::max<size_t>(1, requests.size()));
  RunState state(*responses, n_workers, options.label, options.progress);
  const CacheKeyHasher keys(identity);
  const WorkerContext ctx{backend, requests, options, keys, state, reader.cache ? &reader : nullptr};
  std::vector<std::thread> workers;
  // Named for top -H, perf and gdb (at most 15 characters).
  for (size_t w = 0; w < n_workers; ++w) {
    workers.emplace_back([&ctx, w] {
      pthread_setname_np(pthread_self(), "dokja-request");
      WorkerLoop(ctx, w);
    });
  }
  std::thread committer([&] {
    pthread_setname_np(pthread_self(), "dokja-commit");
    if (create_in_committer) {
      Result<std::unique_ptr<RequestCache>> opened = RequestCache::Open(options.cache_path, identity);
      if (opened.ok()) {
        writer = std::move(opened).value();
      } else {
        state.Fail(opened.status());  // stops the run; what is in flight still drains
      }
    }
    CommitterLoop(writer.get(), state);
  });
  state.WaitForWorkers(n_workers);
  for (std::thread& t : workers) t.join();
  const Clock::time_point drain_start = Clock::now();
  state.Close();
  committer.join();
  // Closing the writer checkpoints what the WAL still holds into the file.
  reader_cache.reset();
  writer.reset();
  Status status = state.Finish(stats);
  if (stats) {
    const Clock::time_point end = Clock::now();
    stats->total = static_cast<int64_t>(requests.size());
    stats->wall_s = std::chrono::duration<double>(end - start).count();
    stats->drain_s = std::chrono::duration<double>(end - drain_start).count();
  }
  return status;
}

}  // namespace dokja::bench
