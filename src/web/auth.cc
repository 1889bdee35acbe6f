#include "web/auth.h"

#include <sodium.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/sha256.h"

namespace dokja::web {
namespace {

// Bounds concurrent argon2id runs: each takes MEMLIMIT_INTERACTIVE (64 MiB),
// and a burst of log-ins must not take the machine's memory.
class HashGate {
 public:
  HashGate() : free_(std::max(2u, std::thread::hardware_concurrency())) {}
  void Enter() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void Leave() {
    { std::lock_guard<std::mutex> lock(mu_); ++free_; }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  unsigned free_;
};

HashGate& Gate() {
  static HashGate gate;
  return gate;
}

struct GateHold {
  GateHold() { Gate().Enter(); }
  ~GateHold() { Gate().Leave(); }
};

}  // namespace

Status InitCrypto() {
  static const int rc = sodium_init();
  if (rc < 0) return Status::Unavailable("libsodium: sodium_init failed (no entropy source?)");
  return Status::OK();
}

Status CheckPasswordRules(std::string_view password) {
  if (password.size() < 8) return Status::InvalidArgument("password: at least 8 bytes");
  if (password.size() > 256) return Status::InvalidArgument("password: at most 256 bytes");
  return Status::OK();
}

Result<std::string> HashPassword(std::string_view password, bool weak) {
  DOKJA_RETURN_IF_ERROR(InitCrypto());
  char out[crypto_pwhash_STRBYTES];
  const unsigned long long ops = weak ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const size_t mem = weak ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  GateHold hold;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::Internal("argon2id: out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password_hash, std::string_view password) {
  if (!InitCrypto().ok()) return false;
  if (password_hash.empty() || password_hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string hash(password_hash);  // NUL-terminated copy
  GateHold hold;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void BurnVerification(bool weak) {
  if (weak) {
    static const std::string minimal = HashPassword("dokja-burn-verification", true).value();
    (void)VerifyPassword(minimal, "not the password");
  } else {
    static const std::string strong = HashPassword("dokja-burn-verification", false).value();
    (void)VerifyPassword(strong, "not the password");
  }
}

std::string RandomToken() {
  (void)InitCrypto();  // randombytes_buf works (via its fallback) even if init failed
  uint8_t bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return HexEncode(bytes, sizeof bytes);
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

std::string CookieValue(const httplib::Request& req, std::string_view name) {
  auto range = req.headers.equal_range("Cookie");
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view header = it->second;
    while (!header.empty()) {
      const size_t semi = header.find(';');
      std::string_view pair = header.substr(0, semi);
      header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
      std::string_view value = pair.substr(eq + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      return std::string(value);
    }
  }
  return "";
}

std::string SessionCookieHeader(std::string_view token, int64_t max_age_s, bool secure) {
  std::string out = std::string(kSessionCookie) + "=" + std::string(token) +
                    "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  if (secure) out += "; Secure";
  return out;
}

std::string ClearSessionCookieHeader(bool secure) { return SessionCookieHeader("", 0, secure); }

bool SecureEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace dokja::web
