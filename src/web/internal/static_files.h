// The UI's files (src/web/static/*), compiled into the binary by
// src/web/embed_static.cmake. Used by static_routes.cc and its test.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace dokja::web::internal {

struct StaticFile {
  const char* name;             // the file name, e.g. "app.js"
  const unsigned char* bytes;   // the content; static storage
  size_t size;                  // bytes in [bytes, bytes + size)
};

// All embedded files, sorted by name. The views live as long as the program.
std::span<const StaticFile> EmbeddedStaticFiles();

}  // namespace dokja::web::internal
