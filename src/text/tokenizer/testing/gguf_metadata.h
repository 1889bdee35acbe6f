// Test helper: the metadata of a GGUF file, read with the real GGUF reader.
#pragma once

#include <string>

#include "base/status.h"
#include "io/env.h"
#include "tensorfile/metadata.h"

namespace dokja::text::testing {

Result<Metadata> LoadGgufMetadata(io::Env& env, const std::string& path);

}  // namespace dokja::text::testing
