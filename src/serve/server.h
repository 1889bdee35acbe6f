// An OpenAI-compatible HTTP server over a LocalModel: the subset of vLLM's
// API that benchmarks and arena battles use. docs/server.md describes the
// endpoints and their JSON.
//
//   GET  /v1/models             the one model served
//   POST /v1/completions        text completion; echo + logprobs scores prompts
//   POST /v1/chat/completions   chat template + generation; SSE streaming
//   POST /tokenize, /detokenize vLLM's tokenizer endpoints
//   GET  /health, /metrics      liveness; Prometheus text
//
// Requests run on a pool of `max_concurrency` engine sessions behind a queue
// of `max_queue` waiting requests; beyond that the server answers 429.
//
// Example:
//   DOKJA_ASSIGN_OR_RETURN(auto server, ModelServer::Start(*model, {.port = 0}));
//   std::printf("listening on http://127.0.0.1:%d\n", server->port());
//   ...
//   server->Stop();
//
// Thread-safety: Start, port and Stop may be called from any thread; Stop is
// idempotent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "engine/generate.h"

namespace dokja::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int32_t port = 8000;            // 0: any free port (see ModelServer::port)
  int32_t max_concurrency = 2;    // engine sessions, each with its own KV cache
  int32_t max_queue = 64;         // requests waiting for a session before 429
  std::string api_key;            // empty: no authentication on /v1/*
  uint64_t max_body_bytes = 64 << 20;  // 64 MiB; larger requests get 413
};

class ModelServer {
 public:
  // Binds host:port and starts serving on background threads. `model` must
  // outlive the server. InvalidArgument for bad options; Unavailable when
  // the address cannot be bound.
  static Result<std::unique_ptr<ModelServer>> Start(const engine::LocalModel& model,
                                                    const ServeOptions& options);
  // Stops if still running.
  ~ModelServer();
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  // The bound port (the chosen one when options.port was 0).
  int32_t port() const;
  // Stops accepting connections, lets requests in progress finish, then
  // joins every thread.
  void Stop();

 // The server's state; opaque outside server.cc.
  struct Impl;

 private:
  explicit ModelServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Blocks until SIGINT or SIGTERM arrives, then returns (the caller stops the
// server). Installs handlers for both signals.
void WaitForTerminationSignal();

}  // namespace dokja::serve
