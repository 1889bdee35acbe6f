// Where something sits in a template, for error messages.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace dokja::text::jinja {

// 1-based line and column; columns count code points, not bytes.
struct SourcePos {
  uint32_t line = 1;
  uint32_t column = 1;
};

// A Status whose message reads "chat template line L, column C: message".
Status ErrorAt(SourcePos pos, StatusCode code, std::string_view message);

}  // namespace dokja::text::jinja
