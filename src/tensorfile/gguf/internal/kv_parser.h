// Parses GGUF key-value metadata from a HeaderCursor into Metadata.
//
// A KV pair is: key (GGUF string), u32 value type, value. Values are stored
// as MetaValue typed with their GGUF type; arrays keep their element type and
// may nest. Every count and length is checked against the bytes left in the
// file before anything is allocated, and the total number of values and the
// array nesting depth are capped (KvLimits).
//
// Messages name the field ("KV #3 'tokenizer.ggml.tokens': item 17: ...")
// but not the file; OpenGguf prefixes the path.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "tensorfile/gguf/internal/header_cursor.h"
#include "tensorfile/metadata.h"

namespace dokja::gguf_internal {

struct KvLimits {
  // Arrays inside arrays inside ...: a key holding an array is depth 1.
  uint32_t max_array_depth = 8;
  // Metadata values in all (each array item counts). A 256k-token vocabulary
  // with scores, types and merges is about 1M; each value costs ~48 bytes of
  // memory, so the cap bounds a hostile header to ~400 MiB.
  uint64_t max_values = uint64_t{1} << 23;
};

// Fewest bytes one value of `type` takes in the file (12 for an array: its
// u32 element type and u64 count), or 0 for an unknown type.
uint64_t MinEncodedBytes(uint32_t type);

// Reads n_kv pairs at the cursor and adds them to *out. Corrupt on truncation,
// unknown value types, invalid or empty keys, duplicate keys and bools other
// than 0/1; Unsupported when a limit is exceeded.
Status ParseKvPairs(HeaderCursor& cursor, uint64_t n_kv, const KvLimits& limits, Metadata* out);

}  // namespace dokja::gguf_internal
