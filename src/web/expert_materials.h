// Per-team materials shown to experts (technical reports, training logs,
// sample outputs): which media types are accepted, and where the bytes live.
//
// Storage: content-addressed files under WebOptions::materials_dir, named by
// the SHA-256 hex of their bytes (the same upload twice is one file). The
// store keeps the metadata, with `uri` = that file name; a uri that is not 64
// hex digits is refused on read, so a tampered row cannot name another path.
//
// Serving: always as an attachment with `X-Content-Type-Options: nosniff`
// and a sandboxing Content-Security-Policy, so an uploaded HTML report cannot
// run script in the platform's origin. SVG is not accepted (it can carry
// script).
//
// Thread-safety: free functions; concurrent writers of the same content race
// only to rename identical bytes into place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/store.h"

namespace dokja::web {

constexpr int64_t kMaxMaterialBytes = 64LL << 20;  // 64 MiB per file

// The accepted media type for a Content-Type header value: lower-cased,
// parameters dropped. Accepts application/pdf, text/html, text/plain,
// application/json, text/csv, image/png, image/jpeg, image/gif, image/webp.
// InvalidArgument naming the type otherwise.
Result<std::string> MaterialMediaType(std::string_view content_type);

// Checks that the bytes are what the type says: the magic bytes of PDF, PNG,
// JPEG, GIF and WebP; valid UTF-8 for the text types; a JSON document for
// application/json. InvalidArgument naming the mismatch.
Status CheckMaterialBytes(std::string_view media_type, std::string_view bytes);

// Writes `bytes` to dir/<sha256 hex> (via a temporary file and a rename),
// creating dir if needed; returns the hex digest. IOError naming the path.
Result<std::string> WriteMaterialFile(const std::string& dir, std::string_view bytes);

// Reads the bytes of `material` back from dir, checking the size against the
// metadata. Corrupt when the uri is not a digest or the size differs;
// NotFound when the file is gone.
Result<std::string> ReadMaterialFile(const std::string& dir, const store::Material& material);

// The Content-Type to serve (text types get "; charset=utf-8").
std::string ServedContentType(const std::string& media_type);

// A download name that reveals nothing: "material-ID.EXT".
std::string MaterialFileName(const store::Material& material);

}  // namespace dokja::web
