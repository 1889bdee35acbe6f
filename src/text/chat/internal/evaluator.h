// Evaluator: walks a parsed template and writes its output.
//
// Scoping follows jinja2: each for-loop iteration and each macro call gets a
// fresh frame, so `set` inside them does not leak out (namespaces exist for
// that); `if` bodies share their enclosing frame. Macros see the template's
// top-level names and their own arguments, not the caller's loop variables.
//
// Thread-safety: an Evaluator is single-use and single-threaded; the Body it
// renders is read-only and may be shared by concurrent renders.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "text/chat/internal/ast.h"
#include "text/chat/internal/builtins.h"
#include "text/chat/internal/value.h"

namespace dokja::text::jinja {

struct RenderLimits {
  // Largest output, and largest string or list built along the way.
  uint64_t max_output_bytes = 16 << 20;  // 16 MiB; prompts are far smaller
  // Work budget: one step per loop iteration or macro call, plus one per
  // 4 KiB of strings and lists that operations read or build.
  uint64_t max_steps = 1'000'000;
  // Deepest recursion of statements, expressions and macro calls.
  int max_depth = 512;
  // Printing an undefined value is an error (jinja2's StrictUndefined)
  // instead of printing nothing.
  bool strict_undefined = false;
};

// Renders `body` with `context` as its top-level variables.
// Errors carry the template line and column; a template's
// raise_exception('msg') fails with InvalidArgument whose message ends in msg.
Result<std::string> Render(const Body& body, ValueDict context, const BuiltinContext& builtins,
                           const RenderLimits& limits);

}  // namespace dokja::text::jinja
