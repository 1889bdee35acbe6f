#include "base/status.h"

#include <gtest/gtest.h>

namespace dokja {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  DOKJA_ASSIGN_OR_RETURN(int h, Half(x));
  DOKJA_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(Status, OkByDefaultAndPrintsCodeWithMessage) {
  EXPECT_TRUE(Status().ok());
  Status s = Status::Corrupt("a.safetensors: bad header");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorrupt);
  EXPECT_EQ(s.ToString(), "Corrupt: a.safetensors: bad header");
  EXPECT_EQ(s.WithPrefix("inspect").message(), "inspect: a.safetensors: bad header");
}

TEST(Result, PropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd: 3");
}

}  // namespace
}  // namespace dokja
