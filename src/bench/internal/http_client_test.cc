// HttpConnection against a real TCP server on loopback that answers each
// request with scripted bytes: framings (length, chunked, to the end),
// replies split into single bytes, keep-alive and its end, and malformed,
// truncated, oversized and missing replies.
#include "bench/internal/http_client.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "bench/openai_backend.h"

namespace dokja::bench::internal {
namespace {

using Clock = std::chrono::steady_clock;

// What the server does with one request on a connection: the bytes to
// write (each piece a separate write, `gap` apart), then whether to close.
struct Answer {
  std::vector<std::string> pieces;
  bool close = false;
  std::chrono::milliseconds gap{0};
  std::chrono::milliseconds delay{0};  // before the first piece
};

// A socket listening on 127.0.0.1 at a free port (in *port), or -1 after
// a test failure.
int ListenOnLoopback(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || ::listen(fd, 64) != 0) {
    ADD_FAILURE() << "cannot listen on loopback: " << std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

// Accepts connections on 127.0.0.1 and serves each on its own thread:
// reads a request (headers, then Content-Length bytes), answers with
// script(request index over all connections), until the client closes.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<Answer(int)> script) : script_(std::move(script)) {
    listen_fd_ = ListenOnLoopback(&port_);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    accept_thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : conn_fds_) ::shutdown(fd, SHUT_RDWR);
    for (std::thread& t : conn_threads_) t.join();
  }
  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  std::vector<std::string> received() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ++connections_;
      std::lock_guard<std::mutex> lock(mu_);
      conn_fds_.push_back(fd);
      conn_threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }
  void Serve(int fd) {
    std::string in;
    char buf[4096];
    while (true) {
      size_t end;
      while ((end = in.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return Close(fd);
        in.append(buf, static_cast<size_t>(n));
      }
      size_t length = 0;
      const size_t cl = in.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) length = std::stoul(in.substr(cl + 16));
      while (in.size() < end + 4 + length) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return Close(fd);
        in.append(buf, static_cast<size_t>(n));
      }
      const int index = requests_++;
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_.push_back(in.substr(0, end + 4 + length));
      }
      in.erase(0, end + 4 + length);
      const Answer a = script_(index);
      std::this_thread::sleep_for(a.delay);
      for (const std::string& p : a.pieces) {
        if (::send(fd, p.data(), p.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(p.size())) return Close(fd);
        std::this_thread::sleep_for(a.gap);
      }
      if (a.close) return Close(fd);
    }
  }
  void Close(int fd) { ::shutdown(fd, SHUT_RDWR); }

  std::function<Answer(int)> script_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0}, requests_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<int> conn_fds_;
  std::vector<std::thread> conn_threads_;
  std::vector<std::string> received_;
};

// Each byte of `s` as its own piece.
std::vector<std::string> Bytes(const std::string& s) {
  std::vector<std::string> out;
  for (char c : s) out.emplace_back(1, c);
  return out;
}

std::string Post(const std::string& body) {
  return "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

struct Got {
  Result<int> status = Status::Internal("not run");
  std::string body;
};

Got Exchange(HttpConnection& c, const std::string& body = "{}", double timeout_s = 5) {
  Got g;
  g.status = c.Exchange(Post(body), Clock::now() + std::chrono::milliseconds(static_cast<int>(timeout_s * 1000)),
                        [&](int, std::string_view piece) {
                          g.body.append(piece);
                          return Status::OK();
                        });
  return g;
}

std::unique_ptr<HttpConnection> ConnectTo(const ScriptedServer& server) {
  auto c = HttpConnection::Connect("127.0.0.1", server.port(), 5);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bcd\"}";

TEST(HttpConnection, KeepsTheConnectionAcrossRequestsAndSendsTheRequestAsGiven) {
  ScriptedServer server([](int) { return Answer{{kOk}}; });
  auto c = ConnectTo(server);
  ASSERT_TRUE(c);
  for (int i = 0; i < 3; ++i) {
    Got g = Exchange(*c, "{\"i\":" + std::to_string(i) + "}");
    ASSERT_TRUE(g.status.ok()) << g.status.status().ToString();
    EXPECT_EQ(*g.status, 200);
    EXPECT_EQ(g.body, "{\"a\":\"bcd\"}");
    EXPECT_TRUE(c->reusable());
  }
  EXPECT_EQ(c->exchanges(), 3);
  EXPECT_EQ(server.connections(), 1);
  ASSERT_EQ(server.received().size(), 3u);
  EXPECT_EQ(server.received()[2], Post("{\"i\":2}"));
}

TEST(HttpConnection, ReadsRepliesArrivingOneByteAtATime) {
  const std::string chunked =
      "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
      "4;ext=1\r\nabcd\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n";
  ScriptedServer server([&](int i) { return Answer{Bytes(i == 0 ? kOk : chunked)}; });
  auto c = ConnectTo(server);
  ASSERT_TRUE(c);
  Got a = Exchange(*c);
  ASSERT_TRUE(a.status.ok()) << a.status.status().ToString();
  EXPECT_EQ(a.body, "{\"a\":\"bcd\"}");
  Got b = Exchange(*c);
  ASSERT_TRUE(b.status.ok()) << b.status.status().ToString();
  EXPECT_EQ(b.body, "abcd0123456789");
  EXPECT_TRUE(c->reusable());
}

// Random bodies, framed by length or in random chunks, the reply's bytes cut
// into random pieces: each body comes out whole, on one connection.
TEST(HttpConnection, RandomFramingsAndSplitsGiveBackTheBody) {
  std::mt19937 rng(7);
  std::vector<std::string> bodies, replies;
  for (int i = 0; i < 40; ++i) {
    std::string body(rng() % 3000, '\0');
    for (char& c : body) c = static_cast<char>(rng() % 256);
    std::string reply = "HTTP/1.1 200 OK\r\nServer: t\r\n";
    if (i % 2 == 0) {
      reply += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    } else {
      reply += "Transfer-Encoding: chunked\r\n\r\n";
      for (size_t at = 0; at < body.size();) {
        const size_t n = std::min<size_t>(body.size() - at, 1 + rng() % 700);
        char hex[32];
        std::snprintf(hex, sizeof hex, (rng() % 2) ? "%zx" : "%zX", n);
        reply += std::string(hex) + "\r\n" + body.substr(at, n) + "\r\n";
        at += n;
      }
      reply += "0\r\n\r\n";
    }
    bodies.push_back(std::move(body));
    replies.push_back(std::move(reply));
  }
  ScriptedServer server([&](int i) {
    std::mt19937 split(static_cast<uint32_t>(i));
    std::vector<std::string> pieces;
    const std::string& reply = replies[static_cast<size_t>(i)];
    for (size_t at = 0; at < reply.size();) {
      const size_t n = std::min<size_t>(reply.size() - at, 1 + split() % 400);
      pieces.push_back(reply.substr(at, n));
      at += n;
    }
    return Answer{pieces};
  });
  auto c = ConnectTo(server);
  ASSERT_TRUE(c);
  for (size_t i = 0; i < bodies.size(); ++i) {
    Got g = Exchange(*c);
    ASSERT_TRUE(g.status.ok()) << i << ": " << g.status.status().ToString();
    EXPECT_EQ(g.body, bodies[i]) << i;
    EXPECT_TRUE(c->reusable()) << i;
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpConnection, BodyWithoutLengthRunsToTheEndAndEndsTheConnection) {
  ScriptedServer server([](int) { return Answer{{"HTTP/1.0 503 Busy\r\n\r\n", "try ", "later"}, true}; });
  auto c = ConnectTo(server);
  ASSERT_TRUE(c);
  Got g = Exchange(*c);
  ASSERT_TRUE(g.status.ok()) << g.status.status().ToString();
  EXPECT_EQ(*g.status, 503);
  EXPECT_EQ(g.body, "try later");
  EXPECT_FALSE(c->reusable());
}

TEST(HttpConnection, ConnectionCloseAndInterimRepliesAreHonoured) {
  ScriptedServer server([](int) {
    return Answer{{"HTTP/1.1 100 Continue\r\n\r\n",
                   "HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\nContent-Length: 2\r\n\r\nok"}};
  });
  auto c = ConnectTo(server);
  ASSERT_TRUE(c);
  Got g = Exchange(*c);
  ASSERT_TRUE(g.status.ok()) << g.status.status().ToString();
  EXPECT_EQ(*g.status, 200);
  EXPECT_EQ(g.body, "ok");
  EXPECT_FALSE(c->reusable());
}

TEST(HttpConnection, MalformedRepliesAreErrorsNamingWhatWasWrong) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"HTTP/2 200 OK\r\n\r\n", "status line"},
      {"HTTP/1.1 2x0 OK\r\n\r\n", "status line"},
      {"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "header line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", "Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "Transfer-Encoding"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", "past its size"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n", "over 256 MiB"},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(70000, 'a') + "\r\n\r\n", "headers too long"},
  };
  for (const auto& one : cases) {
    // Not a structured binding: clang before 16 cannot capture one.
    const std::string& reply = one.first;
    const std::string& what = one.second;
    ScriptedServer server([&](int) { return Answer{{reply}}; });
    auto c = ConnectTo(server);
    ASSERT_TRUE(c);
    Got g = Exchange(*c);
    ASSERT_FALSE(g.status.ok()) << reply.substr(0, 60);
    EXPECT_EQ(g.status.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(g.status.status().message().find(what), std::string::npos)
        << reply.substr(0, 60) << ": " << g.status.status().ToString();
    EXPECT_FALSE(c->reusable());
    EXPECT_FALSE(c->closed_before_reply());
    EXPECT_FALSE(c->timed_out());
  }
}

TEST(HttpConnection, TruncatedRepliesAreUnavailable) {
  const std::vector<std::string> cases = {
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
      "HTTP/1.1 200 OK\r\nContent-Le",
  };
  for (const std::string& reply : cases) {
    ScriptedServer server([&](int) { return Answer{{reply}, true}; });
    auto c = ConnectTo(server);
    ASSERT_TRUE(c);
    Got g = Exchange(*c);
    ASSERT_FALSE(g.status.ok()) << reply;
    EXPECT_EQ(g.status.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(g.status.status().message().find("closed by the server"), std::string::npos)
        << g.status.status().ToString();
    EXPECT_FALSE(c->closed_before_reply()) << reply;  // part of a reply came: not to be sent again
  }
}

TEST(HttpConnection, ServerClosingAnIdleConnectionIsToldApart) {
  // The server answers, then closes without saying so (as an idle timeout
  // does); the next request on that connection gets no byte of a reply.
  ScriptedServer server([](int) { return Answer{{kOk}, true}; });
  auto c = ConnectTo(server);
  ASSERT_TRUE(c);
  ASSERT_TRUE(Exchange(*c).status.ok());
  EXPECT_TRUE(c->reusable());  // nothing said it would close
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Got g = Exchange(*c);
  ASSERT_FALSE(g.status.ok());
  EXPECT_EQ(g.status.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(c->closed_before_reply()) << g.status.status().ToString();
}

TEST(HttpConnection, DeadlineBoundsAReplyThatNeverComesOrTrickles) {
  ScriptedServer silent([](int) { return Answer{{kOk}, false, std::chrono::milliseconds(0),
                                                std::chrono::milliseconds(1200)}; });
  auto c = ConnectTo(silent);
  ASSERT_TRUE(c);
  auto t0 = Clock::now();
  Got g = Exchange(*c, "{}", 0.3);
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_FALSE(g.status.ok());
  EXPECT_TRUE(c->timed_out()) << g.status.status().ToString();
  EXPECT_GE(s, 0.29);
  EXPECT_LT(s, 1.0);

  ScriptedServer trickle([](int) { return Answer{Bytes(kOk), false, std::chrono::milliseconds(40)}; });
  c = ConnectTo(trickle);
  ASSERT_TRUE(c);
  t0 = Clock::now();
  g = Exchange(*c, "{}", 0.3);  // every byte comes within 40 ms; the reply takes ~3 s
  s = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_FALSE(g.status.ok());
  EXPECT_TRUE(c->timed_out()) << g.status.status().ToString();
  EXPECT_LT(s, 1.0);
}

TEST(HttpConnection, SinkErrorStopsTheExchange) {
  ScriptedServer server([](int) { return Answer{{kOk}}; });
  auto c = ConnectTo(server);
  ASSERT_TRUE(c);
  Result<int> r = c->Exchange(Post("{}"), Clock::now() + std::chrono::seconds(5),
                              [](int, std::string_view) { return Status::Corrupt("bad stream"); });
  EXPECT_EQ(r.status().code(), StatusCode::kCorrupt);
  EXPECT_FALSE(c->reusable());
}

// A server that answers before the request is all in (413 for a body
// over its limit, 401 before reading it) and closes with the rest unread,
// which resets the connection: the reply it sent is what the client gets,
// not "connection reset" while sending.
TEST(HttpConnection, ReplySentBeforeTheRequestWasReadIsKept) {
  uint16_t port = 0;
  const int listen_fd = ListenOnLoopback(&port);
  ASSERT_GE(listen_fd, 0);
  const std::string reply =
      "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 17\r\nConnection: close\r\n\r\npayload too large";
  std::thread server([&] {
    const int fd = ::accept(listen_fd, nullptr, nullptr);
    if (fd < 0) return;
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      in.append(buf, static_cast<size_t>(n));
    }
    ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);  // with the body unread: a reset
  });
  auto c = HttpConnection::Connect("127.0.0.1", port, 5);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // Far more than the socket buffers hold, so the send is still going when
  // the reset comes.
  const Got g = Exchange(**c, std::string(64 << 20, 'x'));
  server.join();
  ::close(listen_fd);
  ASSERT_TRUE(g.status.ok()) << g.status.status().ToString();
  EXPECT_EQ(*g.status, 413);
  EXPECT_EQ(g.body, "payload too large");
  EXPECT_FALSE((*c)->reusable());
}

TEST(HttpConnection, NothingListeningIsUnavailable) {
  uint16_t port;
  {
    ScriptedServer gone([](int) { return Answer{}; });
    port = gone.port();
  }
  auto c = HttpConnection::Connect("127.0.0.1", port, 2);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(c.status().message().find("cannot connect"), std::string::npos) << c.status().ToString();
  auto bad = HttpConnection::Connect("no-such-host.invalid", 80, 2);
  EXPECT_EQ(bad.status().code(), StatusCode::kUnavailable);
}

// The backend over this transport: a pooled connection the server closed
// while idle is replaced without failing the request or sending it twice.
TEST(OpenAIBackendPlainHttp, IdleConnectionClosedByTheServerIsReplaced) {
  const std::string reply =
      R"({"choices":[{"index":0,"text":"hi","finish_reason":"stop","logprobs":null}]})";
  ScriptedServer server([&](int) {
    return Answer{{"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(reply.size()) + "\r\n\r\n" + reply}, true};
  });
  OpenAIBackendOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1/";
  o.api_key = "k-123";
  auto backend = MakeOpenAIBackend(o);
  ASSERT_TRUE(backend.ok()) << backend.status().ToString();
  Request r;
  r.context = "x";
  for (int i = 0; i < 3; ++i) {
    auto out = (*backend)->Complete(r);
    ASSERT_TRUE(out.ok()) << i << ": " << out.status().ToString();
    EXPECT_EQ(out->text, "hi");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 3);
  const std::string first = server.received().at(0);
  EXPECT_EQ(first.rfind("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:", 0), 0u) << first;
  EXPECT_NE(first.find("\r\nAuthorization: Bearer k-123\r\n"), std::string::npos) << first;
}

TEST(OpenAIBackendPlainHttp, RefusesUrlsAndKeysThatCannotGoInARequest) {
  for (const char* url : {"http://host:0/v1", "http://host:99999/v1", "http://host:x/v1", "http://[::1/v1",
                          "http://ho st/v1", "http://host/v 1"}) {
    OpenAIBackendOptions o;
    o.base_url = url;
    EXPECT_EQ(MakeOpenAIBackend(o).status().code(), StatusCode::kInvalidArgument) << url;
  }
  OpenAIBackendOptions o;
  o.base_url = "http://[::1]:8000/v1";
  EXPECT_TRUE(MakeOpenAIBackend(o).ok());
  o.api_key = "k\r\nX-Injected: 1";
  EXPECT_EQ(MakeOpenAIBackend(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dokja::bench::internal
