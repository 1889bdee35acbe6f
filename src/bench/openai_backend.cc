#include "bench/openai_backend.h"

#include <atomic>
#include <chrono>
#include <memory>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench/internal/openai_json.h"

namespace dokja::bench {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t NextSerial() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

struct HttpReply {
  int status = 0;
  std::string body;
};

// "http://host:8000/v1" -> {"http://host:8000", "/v1"}.
Result<std::pair<std::string, std::string>> SplitBaseUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos || (url.compare(0, scheme, "http") != 0 && url.compare(0, scheme, "https") != 0)) {
    return Status::InvalidArgument("base URL '" + url + "' is not http(s)://host[:port][/path]");
  }
  const size_t path = url.find('/', scheme + 3);
  std::string host = url.substr(0, path);
  std::string prefix = path == std::string::npos ? "" : url.substr(path);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (host.size() <= scheme + 3) return Status::InvalidArgument("base URL '" + url + "' has no host");
  return std::make_pair(std::move(host), std::move(prefix));
}

Status HttpStatusError(const std::string& what, int status, const std::string& body) {
  const std::string msg = what + ": server answered HTTP " + std::to_string(status) + ": " +
                          internal::ErrorMessage(body);
  if (status == 408 || status == 429 || status >= 500) return Status::Unavailable(msg);
  return Status::InvalidArgument(msg);
}

class OpenAIBackend final : public Backend {
 public:
  OpenAIBackend(OpenAIBackendOptions options, std::string host, std::string prefix)
      : options_(std::move(options)), host_(std::move(host)), prefix_(std::move(prefix)),
        timeout_s_(options_.timeout_s) {}
  ~OpenAIBackend() override {
    for (size_t k = 0; k < kIdleSlots; ++k) delete idle_[k].client.load();
  }

  Result<Response> Complete(const Request& request) override;
  Status Probe(std::span<const RequestKind> kinds) override;
  std::string Identity() const override;
  void SetTimeout(double seconds) override { timeout_s_.store(seconds); }

 private:
  bool chat() const { return options_.endpoint == OpenAIEndpoint::kChat; }
  // POSTs `body` to prefix + path. With `sse`, a 200 reply's body goes to it.
  Result<HttpReply> Post(const std::string& path, std::string body, internal::SseChatReader* sse);
  std::unique_ptr<httplib::Client> Acquire();
  void Release(std::unique_ptr<httplib::Client> client);
  Result<Response> CompleteChat(const Request& request);
  Result<Response> CompleteText(const Request& request);

  const OpenAIBackendOptions options_;
  const std::string host_, prefix_;
  std::atomic<double> timeout_s_;
  // Idle keep-alive connections, taken and put back by atomic exchanges:
  // no lock on the request path (a shared lock there formed convoys under
  // CPU contention; see RunState in runner.cc). Beyond kIdleSlots idle
  // connections, a released one is closed.
  // One slot per cache line: the workers' slots sharing lines made every
  // request's two exchanges bounce one line between cores (perf showed the
  // Release CAS as half of Post's own time).
  static constexpr size_t kIdleSlots = 1024;
  struct alignas(64) IdleSlot {
    std::atomic<httplib::Client*> client{nullptr};
  };
  std::unique_ptr<IdleSlot[]> idle_{new IdleSlot[kIdleSlots]};
  const uint64_t serial_ = NextSerial();  // tells this backend's slot hints from another's
};

// The slot this thread last put a connection into, and whose backend it
// was: each connection keeps talking to the same threads on both sides,
// which the scheduler keeps close (handing connections around cut loopback
// throughput by half).
struct SlotHint {
  uint64_t serial = 0;
  size_t slot = 0;
};
thread_local SlotHint tl_slot_hint;

std::unique_ptr<httplib::Client> OpenAIBackend::Acquire() {
  // The connection this thread used last, else any idle one.
  SlotHint& hint = tl_slot_hint;
  if (hint.serial == serial_) {
    if (httplib::Client* c = idle_[hint.slot].client.exchange(nullptr, std::memory_order_acquire)) {
      return std::unique_ptr<httplib::Client>(c);
    }
  }
  for (size_t k = 0; k < kIdleSlots; ++k) {
    if (idle_[k].client.load(std::memory_order_relaxed) == nullptr) continue;
    if (httplib::Client* c = idle_[k].client.exchange(nullptr, std::memory_order_acquire)) {
      return std::unique_ptr<httplib::Client>(c);
    }
  }
  auto client = std::make_unique<httplib::Client>(host_);
  client->set_keep_alive(true);
  // Headers and body go out in separate writes; without TCP_NODELAY, Nagle
  // and delayed ACKs hold every request ~40 ms.
  client->set_tcp_nodelay(true);
  if (!options_.api_key.empty()) client->set_bearer_token_auth(options_.api_key.c_str());
  const auto connect = std::chrono::duration<double>(options_.connect_timeout_s);
  client->set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(connect));
  return client;
}

void OpenAIBackend::Release(std::unique_ptr<httplib::Client> client) {
  SlotHint& hint = tl_slot_hint;
  httplib::Client* c = client.release();
  if (hint.serial == serial_) {
    httplib::Client* expected = nullptr;
    if (idle_[hint.slot].client.compare_exchange_strong(expected, c, std::memory_order_release)) return;
  }
  for (size_t k = 0; k < kIdleSlots; ++k) {
    httplib::Client* expected = nullptr;
    if (idle_[k].client.load(std::memory_order_relaxed) == nullptr &&
        idle_[k].client.compare_exchange_strong(expected, c, std::memory_order_release)) {
      hint = {serial_, k};
      return;
    }
  }
  delete c;  // kIdleSlots connections are idle already
}

Result<HttpReply> OpenAIBackend::Post(const std::string& path, std::string body,
                                      internal::SseChatReader* sse) {
  auto url = [&] { return host_ + prefix_ + path; };  // for messages only
  const double timeout_s = timeout_s_.load();
  const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::duration<double>(timeout_s));
  std::unique_ptr<httplib::Client> client = Acquire();
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);

  // What the reply callbacks read and write. They capture one pointer to
  // it, which std::function keeps in place; a closure of several
  // references would be allocated on the heap for every request.
  struct Receiving {
    HttpReply reply;
    Status stream_error;
    bool timed_out;
    Clock::time_point start;
    double timeout_s;
    internal::SseChatReader* sse;
  } rx{{}, Status::OK(), false, Clock::now(), timeout_s, sse};
  httplib::Request req;
  req.method = "POST";
  req.path = prefix_ + path;
  req.body = std::move(body);
  req.set_header("Content-Type", "application/json");
  req.response_handler = [rx = &rx](const httplib::Response& res) {
    rx->reply.status = res.status;
    return true;
  };
  req.content_receiver = [rx = &rx](const char* data, size_t n, uint64_t, uint64_t) {
    if (std::chrono::duration<double>(Clock::now() - rx->start).count() > rx->timeout_s) {
      rx->timed_out = true;
      return false;
    }
    if (!rx->sse || rx->reply.status != 200) {
      rx->reply.body.append(data, n);
      return true;
    }
    rx->stream_error = rx->sse->Feed(std::string_view(data, n));
    return rx->stream_error.ok();
  };
  // send(Request&, ...) rather than send(const Request&), which copies the
  // request (headers, body and handlers) first.
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  if (!client->send(req, res, error)) {
    if (rx.timed_out) {
      return Status::Unavailable("POST " + url() + ": no complete reply within " + std::to_string(timeout_s) + " s");
    }
    if (!rx.stream_error.ok()) return rx.stream_error;
    return Status::Unavailable("POST " + url() + ": " + httplib::to_string(error) +
                               (error == httplib::Error::Read ? " (timed out, reset or truncated)" : ""));
  }
  Release(std::move(client));
  rx.reply.status = res.status;
  return std::move(rx.reply);
}

Result<Response> OpenAIBackend::CompleteText(const Request& request) {
  if (!request.messages.empty()) {
    return Status::InvalidArgument(
        "a completions endpoint cannot render chat messages; use an openai-chat backend (generation) "
        "or the engine backend");
  }
  const bool scored = request.kind != RequestKind::kGenerate;
  std::string body = scored ? internal::EchoBody(options_.model, request.context + request.continuation)
                            : internal::CompletionBody(options_.model, request);
  DOKJA_ASSIGN_OR_RETURN(HttpReply reply, Post("/completions", std::move(body), nullptr));
  if (reply.status != 200) return HttpStatusError("POST " + host_ + prefix_ + "/completions", reply.status, reply.body);
  if (scored) return internal::ParseEchoReply(reply.body, request);
  return internal::ParseCompletionReply(reply.body);
}

Result<Response> OpenAIBackend::CompleteChat(const Request& request) {
  if (request.kind != RequestKind::kGenerate) {
    return Status::Unsupported(
        "a chat completions endpoint cannot score continuations (no prompt log-probs); use an "
        "openai-completions backend or the engine backend for " +
        std::string(RequestKindName(request.kind)) + " requests");
  }
  std::string body = internal::ChatBody(options_.model, request, options_.stream);
  internal::SseChatReader sse;
  DOKJA_ASSIGN_OR_RETURN(HttpReply reply,
                         Post("/chat/completions", std::move(body), options_.stream ? &sse : nullptr));
  if (reply.status != 200) {
    return HttpStatusError("POST " + host_ + prefix_ + "/chat/completions", reply.status, reply.body);
  }
  if (options_.stream) return sse.Finish();
  return internal::ParseChatReply(reply.body);
}

Result<Response> OpenAIBackend::Complete(const Request& request) {
  return chat() ? CompleteChat(request) : CompleteText(request);
}

Status OpenAIBackend::Probe(std::span<const RequestKind> kinds) {
  for (RequestKind kind : kinds) {
    Request probe;
    probe.kind = kind;
    probe.context = "The capital of France is";
    probe.continuation = " Paris";
    probe.gen.max_tokens = 1;
    Result<Response> r = Complete(probe);
    if (!r.ok()) {
      return r.status().WithPrefix(std::string("probing ") + host_ + prefix_ + " for " +
                                   std::string(RequestKindName(kind)) + " requests");
    }
  }
  return Status::OK();
}

std::string OpenAIBackend::Identity() const {
  nlohmann::json j = {{"type", chat() ? "openai-chat" : "openai-completions"},
                      {"base_url", host_ + prefix_},
                      {"model", options_.model}};
  return j.dump();
}

}  // namespace

Result<std::unique_ptr<Backend>> MakeOpenAIBackend(const OpenAIBackendOptions& options) {
  DOKJA_ASSIGN_OR_RETURN(auto parts, SplitBaseUrl(options.base_url));
  if (!(options.timeout_s > 0)) return Status::InvalidArgument("timeout must be > 0 seconds");
  return std::unique_ptr<Backend>(
      std::make_unique<OpenAIBackend>(options, std::move(parts.first), std::move(parts.second)));
}

}  // namespace dokja::bench
