#include "bench/internal/http_client.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace dokja::bench::internal {
namespace {

using Clock = HttpConnection::Clock;

std::string Errno(int e) { return std::strerror(e); }

int64_t MicrosLeft(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated header value `list` holds `token`.
bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (EqualsNoCase(Trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// Digits only (no sign, no spaces), at most 18 of them.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

// A chunk-size line: hex digits, then optionally ";extension" or spaces.
bool ParseChunkSize(std::string_view line, uint64_t* out) {
  const size_t end = line.find_first_of("; \t");
  const std::string_view hex = line.substr(0, end);
  if (hex.empty() || hex.size() > 15) return false;
  uint64_t v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

Status BodyTooLarge() {
  return Status::Unavailable("reply body over " + std::to_string(HttpConnection::kMaxBodyBytes >> 20) + " MiB");
}

Status SetBlocking(int fd, bool blocking) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return Status::Unavailable("fcntl: " + Errno(errno));
  const int want = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
  if (want != flags && ::fcntl(fd, F_SETFL, want) < 0) return Status::Unavailable("fcntl: " + Errno(errno));
  return Status::OK();
}

// One non-blocking connect to `ai` within `deadline`; the connected socket
// (blocking again) or an error naming why.
Result<int> ConnectOne(const addrinfo* ai, Clock::time_point deadline) {
  const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return Status::Unavailable("socket: " + Errno(errno));
  auto fail = [fd](std::string msg) -> Result<int> {
    ::close(fd);
    return Status::Unavailable(std::move(msg));
  };
  if (Status s = SetBlocking(fd, false); !s.ok()) return fail(s.message());
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) return fail(Errno(errno));
    while (true) {
      const int64_t left = MicrosLeft(deadline);
      if (left <= 0) return fail("connection timed out");
      pollfd p{fd, POLLOUT, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>((left + 999) / 1000, 1 << 30)));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return fail("poll: " + Errno(errno));
      if (r == 0) continue;  // the loop's deadline check ends it
      break;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return fail("getsockopt: " + Errno(errno));
    if (err != 0) return fail(Errno(err));
  }
  if (Status s = SetBlocking(fd, true); !s.ok()) return fail(s.message());
  const int one = 1;  // each request is one write: nothing for Nagle to gather
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

Result<std::unique_ptr<HttpConnection>> HttpConnection::Connect(const std::string& host, uint16_t port,
                                                                double timeout_s) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(std::max(0.0, timeout_s)));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int gai = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (gai != 0) {
    return Status::Unavailable("cannot resolve '" + host + "': " + ::gai_strerror(gai));
  }
  std::string why;
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    Result<int> fd = ConnectOne(ai, deadline);
    if (fd.ok()) {
      ::freeaddrinfo(found);
      return std::unique_ptr<HttpConnection>(new HttpConnection(*fd));
    }
    why = fd.status().message();
  }
  ::freeaddrinfo(found);
  const bool ipv6 = host.find(':') != std::string::npos;
  return Status::Unavailable("cannot connect to " + (ipv6 ? "[" + host + "]" : host) + ":" + service + ": " + why);
}

HttpConnection::~HttpConnection() { ::close(fd_); }

Status HttpConnection::ArmTimeout(Clock::time_point deadline) {
  const int64_t left = MicrosLeft(deadline);
  if (left <= 0) {
    timed_out_ = true;
    return Status::Unavailable("timed out");
  }
  // Lower the timeouts when the deadline is nearer than they reach; raise
  // them when they are far below what is left (a new request after one
  // that ran close to its deadline). A steady per-request timeout then
  // costs no system call per request.
  if (timeout_us_ >= 0 && timeout_us_ <= left && timeout_us_ >= left / 2) return Status::OK();
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(left / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(left % 1000000);
  if (::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
      ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
    return Status::Unavailable("setsockopt: " + Errno(errno));
  }
  timeout_us_ = left;
  return Status::OK();
}

Status HttpConnection::Fill(Clock::time_point deadline, const char* what, bool* at_end) {
  if (begin_ == end_) {
    begin_ = end_ = 0;
  } else if (end_ == buf_.size()) {
    if (begin_ > 0) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    } else {
      buf_.resize(2 * buf_.size());
    }
  }
  while (true) {
    DOKJA_RETURN_IF_ERROR(ArmTimeout(deadline));
    const ssize_t n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      got_reply_byte_ = true;
      return Status::OK();
    }
    if (n == 0) {
      if (at_end != nullptr) {
        *at_end = true;
        return Status::OK();
      }
      closed_before_reply_ = !got_reply_byte_;
      return Status::Unavailable(std::string("connection closed by the server while reading ") + what);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) continue;  // the socket's timeout: ArmTimeout decides
    closed_before_reply_ = !got_reply_byte_ && (errno == ECONNRESET || errno == EPIPE);
    return Status::Unavailable(std::string("reading ") + what + ": " + Errno(errno));
  }
}

Result<std::string_view> HttpConnection::Line(Clock::time_point deadline, size_t limit, const char* what) {
  size_t scanned = begin_;
  while (true) {
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(buf_.data() + scanned, '\n', end_ - scanned);
    if (nl != nullptr) {
      const size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      std::string_view line(start, len);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.size() > limit) break;
      begin_ += len + 1;
      return line;
    }
    if (end_ - begin_ > limit + 1) break;  // + 1: the CR before a newline still to come
    const size_t offset = end_ - begin_;  // Fill may move the unread bytes to the front
    DOKJA_RETURN_IF_ERROR(Fill(deadline, what));
    scanned = begin_ + offset;
  }
  return Status::Unavailable(std::string("malformed reply: ") + what + " too long (the status line and headers: " +
                             std::to_string(kMaxHeaderBytes >> 10) + " KiB at most; a chunk size line: 1 KiB)");
}

Status HttpConnection::Body(uint64_t n, int status, Clock::time_point deadline, const BodySink& sink) {
  while (n > 0) {
    if (begin_ == end_) DOKJA_RETURN_IF_ERROR(Fill(deadline, "the body"));
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, end_ - begin_));
    DOKJA_RETURN_IF_ERROR(sink(status, std::string_view(buf_.data() + begin_, take)));
    begin_ += take;
    n -= take;
  }
  return Status::OK();
}

Result<int> HttpConnection::Exchange(std::string_view request, Clock::time_point deadline, const BodySink& sink) {
  reusable_ = false;
  closed_before_reply_ = false;
  got_reply_byte_ = false;
  timed_out_ = false;
  begin_ = end_ = 0;
  for (size_t sent = 0; sent < request.size();) {
    DOKJA_RETURN_IF_ERROR(ArmTimeout(deadline));
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    const int send_errno = n < 0 ? errno : EPIPE;
    if (send_errno == EPIPE || send_errno == ECONNRESET) {
      // A server may answer before reading the whole request (413 for a
      // body over its limit, 401) and close with the rest unread, which
      // resets the connection. What it sent first is still readable: that
      // reply, if whole, is the answer, not the reset.
      Result<int> early = ReadReply(deadline, sink);
      if (early.ok()) {
        reusable_ = false;  // the request was not all sent
        return early;
      }
      if (got_reply_byte_) return early.status();
    }
    closed_before_reply_ = send_errno == EPIPE || send_errno == ECONNRESET;
    return Status::Unavailable("sending the request: " + Errno(send_errno));
  }
  DOKJA_ASSIGN_OR_RETURN(int status, ReadReply(deadline, sink));
  ++exchanges_;
  return status;
}

Result<int> HttpConnection::ReadReply(Clock::time_point deadline, const BodySink& sink) {
  size_t header_bytes = 0;
  while (true) {
    DOKJA_ASSIGN_OR_RETURN(std::string_view line, Line(deadline, kMaxHeaderBytes, "the status line"));
    header_bytes += line.size() + 2;
    // "HTTP/1.1 200 OK"
    if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') || line[8] != ' ' ||
        (line.size() > 12 && line[12] != ' ')) {
      return Status::Unavailable("malformed reply: status line '" + std::string(line.substr(0, 80)) + "'");
    }
    uint64_t code = 0;
    if (!ParseDecimal(line.substr(9, 3), &code) || code < 100) {
      return Status::Unavailable("malformed reply: status line '" + std::string(line.substr(0, 80)) + "'");
    }
    const bool http11 = line[7] == '1';
    const int status = static_cast<int>(code);

    bool chunked = false, close = !http11, have_length = false;
    uint64_t length = 0;
    while (true) {
      const size_t left = kMaxHeaderBytes - std::min(header_bytes, kMaxHeaderBytes);
      DOKJA_ASSIGN_OR_RETURN(std::string_view h, Line(deadline, left, "the headers"));
      header_bytes += h.size() + 2;
      if (h.empty()) break;
      const size_t colon = h.find(':');
      if (colon == std::string_view::npos || colon == 0) {
        return Status::Unavailable("malformed reply: header line '" + std::string(h.substr(0, 80)) + "'");
      }
      const std::string_view name = h.substr(0, colon), value = Trim(h.substr(colon + 1));
      if (EqualsNoCase(name, "content-length")) {
        uint64_t v = 0;
        if (!ParseDecimal(value, &v) || (have_length && v != length)) {
          return Status::Unavailable("malformed reply: Content-Length '" + std::string(value.substr(0, 40)) + "'");
        }
        have_length = true;
        length = v;
      } else if (EqualsNoCase(name, "transfer-encoding")) {
        if (!EqualsNoCase(value, "chunked") && !EqualsNoCase(value, "identity")) {
          return Status::Unavailable("unsupported reply: Transfer-Encoding '" + std::string(value.substr(0, 40)) +
                                     "'");
        }
        chunked = EqualsNoCase(value, "chunked");
      } else if (EqualsNoCase(name, "connection")) {
        if (HasToken(value, "close")) close = true;
        if (!http11 && HasToken(value, "keep-alive")) close = false;
      }
    }
    if (status < 200 && status != 101) continue;  // interim (100 Continue, 103): the reply follows
    if (status == 101) return Status::Unavailable("unsupported reply: 101 Switching Protocols");

    if (status == 204 || status == 304) {
      // no body
    } else if (chunked) {
      uint64_t total = 0;
      while (true) {
        DOKJA_ASSIGN_OR_RETURN(std::string_view size_line, Line(deadline, 1024, "a chunk size"));
        uint64_t size = 0;
        if (!ParseChunkSize(size_line, &size)) {
          return Status::Unavailable("malformed reply: chunk size line '" + std::string(size_line.substr(0, 40)) +
                                     "'");
        }
        if (size == 0) break;
        total += size;
        if (total > kMaxBodyBytes) return BodyTooLarge();
        DOKJA_RETURN_IF_ERROR(Body(size, status, deadline, sink));
        DOKJA_ASSIGN_OR_RETURN(std::string_view end, Line(deadline, 1024, "the end of a chunk"));
        if (!end.empty()) return Status::Unavailable("malformed reply: a chunk runs past its size");
      }
      while (true) {  // trailers, up to the empty line
        DOKJA_ASSIGN_OR_RETURN(std::string_view trailer, Line(deadline, kMaxHeaderBytes, "the trailers"));
        if (trailer.empty()) break;
      }
    } else if (have_length) {
      if (length > kMaxBodyBytes) return BodyTooLarge();
      DOKJA_RETURN_IF_ERROR(Body(length, status, deadline, sink));
    } else {
      // No length: the body runs to the connection's end.
      uint64_t total = 0;
      while (true) {
        if (begin_ == end_) {
          bool at_end = false;
          DOKJA_RETURN_IF_ERROR(Fill(deadline, "the body", &at_end));
          if (at_end) break;
        }
        total += end_ - begin_;
        if (total > kMaxBodyBytes) return BodyTooLarge();
        DOKJA_RETURN_IF_ERROR(sink(status, std::string_view(buf_.data() + begin_, end_ - begin_)));
        begin_ = end_;
      }
      close = true;
    }
    // Bytes past the reply were not asked for: the stream is out of step.
    reusable_ = !close && begin_ == end_;
    return status;
  }
}

}  // namespace dokja::bench::internal
