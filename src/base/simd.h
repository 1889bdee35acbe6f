// DOKJA_VECTOR_CLONES: compile a hot loop twice, for AVX2 and for the
// baseline ISA, and pick at load time (GCC/clang target_clones via ifunc).
// Lets one portable binary run conversion and reduction loops at AVX2 width.
// Off under sanitizers, whose runtimes do not mix well with ifunc resolvers.
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DOKJA_NO_CLONES_ 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DOKJA_NO_CLONES_ 1
#endif

#if defined(__x86_64__) && defined(__linux__) && !defined(DOKJA_NO_CLONES_)
#define DOKJA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DOKJA_VECTOR_CLONES
#endif
