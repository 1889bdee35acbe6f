#include "tensorfile/rotary_layout.h"

#include <algorithm>

namespace dokja {

bool GgufArchHasInterleavedRope(std::string_view gguf_arch) {
  return gguf_arch == "llama" || gguf_arch == "mistral";
}

std::vector<uint32_t> InterleavedToHalfRows(int32_t n_heads, int32_t head_dim) {
  std::vector<uint32_t> map(static_cast<size_t>(n_heads) * static_cast<size_t>(head_dim));
  for (size_t r = 0; r < map.size(); ++r) {
    const size_t hd = static_cast<size_t>(head_dim);
    const size_t head = r / hd, within = r % hd;
    map[r] = static_cast<uint32_t>(head * hd + (within % 2) * (hd / 2) + within / 2);
  }
  return map;
}

void PermuteInterleavedToHalf(std::vector<float>* data, int32_t n_heads, int32_t head_dim,
                              int64_t cols) {
  const std::vector<uint32_t> map = InterleavedToHalfRows(n_heads, head_dim);
  std::vector<float> out(data->size());
  for (size_t r = 0; r < map.size(); ++r) {
    std::copy_n(data->begin() + static_cast<int64_t>(r) * cols, cols,
                out.begin() + static_cast<int64_t>(map[r]) * cols);
  }
  *data = std::move(out);
}

}  // namespace dokja
