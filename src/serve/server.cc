// The HTTP edge: cpp-httplib routes, authentication, metrics and SSE. Every
// route lambda parses, calls one ModelService method (on a worker session
// when it needs the engine) and writes the reply.
#include "serve/server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <thread>

#include "serve/internal/api.h"
#include "serve/internal/metrics.h"
#include "serve/internal/service.h"
#include "serve/internal/worker_pool.h"

namespace dokja::serve {
namespace {

constexpr const char* kJson = "application/json";
constexpr int kListenBacklog = 1024;  // pending connections before the kernel drops SYNs

// Chunks of one streaming response, handed from the worker that generates
// them to the HTTP thread that writes them. Thread-safe.
class StreamChannel {
 public:
  // False once the client has gone away (the worker then stops generating).
  bool Push(std::string chunk) {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return false;
    chunks_.push_back(std::move(chunk));
    cv_.notify_one();
    return true;
  }
  void Finish() {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_one();
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  // Waits for chunks or the end; returns what arrived and whether it is all.
  std::string Wait(bool* done) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !chunks_.empty() || done_; });
    std::string out;
    for (std::string& c : chunks_) out += c;
    chunks_.clear();
    *done = done_;
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;  // guarded by mu_
  bool done_ = false;               // guarded by mu_
  bool cancelled_ = false;          // guarded by mu_
};

std::string EndpointLabel(const std::string& path) {
  static const char* kKnown[] = {"/v1/models", "/v1/completions", "/v1/chat/completions",
                                 "/tokenize",  "/detokenize",     "/health",
                                 "/metrics"};
  for (const char* k : kKnown) {
    if (path == k) return k;
  }
  return "other";
}

bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// When the routing of this thread's current request began.
thread_local std::chrono::steady_clock::time_point request_start;

}  // namespace

struct ModelServer::Impl {
  Impl(const engine::LocalModel& m, const ServeOptions& o)
      : model(m),
        options(o),
        pool(std::make_unique<WorkerPool>(m.engine(), o.max_concurrency, o.max_queue)),
        metrics([p = pool.get()] { return p->queued(); }, [p = pool.get()] { return p->running(); }),
        service(m, metrics) {}

  void Send(httplib::Response& res, const Reply& reply) {
    res.status = reply.status;
    res.set_content(reply.body, kJson);
  }

  ApiError QueueFull() {
    metrics.RecordRejected();
    ApiError e;
    e.http_status = 429;
    e.type = "rate_limit_error";
    e.code = "rate_limit_exceeded";
    e.message = "server busy: " + std::to_string(options.max_concurrency) + " requests running and " +
                std::to_string(options.max_queue) + " queued; retry later";
    return e;
  }

  // Runs `fn` on a worker session and waits for it; 429 when the queue is full.
  Reply OnWorker(std::function<Reply(engine::Session&)> fn) {
    auto promise = std::make_shared<std::promise<Reply>>();
    std::future<Reply> reply = promise->get_future();
    const bool queued = pool->TrySubmit([promise, fn = std::move(fn)](engine::Session& session) {
      try {
        promise->set_value(fn(session));
      } catch (const std::exception& e) {
        ApiError error;
        error.http_status = 500;
        error.type = "server_error";
        error.message = std::string("internal error: ") + e.what();
        promise->set_value(ErrorReply(error));
      }
    });
    if (!queued) return ErrorReply(QueueFull());
    return reply.get();
  }

  // Starts `run` on a worker, streaming its chunks as server-sent events.
  void Stream(httplib::Response& res, std::function<void(engine::Session&, const ChunkSink&)> run) {
    auto channel = std::make_shared<StreamChannel>();
    const bool queued = pool->TrySubmit([channel, run = std::move(run)](engine::Session& session) {
      ChunkSink sink = [channel](const std::string& json) {
        return channel->Push("data: " + json + "\n\n");
      };
      try {
        run(session, sink);
      } catch (const std::exception& e) {
        ApiError error;
        error.http_status = 500;
        error.type = "server_error";
        error.message = std::string("internal error: ") + e.what();
        sink(ErrorBody(error));
      }
      channel->Finish();
    });
    if (!queued) return Send(res, ErrorReply(QueueFull()));
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [channel](size_t, httplib::DataSink& sink) {
          bool done = false;
          const std::string data = channel->Wait(&done);
          if (!data.empty() && !sink.write(data.data(), data.size())) {
            channel->Cancel();
            return false;
          }
          if (done) {
            const std::string end = "data: [DONE]\n\n";
            sink.write(end.data(), end.size());
            sink.done();
          }
          return true;
        },
        [channel](bool) { channel->Cancel(); });
  }

  const engine::LocalModel& model;
  ServeOptions options;
  std::unique_ptr<WorkerPool> pool;
  Metrics metrics;
  ModelService service;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> stopped{false};
};

namespace {

using Impl = ModelServer::Impl;

void RegisterCompletionRoutes(httplib::Server& http, Impl& s) {
  http.Get("/v1/models", [&s](const httplib::Request&, httplib::Response& res) {
    s.Send(res, s.service.Models());
  });
  http.Post("/v1/completions", [&s](const httplib::Request& req, httplib::Response& res) {
    auto parsed = ParseCompletionRequest(req.body);
    if (auto* e = std::get_if<ApiError>(&parsed)) return s.Send(res, ErrorReply(*e));
    auto prepared = s.service.PrepareCompletion(std::get<CompletionRequest>(std::move(parsed)));
    if (auto* e = std::get_if<ApiError>(&prepared)) return s.Send(res, ErrorReply(*e));
    auto job = std::make_shared<PreparedCompletion>(std::get<PreparedCompletion>(std::move(prepared)));
    if (job->request.gen.stream) {
      return s.Stream(res, [&s, job](engine::Session& session, const ChunkSink& sink) {
        s.service.RunCompletion(*job, session, &sink);
      });
    }
    s.Send(res, s.OnWorker([&s, job](engine::Session& session) {
      return s.service.RunCompletion(*job, session, nullptr);
    }));
  });
  http.Post("/v1/chat/completions", [&s](const httplib::Request& req, httplib::Response& res) {
    auto parsed = ParseChatRequest(req.body);
    if (auto* e = std::get_if<ApiError>(&parsed)) return s.Send(res, ErrorReply(*e));
    auto prepared = s.service.PrepareChat(std::get<ChatRequest>(std::move(parsed)));
    if (auto* e = std::get_if<ApiError>(&prepared)) return s.Send(res, ErrorReply(*e));
    auto job = std::make_shared<PreparedChat>(std::get<PreparedChat>(std::move(prepared)));
    if (job->request.gen.stream) {
      return s.Stream(res, [&s, job](engine::Session& session, const ChunkSink& sink) {
        s.service.RunChat(*job, session, &sink);
      });
    }
    s.Send(res, s.OnWorker([&s, job](engine::Session& session) {
      return s.service.RunChat(*job, session, nullptr);
    }));
  });
}

void RegisterTokenizerRoutes(httplib::Server& http, Impl& s) {
  http.Post("/tokenize", [&s](const httplib::Request& req, httplib::Response& res) {
    auto parsed = ParseTokenizeRequest(req.body);
    if (auto* e = std::get_if<ApiError>(&parsed)) return s.Send(res, ErrorReply(*e));
    s.Send(res, s.service.Tokenize(std::get<TokenizeRequest>(parsed)));
  });
  http.Post("/detokenize", [&s](const httplib::Request& req, httplib::Response& res) {
    auto parsed = ParseDetokenizeRequest(req.body);
    if (auto* e = std::get_if<ApiError>(&parsed)) return s.Send(res, ErrorReply(*e));
    s.Send(res, s.service.Detokenize(std::get<DetokenizeRequest>(parsed)));
  });
}

void RegisterOperationsRoutes(httplib::Server& http, Impl& s) {
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", kJson);
  });
  http.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(s.metrics.Render(), "text/plain; version=0.0.4");
  });
}

// Authentication, timing, metrics and JSON bodies for httplib's own errors.
void InstallHooks(httplib::Server& http, Impl& s) {
  http.set_pre_routing_handler([&s](const httplib::Request& req,
                                    httplib::Response& res) -> httplib::Server::HandlerResponse {
    request_start = std::chrono::steady_clock::now();
    if (s.options.api_key.empty() || req.path.rfind("/v1/", 0) != 0) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    const std::string auth = req.get_header_value("Authorization");
    if (!ConstantTimeEqual(auth, "Bearer " + s.options.api_key)) {
      ApiError e = InvalidRequest("Incorrect API key provided.", "", "invalid_api_key");
      e.http_status = 401;
      s.Send(res, ErrorReply(e));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                httplib::Response& res) {
    if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Unhandled;
    ApiError e;
    e.http_status = res.status;
    e.message = res.status == 404 ? "no route " + req.method + " " + req.path
                                  : "HTTP error " + std::to_string(res.status);
    e.code = res.status == 404 ? "not_found" : "";
    res.set_content(ErrorBody(e), kJson);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_logger([&s](const httplib::Request& req, const httplib::Response& res) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - request_start).count();
    s.metrics.RecordRequest(EndpointLabel(req.path), res.status, seconds);
  });
}

}  // namespace

ModelServer::ModelServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ModelServer::~ModelServer() { Stop(); }

Result<std::unique_ptr<ModelServer>> ModelServer::Start(const engine::LocalModel& model,
                                                        const ServeOptions& options) {
  if (options.max_concurrency < 1) return Status::InvalidArgument("--max-concurrency must be >= 1");
  if (options.max_queue < 0) return Status::InvalidArgument("--max-queue must be >= 0");
  if (options.port < 0 || options.port > 65535) return Status::InvalidArgument("--port must be in [0, 65535]");
  auto impl = std::make_unique<Impl>(model, options);
  httplib::Server& http = impl->http;
  // Enough HTTP threads that our queue, not httplib's, decides who waits.
  const size_t n_threads = static_cast<size_t>(options.max_concurrency) +
                           static_cast<size_t>(std::min(options.max_queue, 1024)) + 8;
  http.new_task_queue = [n_threads] { return new httplib::ThreadPool(n_threads); };
  http.set_payload_max_length(options.max_body_bytes);
  RegisterCompletionRoutes(http, *impl);
  RegisterTokenizerRoutes(http, *impl);
  RegisterOperationsRoutes(http, *impl);
  InstallHooks(http, *impl);
  // httplib listens with a backlog of 5; a burst of clients then overflows
  // the accept queue and connections stall for a SYN retransmit (and some
  // clients fail), so we listen again on the same socket with a real backlog.
  auto listen_fd = std::make_shared<socket_t>(INVALID_SOCKET);
  http.set_socket_options([listen_fd](socket_t sock) {
    httplib::default_socket_options(sock);
    *listen_fd = sock;
  });
  // Replies go out as separate writes (headers, body); without TCP_NODELAY,
  // Nagle's algorithm and the client's delayed ACK hold each ~40 ms.
  http.set_tcp_nodelay(true);
  int32_t port = options.port;
  if (port == 0) {
    port = http.bind_to_any_port(options.host);
    if (port < 0) return Status::Unavailable("cannot bind " + options.host + " to any port");
  } else if (!http.bind_to_port(options.host, port)) {
    return Status::Unavailable("cannot bind " + options.host + ":" + std::to_string(port) +
                               " (in use, or not an address of this machine)");
  }
  impl->options.port = port;
  if (*listen_fd != INVALID_SOCKET) ::listen(*listen_fd, kListenBacklog);
  impl->listener = std::thread([&http] { http.listen_after_bind(); });
  // Ready once the accept loop runs (a stop() before that would be lost).
  while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<ModelServer>(new ModelServer(std::move(impl)));
}

int32_t ModelServer::port() const { return impl_->options.port; }

void ModelServer::Stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  impl_->http.stop();
  if (impl_->listener.joinable()) impl_->listener.join();
  impl_->pool.reset();
}

namespace {
volatile std::sig_atomic_t termination_requested = 0;
extern "C" void OnTerminationSignal(int) { termination_requested = 1; }
}  // namespace

void WaitForTerminationSignal() {
  std::signal(SIGINT, OnTerminationSignal);
  std::signal(SIGTERM, OnTerminationSignal);
  while (!termination_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

}  // namespace dokja::serve
