// TEST ONLY: reads the key-value section of a GGUF file into Metadata.
//
// A stand-in until the real reader (tensorfile/gguf) lands; tests then switch
// to it. Layout (GGUF v2/v3, little-endian):
//   1. magic "GGUF", u32 version, u64 tensor_count, u64 kv_count
//   2. kv_count times: string key, u32 value type, value
//      string = u64 length + bytes; array = u32 element type, u64 count, items
// Stops before the tensor infos. Checks every length against the bytes left.
#pragma once

#include <string>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/metadata.h"

namespace dokja::text::testing {

Result<Metadata> LoadGgufKv(io::Env& env, const std::string& path);

// The same from bytes in memory (for building hostile inputs in tests).
Result<Metadata> ParseGgufKv(std::string_view bytes, const std::string& name);

}  // namespace dokja::text::testing
