#include "bench/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "bench/cache.h"
#include "bench/progress.h"

namespace dokja::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Job {
  int64_t index = 0;
  std::string key;
  std::string request_json;
};

struct Done {
  Job job;
  Result<Response> result = Status::Internal("not run");
  int64_t retries = 0;
};

// Batches moving between threads: jobs from the coordinator to the workers,
// answers from the workers to the committer, committed answers back to the
// coordinator.
class WorkQueue {
 public:
  explicit WorkQueue(size_t low_water) : low_water_(low_water) {}

  // Blocks for the next job; nullopt once closed and empty, or stopped.
  std::optional<Job> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    job_cv_.wait(lock, [&] { return stop_ || closed_ || !jobs_.empty(); });
    if (stop_ || jobs_.empty()) return std::nullopt;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    // Wake the coordinator to refill before the workers run dry.
    if (jobs_.size() == low_water_) coordinator_cv_.notify_one();
    return job;
  }
  size_t Size() {
    std::lock_guard<std::mutex> lock(mu_);
    return jobs_.size();
  }
  void Push(Job job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    job_cv_.notify_one();
  }
  // A worker's result. A failed job ends the run: no worker starts another.
  void Finish(Done done) {
    bool stop_now, wake_committer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_now = !done.result.ok() && !stop_;
      if (stop_now) stop_ = true;
      done_.push_back(std::move(done));
      wake_committer = committer_waiting_;
    }
    if (wake_committer) done_cv_.notify_one();
    if (stop_now) job_cv_.notify_all();
  }
  // For the committer: waits until `not_before` (letting a batch gather),
  // then for at least one result; empty once closed and drained.
  std::vector<Done> TakeDone(Clock::time_point not_before) {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait_until(lock, not_before, [&] { return closed_ || draining_; });
    committer_waiting_ = true;
    done_cv_.wait(lock, [&] { return closed_ || !done_.empty(); });
    committer_waiting_ = false;
    std::vector<Done> out;
    out.swap(done_);
    return out;
  }
  // For the committer: results now durable (or not: `status`).
  void Committed(std::vector<Done> batch, const Status& status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (Done& d : batch) {
        if (d.result.ok() && !status.ok()) d.result = status;
        committed_.push_back(std::move(d));
      }
    }
    coordinator_cv_.notify_one();
  }
  // For the coordinator: waits up to `wait` for committed results or, when
  // it has more jobs to give (`refill`), for the queue to run low.
  std::vector<Done> TakeCommitted(std::chrono::milliseconds wait, bool refill) {
    std::unique_lock<std::mutex> lock(mu_);
    coordinator_cv_.wait_for(lock, wait, [&] {
      return !committed_.empty() || (refill && jobs_.size() <= low_water_);
    });
    std::vector<Done> out;
    out.swap(committed_);
    return out;
  }
  // Sleeps `d` unless stopped first; false when stopped.
  bool SleepUnlessStopped(std::chrono::duration<double> d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !job_cv_.wait_for(lock, d, [&] { return stop_; });
  }
  // No more jobs will come: workers drain the queue and exit, then the
  // committer drains its results and exits.
  void Close() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
    }
    job_cv_.notify_all();
    done_cv_.notify_all();
  }
  // Every job has been queued: the committer stops gathering batches, so
  // the last answers count at once.
  void SetDraining() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (draining_) return;
      draining_ = true;
    }
    done_cv_.notify_all();
  }
  // Drops queued jobs (returns how many) and wakes sleeping workers.
  size_t Stop() {
    size_t dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      dropped = jobs_.size();
      jobs_.clear();
    }
    job_cv_.notify_all();
    return dropped;
  }

 private:
  std::mutex mu_;
  std::condition_variable job_cv_, done_cv_, coordinator_cv_;
  const size_t low_water_;  // Pop wakes the coordinator at this queue length
  std::deque<Job> jobs_;          // guarded by mu_
  std::vector<Done> done_;        // guarded by mu_
  std::vector<Done> committed_;   // guarded by mu_
  bool closed_ = false;           // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  bool draining_ = false;         // guarded by mu_
  bool committer_waiting_ = false;  // guarded by mu_; Finish wakes it only then
};

// Commits answers in batches, one transaction (one fsync) each, at most one
// batch per kMinCommitInterval until every job is queued: answers wait at
// most that long to count (a kill -9 loses at most that much work), and
// neither fsync latency nor its CPU cost limits throughput.
constexpr std::chrono::milliseconds kMinCommitInterval{20};

void CommitterLoop(RequestCache* cache, WorkQueue& queue) {
  Clock::time_point last = Clock::now();
  while (true) {
    std::vector<Done> batch = queue.TakeDone(last + kMinCommitInterval);
    last = Clock::now();
    if (batch.empty()) return;
    Status status;
    if (cache) {
      std::vector<RequestCache::Entry> entries;
      for (const Done& d : batch) {
        if (d.result.ok()) entries.push_back({d.job.key, d.job.request_json, &d.result.value()});
      }
      status = cache->Commit(entries);
    }
    queue.Committed(std::move(batch), status);
  }
}

void WorkerLoop(Backend& backend, const std::vector<Request>& requests, const RunnerOptions& options,
                WorkQueue& queue) {
  std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  while (std::optional<Job> job = queue.Pop()) {
    Done done;
    const Request& request = requests[static_cast<size_t>(job->index)];
    for (int32_t attempt = 0;; ++attempt) {
      done.result = backend.Complete(request);
      if (done.result.ok() || done.result.status().code() != StatusCode::kUnavailable ||
          attempt >= options.max_retries) {
        break;
      }
      const double backoff = std::min(30.0, options.initial_backoff_s * std::pow(2.0, attempt));
      if (!queue.SleepUnlessStopped(std::chrono::duration<double>(backoff * jitter(rng)))) break;
      ++done.retries;
    }
    done.job = std::move(*job);
    queue.Finish(std::move(done));
  }
}

// The coordinator: feeds the queue lazily, answers repeats and cache hits
// itself, and counts an answer only once the committer has made it durable.
class Coordinator {
 public:
  Coordinator(Backend& backend, const std::vector<Request>& requests, const RunnerOptions& options,
              std::vector<Response>& responses, RequestCache* cache)
      : requests_(requests), responses_(responses), cache_(cache),
        identity_(backend.Identity()), answered_(requests.size(), 0),
        progress_(options.label, static_cast<int64_t>(requests.size()), options.progress) {}

  // Keeps up to `capacity` jobs queued.
  Status Run(WorkQueue& queue, size_t capacity) {
    if (cache_) {
      // A cache with no answers for this backend yet cannot hit: skip the
      // lookups. Answers this run adds are found through first_of_.
      Result<bool> any = cache_->HasAnswers();
      if (!any.ok()) return any.status();
      cache_had_answers_ = *any;
    }
    while (true) {
      while (failure_.ok() && next_ < requests_.size() && queue.Size() < capacity) Feed(queue);
      if (outstanding_ == 0 && (next_ == requests_.size() || !failure_.ok())) break;
      const bool refill = failure_.ok() && next_ < requests_.size();
      if (!refill) queue.SetDraining();
      Absorb(queue.TakeCommitted(std::chrono::milliseconds(100), refill));
      if (!failure_.ok()) outstanding_ -= static_cast<int64_t>(queue.Stop());
      progress_.Update(counts_);
    }
    progress_.Finish(counts_);
    return failure_;
  }

  const ProgressCounts& counts() const { return counts_; }
  int64_t deduplicated() const { return deduplicated_; }

 private:
  void Answer(size_t index, const Response& response) {
    responses_[index] = response;
    answered_[index] = 1;
    ++counts_.done;
  }

  void Feed(WorkQueue& queue) {
    const size_t i = next_++;
    Job job{static_cast<int64_t>(i), "", requests_[i].CanonicalJson()};
    job.key = CacheKey(identity_, std::string_view(job.request_json));
    if (auto it = first_of_.find(job.key); it != first_of_.end()) {
      ++deduplicated_;
      if (answered_[it->second]) {
        Answer(i, responses_[it->second]);
      } else {
        waiters_[it->second].push_back(i);
      }
      return;
    }
    first_of_.emplace(job.key, i);
    if (cache_ && cache_had_answers_) {
      Result<std::optional<Response>> hit = cache_->Lookup(job.key);
      if (!hit.ok()) {
        failure_ = hit.status();
        return;
      }
      if (hit->has_value()) {
        ++counts_.cached;
        Answer(i, **hit);
        return;
      }
    }
    ++outstanding_;
    queue.Push(std::move(job));
  }

  // Counts answers the committer made durable.
  void Absorb(std::vector<Done> batch) {
    for (Done& d : batch) {
      --outstanding_;
      counts_.retries += d.retries;
      const size_t i = static_cast<size_t>(d.job.index);
      if (!d.result.ok()) {
        if (failure_.ok()) failure_ = d.result.status().WithPrefix("request " + std::to_string(i));
        continue;
      }
      ++counts_.sent;
      Answer(i, d.result.value());
      if (auto w = waiters_.find(i); w != waiters_.end()) {
        for (size_t dup : w->second) Answer(dup, responses_[i]);
        waiters_.erase(w);
      }
    }
  }

  const std::vector<Request>& requests_;
  std::vector<Response>& responses_;
  RequestCache* cache_;
  bool cache_had_answers_ = false;
  const std::string identity_;
  std::vector<uint8_t> answered_;
  std::unordered_map<std::string, size_t> first_of_;             // key -> first index
  std::unordered_map<size_t, std::vector<size_t>> waiters_;      // first index -> repeats
  size_t next_ = 0;
  int64_t outstanding_ = 0;  // queued or in flight
  int64_t deduplicated_ = 0;
  Status failure_;
  ProgressCounts counts_;
  Progress progress_;
};

}  // namespace

Status RunRequests(Backend& backend, const std::vector<Request>& requests,
                   const RunnerOptions& options, std::vector<Response>* responses,
                   RunStats* stats) {
  if (options.concurrency < 1) return Status::InvalidArgument("runner: concurrency must be >= 1");
  if (options.max_retries < 0) return Status::InvalidArgument("runner: max_retries must be >= 0");
  if (!(options.request_timeout_s > 0)) return Status::InvalidArgument("runner: request timeout must be > 0");
  const Clock::time_point start = Clock::now();
  responses->assign(requests.size(), Response());
  // Two connections: the coordinator looks answers up while the committer
  // writes (WAL readers do not wait for the writer).
  std::unique_ptr<RequestCache> reader, writer;
  if (!options.cache_path.empty()) {
    DOKJA_ASSIGN_OR_RETURN(writer, RequestCache::Open(options.cache_path, backend.Identity()));
    DOKJA_ASSIGN_OR_RETURN(reader, RequestCache::Open(options.cache_path, backend.Identity()));
  }
  backend.SetTimeout(options.request_timeout_s);
  // Jobs queued ahead of the workers: enough that none runs dry while the
  // coordinator is descheduled on a busy machine, never the whole list.
  const size_t capacity = std::max<size_t>(64, 8 * static_cast<size_t>(options.concurrency));
  WorkQueue queue(capacity / 2);
  const size_t n_workers = std::min<size_t>(static_cast<size_t>(options.concurrency),
                                            std::max<size_t>(1, requests.size()));
  std::vector<std::thread> workers;
  for (size_t w = 0; w < n_workers; ++w) {
    workers.emplace_back([&] { WorkerLoop(backend, requests, options, queue); });
  }
  std::thread committer([&] { CommitterLoop(writer.get(), queue); });
  Coordinator coordinator(backend, requests, options, *responses, reader.get());
  Status status = coordinator.Run(queue, capacity);
  queue.Close();
  for (std::thread& t : workers) t.join();
  committer.join();
  if (stats) {
    stats->total = static_cast<int64_t>(requests.size());
    stats->cached = coordinator.counts().cached;
    stats->sent = coordinator.counts().sent;
    stats->deduplicated = coordinator.deduplicated();
    stats->retries = coordinator.counts().retries;
    stats->wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  }
  return status;
}

}  // namespace dokja::bench
