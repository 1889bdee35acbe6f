// Status and Result<T>: expected failures as values.
//
// Anything that reads input, touches disk or talks to the network returns a
// Status or a Result<T>. The message names the file, the field and what was
// expected, e.g. "model.safetensors: header length 9e18 exceeds file size 4096".
//
// Thread-safety: values; copying is cheap for OK and small for errors.
#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dokja {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,  // the caller asked for something malformed
  kNotFound,         // a file, tensor or key does not exist
  kCorrupt,          // input bytes break their format's rules
  kUnsupported,      // well-formed but not something we handle (yet)
  kIOError,          // the OS failed a read, open or map
  kUnavailable,      // a server or resource did not answer
  kInternal,         // our own bug surfaced as a value
};

// Short name of a code, e.g. "Corrupt".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Corrupt(std::string msg) { return {StatusCode::kCorrupt, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corrupt: model.safetensors: ..." or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "prefix: message". OK stays OK.
  Status WithPrefix(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  // REQUIRES: ok().
  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace dokja

#define DOKJA_CONCAT_INNER_(a, b) a##b
#define DOKJA_CONCAT_(a, b) DOKJA_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` is not OK.
#define DOKJA_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::dokja::Status dokja_status_ = (expr);      \
    if (!dokja_status_.ok()) return dokja_status_; \
  } while (0)

// `lhs = value of expr`, or returns its Status from the enclosing function.
// Expands to several statements: use it only at statement level, never as the
// unbraced body of an if or loop.
#define DOKJA_ASSIGN_OR_RETURN(lhs, expr) \
  DOKJA_ASSIGN_OR_RETURN_IMPL_(DOKJA_CONCAT_(dokja_result_, __LINE__), lhs, expr)
#define DOKJA_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
