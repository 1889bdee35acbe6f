#include "bench/internal/regex.h"

#include <unicode/regex.h>
#include <unicode/unistr.h>

namespace dokja::bench::internal {

struct Regex::Impl {
  std::unique_ptr<icu::RegexPattern> pattern;
};

namespace {

constexpr int32_t kTimeLimit = 5000;  // ICU units (~ms each): stops runaway backtracking

std::string ToUtf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

Result<std::unique_ptr<icu::RegexMatcher>> Matcher(const icu::RegexPattern& pattern,
                                                   const icu::UnicodeString& input,
                                                   const std::string& source) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(pattern.matcher(input, status));
  if (U_SUCCESS(status)) m->setTimeLimit(kTimeLimit, status);
  if (U_SUCCESS(status)) m->setStackLimit(0, status);  // heap-backed, no native recursion
  if (U_FAILURE(status) || m == nullptr) {
    return Status::Internal("regex '" + source + "': " + u_errorName(status));
  }
  return m;
}

Status MatchError(UErrorCode status, const std::string& source) {
  if (status == U_REGEX_TIME_OUT) {
    return Status::InvalidArgument("regex '" + source + "' ran past its time limit on this text");
  }
  return Status::InvalidArgument("regex '" + source + "': " + u_errorName(status));
}

}  // namespace

Result<Regex> Regex::Compile(std::string_view pattern, bool ignore_case) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  icu::UnicodeString upattern = icu::UnicodeString::fromUTF8(
      icu::StringPiece(pattern.data(), static_cast<int32_t>(pattern.size())));
  std::unique_ptr<icu::RegexPattern> compiled(icu::RegexPattern::compile(
      upattern, ignore_case ? UREGEX_CASE_INSENSITIVE : 0, parse_error, status));
  if (U_FAILURE(status) || compiled == nullptr) {
    return Status::InvalidArgument("regex '" + std::string(pattern) + "': " + u_errorName(status) +
                                   " at offset " + std::to_string(parse_error.offset));
  }
  auto impl = std::make_shared<Impl>();
  impl->pattern = std::move(compiled);
  return Regex(std::move(impl), std::string(pattern));
}

Result<std::vector<std::vector<std::string>>> Regex::FindAll(std::string_view text) const {
  icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<icu::RegexMatcher> m, Matcher(*impl_->pattern, input, source_));
  std::vector<std::vector<std::string>> out;
  UErrorCode status = U_ZERO_ERROR;
  const int32_t n_groups = m->groupCount();
  while (m->find(status) && U_SUCCESS(status)) {
    std::vector<std::string> groups;
    if (n_groups == 0) groups.push_back(ToUtf8(m->group(status)));
    for (int32_t g = 1; g <= n_groups; ++g) {
      groups.push_back(m->start(g, status) < 0 ? std::string() : ToUtf8(m->group(g, status)));
    }
    out.push_back(std::move(groups));
  }
  if (U_FAILURE(status)) return MatchError(status, source_);
  return out;
}

Result<std::string> Regex::RemoveAll(std::string_view text) const {
  icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  DOKJA_ASSIGN_OR_RETURN(std::unique_ptr<icu::RegexMatcher> m, Matcher(*impl_->pattern, input, source_));
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString result = m->replaceAll(icu::UnicodeString(), status);
  if (U_FAILURE(status)) return MatchError(status, source_);
  return ToUtf8(result);
}

}  // namespace dokja::bench::internal
