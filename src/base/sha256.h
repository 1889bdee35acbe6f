// SHA-256 (FIPS 180-4): content addresses for cache keys, input hashes in the
// stage record and fingerprint identities.
//
// Thread-safety: a Sha256 object is not; the free functions are.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dokja {

// Incremental hasher: Update() any number of times, then Final() once.
class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // The 32-byte digest. REQUIRES: called once; the object is spent after.
  std::array<uint8_t, 32> Final();
  // Final() as 64 lowercase hex characters.
  std::string FinalHex();

 private:
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_bytes_ = 0;
};

// Hex SHA-256 of a byte string.
std::string Sha256Hex(std::string_view data);

// Lowercase hex of bytes.
std::string HexEncode(const uint8_t* data, size_t n);

namespace internal {
// Whether this CPU's SHA extensions compress blocks (else portable code).
bool Sha256UsesHardware();
// Compresses `n_blocks` 64-byte blocks into `state`: with the hardware path
// when `hardware` and the CPU has one, else the portable code. For tests.
void Sha256Blocks(uint32_t state[8], const uint8_t* data, size_t n_blocks, bool hardware);
}  // namespace internal

}  // namespace dokja
