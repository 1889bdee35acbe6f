// libFuzzer harness for the fingerprint reader and screening.
//
// ParseFingerprint must return OK or Corrupt (never crash, hang, read out of
// bounds or allocate beyond the input's size); an accepted fingerprint must
// re-serialise to the same bytes and survive screening against itself and
// its digest. The harness rewrites the header's size and checksum to match
// the mutated body, so mutations reach the body's checks (once in 8 inputs it
// leaves the header alone, to fuzz the header checks too). Seed corpus:
// tests/testdata/corrupt/fingerprint/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <xxhash.h>

#include <cstring>

#include "audit/fingerprint.h"
#include "audit/screen.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  if (size >= 32 && data[size - 1] % 8 != 0) {
    const uint64_t body = size - 32;
    const uint64_t sum = XXH3_64bits(input.data() + 32, body);
    std::memcpy(input.data() + 16, &body, 8);
    std::memcpy(input.data() + 24, &sum, 8);
  }
  const std::string_view bytes(input);
  auto fp = dokja::audit::ParseFingerprint(bytes, "fuzz.dfp");
  if (!fp.ok()) {
    if (fp.status().code() != dokja::StatusCode::kCorrupt) std::abort();
    return 0;
  }
  if (dokja::audit::SerializeFingerprint(*fp) != bytes) std::abort();
  const dokja::audit::Fingerprint digest = dokja::audit::ScreeningDigest(*fp);
  const auto s = dokja::audit::ScreenFingerprint(*fp, {{"self", "", &*fp}, {"digest", "", &digest}});
  (void)s;
  return 0;
}
