// Credentials for the web application: argon2id password hashes (libsodium
// crypto_pwhash_str), random tokens, token hashes and the session cookie.
//
// Only this file's .cc includes libsodium. Thread-safe: every function may be
// called from any thread; password hashing runs at most a few at a time (it
// takes 64 MiB and ~0.1 s each at the interactive cost), the rest wait.
#pragma once

#include <string>
#include <string_view>

#include <httplib.h>

#include "base/status.h"

namespace dokja::web {

// The session cookie's name.
inline constexpr std::string_view kSessionCookie = "dokja_session";

// Initialises libsodium once; Unavailable when it cannot (no entropy source).
Status InitCrypto();

// InvalidArgument unless 8 <= password length <= 256 bytes.
Status CheckPasswordRules(std::string_view password);

// An argon2id PHC string ("$argon2id$v=19$m=...") at libsodium's interactive
// cost, or at its minimum cost when `weak` (tests only). Internal when
// libsodium fails (out of memory).
Result<std::string> HashPassword(std::string_view password, bool weak);

// Whether `password` matches the PHC string. A malformed hash is a mismatch.
bool VerifyPassword(std::string_view password_hash, std::string_view password);

// Spends the time of one verification against a fixed hash, so an unknown
// username takes as long to refuse as a wrong password.
void BurnVerification(bool weak);

// 32 random bytes from the OS CSPRNG as 64 hex digits.
std::string RandomToken();

// The stored form of a token: SHA-256 as 64 hex digits.
std::string TokenHash(std::string_view token);

// The value of cookie `name` in the request's Cookie headers, "" when absent.
std::string CookieValue(const httplib::Request& req, std::string_view name);

// Set-Cookie values: the session cookie (HttpOnly, SameSite=Strict, Path=/,
// Max-Age, Secure when `secure`) and one that deletes it.
std::string SessionCookieHeader(std::string_view token, int64_t max_age_s, bool secure);
std::string ClearSessionCookieHeader(bool secure);

// Constant-time string equality (for CSRF tokens).
bool SecureEquals(std::string_view a, std::string_view b);

}  // namespace dokja::web
