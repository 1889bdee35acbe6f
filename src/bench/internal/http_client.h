// HttpConnection: one keep-alive HTTP/1.1 connection over plain TCP, for the
// OpenAI backend's `http://` endpoints (httplib keeps `https://`).
//
// It does the least per request: the request goes out in one send(), and
// the reply is read with blocking recv() calls (no poll before each), the
// socket's receive and send timeouts lowered only as the deadline nears.
// httplib's client writes headers and body separately and polls before
// every read and write; on loopback at zero service time that cost about
// 16 us of a 48 us request (bench/runner_overhead, docs/bench_runner.md).
//
// Replies are framed by Content-Length, chunked transfer coding (chunk
// extensions and trailers skipped) or the connection's end; 1xx interim
// replies are skipped. Limits: 64 KiB of status line and headers, 256 MiB
// of body. Anything else malformed is an error naming what was wrong, and
// the connection is then not reused.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace dokja::bench::internal {

class HttpConnection {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxHeaderBytes = 64 << 10;
  static constexpr uint64_t kMaxBodyBytes = uint64_t{256} << 20;

  // Connects to `host`:`port` (a name or a numeric IPv4/IPv6 address, no
  // brackets; each address it resolves to is tried in turn) within
  // `timeout_s`, with TCP_NODELAY. Unavailable when nothing answers.
  static Result<std::unique_ptr<HttpConnection>> Connect(const std::string& host, uint16_t port, double timeout_s);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Called with the reply's status and each piece of its body, in order
  // (not called for an empty body). A non-OK status stops the exchange and
  // is returned as it is.
  using BodySink = std::function<Status(int status, std::string_view piece)>;

  // Sends `request` (a whole HTTP/1.1 request: line, headers, body) and
  // reads the reply, all before `deadline`. Returns the reply's status.
  // Errors: the sink's status, or Unavailable (retryable) when the deadline
  // passed (then timed_out()), the connection failed or closed early, or
  // the reply is not HTTP this reader accepts (the message says which).
  Result<int> Exchange(std::string_view request, Clock::time_point deadline, const BodySink& sink);

  // After Exchange: whether the connection can carry another request (the
  // reply was read whole, was HTTP/1.1 and did not say Connection: close).
  bool reusable() const { return reusable_; }
  // After a failed Exchange: whether it failed before any byte of a reply
  // came, because the connection was closed or reset. On a connection that
  // had been idle in a pool, that is the server having closed it meanwhile,
  // and the request can go again on a new one.
  bool closed_before_reply() const { return closed_before_reply_; }
  // After a failed Exchange: whether the deadline passed.
  bool timed_out() const { return timed_out_; }
  // Exchanges completed on this connection.
  int64_t exchanges() const { return exchanges_; }

 private:
  explicit HttpConnection(int fd) : fd_(fd) {}
  Result<int> ReadReply(Clock::time_point deadline, const BodySink& sink);
  // Reads at least one more byte into buf_ (`what` names what was being
  // read, for errors). At the connection's end: with `at_end`, sets it and
  // returns OK; without, Unavailable.
  Status Fill(Clock::time_point deadline, const char* what, bool* at_end = nullptr);
  // The next line (without CRLF) from buf_, reading as needed; `limit`
  // bytes at most.
  Result<std::string_view> Line(Clock::time_point deadline, size_t limit, const char* what);
  // Passes the next `n` body bytes to the sink.
  Status Body(uint64_t n, int status, Clock::time_point deadline, const BodySink& sink);
  // Lowers the socket's timeouts to what is left before `deadline`, when
  // that is below what they are; Unavailable (timed_out_) when nothing is
  // left.
  Status ArmTimeout(Clock::time_point deadline);

  int fd_;
  std::vector<char> buf_ = std::vector<char>(16 << 10);
  size_t begin_ = 0, end_ = 0;  // unread bytes: buf_[begin_, end_)
  int64_t timeout_us_ = -1;     // the socket's SO_RCVTIMEO / SO_SNDTIMEO; -1: never set
  bool reusable_ = false;
  bool closed_before_reply_ = false;
  bool got_reply_byte_ = false;
  bool timed_out_ = false;
  int64_t exchanges_ = 0;
};

}  // namespace dokja::bench::internal
