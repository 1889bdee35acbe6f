// Builtins: jinja2 filters, tests, global functions and Python methods on
// str and dict, as chat templates use them.
//
// Errors are plain Status values without a template position; the evaluator
// adds line and column of the call. To add a filter, see docs/chat_templates.md.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "text/chat/internal/value.h"

namespace dokja::text::jinja {

// Arguments of a call, filter or test, already evaluated.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Matches CallArgs to a parameter list the way Python binds arguments.
class ArgBinder {
 public:
  // `callee` names the function in messages, e.g. "filter 'join'".
  ArgBinder(std::string callee, const CallArgs& args, std::initializer_list<std::string_view> params);
  // InvalidArgument on too many positionals, unknown or doubled keywords.
  const Status& status() const { return status_; }
  // The argument bound to parameter `i`, or nullptr when not passed.
  const Value* Get(size_t i) const { return i < bound_.size() ? bound_[i] : nullptr; }
  // The argument or `fallback`.
  Value GetOr(size_t i, Value fallback) const { return Get(i) ? *Get(i) : std::move(fallback); }

 private:
  std::vector<const Value*> bound_;
  Status status_;
};

// What builtins may need from the render in progress.
struct BuiltinContext {
  // Largest string or list a builtin may build (range(), "x" * n, join).
  uint64_t max_result_bytes = 0;
  // Broken-down time strftime_now() formats.
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

bool IsKnownFilter(std::string_view name);
bool IsKnownTest(std::string_view name);

Result<Value> ApplyFilter(std::string_view name, const Value& input, const CallArgs& args,
                          const BuiltinContext& ctx);
Result<bool> ApplyTest(std::string_view name, const Value& input, const CallArgs& args);

// True when `obj.name(...)` is a Python method we implement for obj's type.
bool HasMethod(const Value& obj, std::string_view name);
Result<Value> CallMethod(const Value& obj, std::string_view name, const CallArgs& args,
                         const BuiltinContext& ctx);

// Global functions: range, namespace, dict, strftime_now. raise_exception is
// handled by the evaluator because its message is the error itself.
bool IsGlobalFunction(std::string_view name);
Result<Value> CallGlobal(std::string_view name, const CallArgs& args, const BuiltinContext& ctx);

// C strftime subset on a broken-down time: %Y %y %m %d %e %H %I %M %S %p %b %B
// %a %A %j %%, with glibc's "-" flag (%-d) to drop padding.
std::string FormatTime(std::string_view format, const BuiltinContext& t);

}  // namespace dokja::text::jinja
