#include "base/sha256.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace dokja {
namespace {

// Vectors from FIPS 180-4 examples and NIST CAVP.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, IncrementalMatchesOneShotAcrossBlockBoundaries) {
  std::string data;
  for (int i = 0; i < 300; ++i) data.push_back(static_cast<char>(i * 7 + 3));
  for (size_t split : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 128u, 299u}) {
    Sha256 h;
    h.Update(data.substr(0, split));
    h.Update(data.substr(split));
    EXPECT_EQ(h.FinalHex(), Sha256Hex(data)) << "split at " << split;
  }
}

// The hardware path (x86 SHA extensions, when this CPU has them) against the
// portable code on many random blocks and chained states.
TEST(Sha256Test, HardwareBlocksMatchPortable) {
  if (!internal::Sha256UsesHardware()) GTEST_SKIP() << "this CPU has no SHA extensions";
  std::mt19937 rng(7);
  std::vector<uint8_t> data(64 * 37);
  for (int trial = 0; trial < 200; ++trial) {
    for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
    uint32_t a[8], b[8];
    for (int i = 0; i < 8; ++i) a[i] = b[i] = rng();
    const size_t n = 1 + rng() % 37;
    internal::Sha256Blocks(a, data.data(), n, /*hardware=*/true);
    internal::Sha256Blocks(b, data.data(), n, /*hardware=*/false);
    for (int i = 0; i < 8; ++i) ASSERT_EQ(a[i], b[i]) << "trial " << trial << " word " << i;
  }
}

}  // namespace
}  // namespace dokja
