#include "text/tokenizer/internal/normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "text/tokenizer/internal/unicode_util.h"

namespace dokja::text::internal {
namespace {

const icu::Normalizer2* GetForm(NormalizerStep::Kind kind, UErrorCode* status) {
  switch (kind) {
    case NormalizerStep::Kind::kNfc: return icu::Normalizer2::getNFCInstance(*status);
    case NormalizerStep::Kind::kNfd: return icu::Normalizer2::getNFDInstance(*status);
    case NormalizerStep::Kind::kNfkc: return icu::Normalizer2::getNFKCInstance(*status);
    case NormalizerStep::Kind::kNfkd: return icu::Normalizer2::getNFKDInstance(*status);
    default: return nullptr;
  }
}

std::string NormalizeValid(const icu::Normalizer2& form, std::string_view valid) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString in = icu::UnicodeString::fromUTF8(
      icu::StringPiece(valid.data(), static_cast<int32_t>(valid.size())));
  const icu::UnicodeString out = form.normalize(in, status);
  if (U_FAILURE(status)) return std::string(valid);
  std::string result;
  out.toUTF8String(result);
  return result;
}

// Normalises each maximal valid UTF-8 run; invalid bytes are copied.
std::string NormalizeForm(const icu::Normalizer2& form, std::string_view text) {
  std::string out;
  size_t run_begin = 0;
  size_t offset = 0;
  while (offset < text.size()) {
    size_t n = 0;
    const char32_t cp = Utf8Decode(text, offset, &n);
    const bool invalid = cp >= 0xDC80 && cp <= 0xDCFF && n == 1 &&
                         static_cast<unsigned char>(text[offset]) >= 0x80;
    if (invalid) {
      out += NormalizeValid(form, text.substr(run_begin, offset - run_begin));
      out.push_back(text[offset]);
      run_begin = offset + 1;
    }
    offset += n;
  }
  out += NormalizeValid(form, text.substr(run_begin));
  return out;
}

}  // namespace

Result<Normalizer> Normalizer::Create(std::vector<NormalizerStep> steps) {
  for (const NormalizerStep& step : steps) {
    if (step.kind == NormalizerStep::Kind::kReplace && step.pattern.empty()) {
      return Status::InvalidArgument("normalizer: Replace with an empty pattern");
    }
    UErrorCode status = U_ZERO_ERROR;
    if (step.kind != NormalizerStep::Kind::kReplace && step.kind != NormalizerStep::Kind::kPrepend &&
        (GetForm(step.kind, &status) == nullptr || U_FAILURE(status))) {
      return Status::InvalidArgument(std::string("normalizer: ICU normal form unavailable: ") +
                                     u_errorName(status));
    }
  }
  Normalizer normalizer;
  normalizer.steps_ = std::move(steps);
  return normalizer;
}

std::string Normalizer::Apply(std::string_view text) const {
  std::string s(text);
  for (const NormalizerStep& step : steps_) {
    switch (step.kind) {
      case NormalizerStep::Kind::kPrepend:
        if (!s.empty()) s.insert(0, step.content);
        break;
      case NormalizerStep::Kind::kReplace:
        s = ReplaceAll(s, step.pattern, step.content);
        break;
      default: {
        UErrorCode status = U_ZERO_ERROR;
        s = NormalizeForm(*GetForm(step.kind, &status), s);
        break;
      }
    }
  }
  return s;
}

}  // namespace dokja::text::internal
