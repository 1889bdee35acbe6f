// libFuzzer harness for the fingerprint reader and screening.
//
// ParseFingerprint must return OK or Corrupt (never crash, hang, read out of
// bounds or allocate beyond the input's size); an accepted fingerprint must
// re-serialise to the same bytes and survive screening against itself and
// its digest. Fuzzer builds skip the checksum (fingerprint_format.cc) so
// mutations reach the body. Seed corpus: tests/testdata/corrupt/fingerprint/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "audit/fingerprint.h"
#include "audit/screen.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto fp = dokja::audit::ParseFingerprint(bytes, "fuzz.dfp");
  if (!fp.ok()) {
    if (fp.status().code() != dokja::StatusCode::kCorrupt) std::abort();
    return 0;
  }
  if (dokja::audit::SerializeFingerprint(*fp).substr(32) != bytes.substr(32)) std::abort();
  const dokja::audit::Fingerprint digest = dokja::audit::ScreeningDigest(*fp);
  const auto s = dokja::audit::ScreenFingerprint(*fp, {{"self", "", &*fp}, {"digest", "", &digest}});
  (void)s;
  return 0;
}
