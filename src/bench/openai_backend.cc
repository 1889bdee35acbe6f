#include "bench/openai_backend.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench/internal/http_client.h"
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

// The host and port of "http://host[:port]" (IPv6 in brackets), for the
// plain-HTTP transport; InvalidArgument when they cannot go in a request.
struct HostPort {
  std::string host;  // as written (brackets kept): the Host header
  std::string name;  // what to resolve
  uint16_t port = 80;
};
Result<HostPort> ParseHttpHost(const std::string& scheme_host) {
  const std::string_view hp = std::string_view(scheme_host).substr(scheme_host.find("://") + 3);
  for (char c : hp) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '?' || c == '#' || c == '@' || c == 0x7f) {
      return Status::InvalidArgument("base URL host '" + std::string(hp) + "' has a character a host cannot have");
    }
  }
  HostPort out;
  out.host = std::string(hp);
  std::string_view port;
  if (!hp.empty() && hp.front() == '[') {
    const size_t close = hp.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("base URL host '" + out.host + "' lacks ']'");
    out.name = std::string(hp.substr(1, close - 1));
    if (close + 1 < hp.size()) {
      if (hp[close + 1] != ':') return Status::InvalidArgument("base URL host '" + out.host + "' is malformed");
      port = hp.substr(close + 2);
    }
  } else {
    const size_t colon = hp.rfind(':');
    out.name = std::string(hp.substr(0, colon));
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
  }
  if (out.name.empty()) return Status::InvalidArgument("base URL '" + scheme_host + "' has no host");
  if (!port.empty() || hp.find(':') != std::string_view::npos) {
    int v = 0;
    bool digits = !port.empty() && port.size() <= 5;
    for (char c : port) {
      if (c < '0' || c > '9') digits = false;
      else v = v * 10 + (c - '0');
    }
    if (!digits || v < 1 || v > 65535) {
      return Status::InvalidArgument("base URL port '" + std::string(port) + "' is not a number from 1 to 65535");
    }
    out.port = static_cast<uint16_t>(v);
  }
  return out;
}

// Whether `s` can go in a request line or header value as it is.
bool PrintableAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

Status HttpStatusError(const std::string& what, int status, const std::string& body) {
  const std::string msg = what + ": server answered HTTP " + std::to_string(status) + ": " +
                          internal::ErrorMessage(body);
  if (status == 408 || status == 429 || status >= 500) return Status::Unavailable(msg);
  return Status::InvalidArgument(msg);
}

// Idle keep-alive connections of one kind, taken and put back by atomic
// exchanges: no lock on the request path (a shared lock there formed
// convoys under CPU contention; see RunState in runner.cc). Beyond kSlots
// idle connections, a released one is closed.
//
// Each thread first tries the slot it put a connection into last, so each
// connection keeps talking to the same threads on both sides, which the
// scheduler keeps close (handing connections around cut loopback
// throughput by half). One slot per cache line: the workers' slots sharing
// lines made every request's two exchanges bounce one line between cores
// (perf showed the Release CAS as half of Post's own time).
template <typename T>
class IdlePool {
 public:
  ~IdlePool() {
    for (size_t k = 0; k < kSlots; ++k) delete slots_[k].item.load();
  }
  // The connection this thread used last, else any idle one, else null.
  std::unique_ptr<T> Acquire() {
    Hint& hint = tl_hint;
    if (hint.serial == serial_) {
      if (T* c = slots_[hint.slot].item.exchange(nullptr, std::memory_order_acquire)) return std::unique_ptr<T>(c);
    }
    for (size_t k = 0; k < kSlots; ++k) {
      if (slots_[k].item.load(std::memory_order_relaxed) == nullptr) continue;
      if (T* c = slots_[k].item.exchange(nullptr, std::memory_order_acquire)) return std::unique_ptr<T>(c);
    }
    return nullptr;
  }
  void Release(std::unique_ptr<T> conn) {
    Hint& hint = tl_hint;
    T* c = conn.release();
    if (hint.serial == serial_) {
      T* expected = nullptr;
      if (slots_[hint.slot].item.compare_exchange_strong(expected, c, std::memory_order_release)) return;
    }
    for (size_t k = 0; k < kSlots; ++k) {
      T* expected = nullptr;
      if (slots_[k].item.load(std::memory_order_relaxed) == nullptr &&
          slots_[k].item.compare_exchange_strong(expected, c, std::memory_order_release)) {
        hint = {serial_, k};
        return;
      }
    }
    delete c;  // kSlots connections are idle already
  }

 private:
  static constexpr size_t kSlots = 1024;
  struct alignas(64) Slot {
    std::atomic<T*> item{nullptr};
  };
  // The slot this thread last put a connection into, and whose pool it was.
  struct Hint {
    uint64_t serial = 0;
    size_t slot = 0;
  };
  static thread_local Hint tl_hint;
  std::unique_ptr<Slot[]> slots_{new Slot[kSlots]};
  const uint64_t serial_ = NextSerial();  // tells this pool's slot hints from another's
};
template <typename T>
thread_local typename IdlePool<T>::Hint IdlePool<T>::tl_hint;

// A reply's body as it arrives, for either transport: appended to
// reply.body, or for a streamed 200 reply (`sse` set) fed to the SSE reader,
// whose error is kept in stream_error and returned.
struct ReplyReceiver {
  HttpReply reply;
  Status stream_error;
  internal::SseChatReader* sse;

  Status Take(int status, std::string_view piece) {
    if (!sse || status != 200) {
      reply.body.append(piece);
      return Status::OK();
    }
    stream_error = sse->Feed(piece);
    return stream_error;
  }
};

class OpenAIBackend final : public Backend {
 public:
  OpenAIBackend(OpenAIBackendOptions options, std::string host, std::string prefix, std::optional<HostPort> plain)
      : options_(std::move(options)), host_(std::move(host)), prefix_(std::move(prefix)), plain_(std::move(plain)),
        timeout_s_(options_.timeout_s) {}

  Result<Response> Complete(const Request& request) override;
  Status Probe(std::span<const RequestKind> kinds) override;
  std::string Identity() const override;
  void SetTimeout(double seconds) override { timeout_s_.store(seconds); }

 private:
  bool chat() const { return options_.endpoint == OpenAIEndpoint::kChat; }
  // POSTs `body` to prefix + path. With `sse`, a 200 reply's body goes to it.
  Result<HttpReply> Post(const std::string& path, std::string body, internal::SseChatReader* sse);
  // The two transports Post uses: plain http:// over HttpConnection, and
  // httplib (https://).
  Result<HttpReply> PostPlain(const std::string& path, std::string_view body, internal::SseChatReader* sse);
  Result<HttpReply> PostHttplib(const std::string& path, std::string body, internal::SseChatReader* sse);
  std::unique_ptr<httplib::Client> NewHttplibClient() const;
  Result<Response> CompleteChat(const Request& request);
  Result<Response> CompleteText(const Request& request);

  const OpenAIBackendOptions options_;
  const std::string host_, prefix_;
  const std::optional<HostPort> plain_;  // http://: host and port for HttpConnection
  std::atomic<double> timeout_s_;
  IdlePool<internal::HttpConnection> plain_pool_;
  IdlePool<httplib::Client> httplib_pool_;
};


std::unique_ptr<httplib::Client> OpenAIBackend::NewHttplibClient() const {
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

Result<HttpReply> OpenAIBackend::Post(const std::string& path, std::string body, internal::SseChatReader* sse) {
  if (plain_) return PostPlain(path, body, sse);
  return PostHttplib(path, std::move(body), sse);
}

Result<HttpReply> OpenAIBackend::PostPlain(const std::string& path, std::string_view body,
                                           internal::SseChatReader* sse) {
  auto url = [&] { return host_ + prefix_ + path; };  // for messages only
  const double timeout_s = timeout_s_.load();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
  // The whole request, written once per thread and reused.
  thread_local std::string request;
  request.clear();
  request.append("POST ").append(prefix_).append(path).append(" HTTP/1.1\r\nHost: ").append(plain_->host);
  request.append("\r\nUser-Agent: dokja\r\nContent-Type: application/json\r\nContent-Length: ");
  request.append(std::to_string(body.size()));
  if (!options_.api_key.empty()) request.append("\r\nAuthorization: Bearer ").append(options_.api_key);
  request.append("\r\n\r\n").append(body);

  // The sink captures one pointer, which std::function holds in place (a
  // closure of several references would be allocated for every request).
  ReplyReceiver rx{{}, Status::OK(), sse};
  const internal::HttpConnection::BodySink sink = [rx = &rx](int status, std::string_view piece) {
    return rx->Take(status, piece);
  };
  for (int attempt = 0;; ++attempt) {
    // A second try always connects anew: after a server restart every
    // pooled connection may be as dead as the first.
    std::unique_ptr<internal::HttpConnection> conn = attempt == 0 ? plain_pool_.Acquire() : nullptr;
    const bool pooled = conn != nullptr;
    if (!pooled) {
      const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
      auto made = internal::HttpConnection::Connect(plain_->name, plain_->port,
                                                    std::min(options_.connect_timeout_s, std::max(0.0, left)));
      if (!made.ok()) return Status::Unavailable("POST " + url() + ": " + made.status().message());
      conn = std::move(made).value();
    }
    Result<int> status = conn->Exchange(request, deadline, sink);
    if (status.ok()) {
      if (conn->reusable()) plain_pool_.Release(std::move(conn));
      rx.reply.status = *status;
      return std::move(rx.reply);
    }
    if (!rx.stream_error.ok()) return rx.stream_error;
    // A pooled connection the server closed while it sat idle: nothing of
    // the request was answered, so it goes again, once, on a new one.
    if (pooled && attempt == 0 && conn->closed_before_reply()) continue;
    if (conn->timed_out()) {
      return Status::Unavailable("POST " + url() + ": no complete reply within " + std::to_string(timeout_s) + " s");
    }
    return Status::Unavailable("POST " + url() + ": " + status.status().message());
  }
}

Result<HttpReply> OpenAIBackend::PostHttplib(const std::string& path, std::string body,
                                             internal::SseChatReader* sse) {
  auto url = [&] { return host_ + prefix_ + path; };  // for messages only
  const double timeout_s = timeout_s_.load();
  const auto timeout = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::duration<double>(timeout_s));
  std::unique_ptr<httplib::Client> client = httplib_pool_.Acquire();
  if (client == nullptr) client = NewHttplibClient();
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);

  // What the reply callbacks read and write. They capture one pointer to
  // it, which std::function keeps in place; a closure of several
  // references would be allocated on the heap for every request.
  struct Receiving : ReplyReceiver {
    bool timed_out;
    Clock::time_point start;
    double timeout_s;
  } rx{{{}, Status::OK(), sse}, false, Clock::now(), timeout_s};
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
    return rx->Take(rx->reply.status, std::string_view(data, n)).ok();
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
  httplib_pool_.Release(std::move(client));
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
  if (!PrintableAscii(parts.second) || parts.second.find(' ') != std::string::npos) {
    return Status::InvalidArgument("base URL path '" + parts.second + "' has characters a request line cannot have");
  }
  if (!PrintableAscii(options.api_key)) {
    return Status::InvalidArgument("API key has characters an HTTP header cannot have (control or non-ASCII)");
  }
  std::optional<HostPort> plain;
  if (parts.first.starts_with("http://")) {
    DOKJA_ASSIGN_OR_RETURN(HostPort hp, ParseHttpHost(parts.first));
    plain = std::move(hp);
  }
  return std::unique_ptr<Backend>(
      std::make_unique<OpenAIBackend>(options, std::move(parts.first), std::move(parts.second), std::move(plain)));
}

}  // namespace dokja::bench
