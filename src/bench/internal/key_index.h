// KeyIndex: the request cache's in-memory index from a cache key's 8-byte
// prefix (uniform: the start of a SHA-256) to the row id of its answer.
// Open addressing with linear probing, kept at most half full. Not
// thread-safe; each RequestCache owns one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dokja::bench::internal {

class KeyIndex {
 public:
  // The id stored for `prefix`, or 0 when there is none.
  int64_t Find(uint64_t prefix) const {
    if (slots_.empty()) return 0;
    const size_t mask = slots_.size() - 1;
    for (size_t pos = static_cast<size_t>(prefix) & mask;; pos = (pos + 1) & mask) {
      const Slot& s = slots_[pos];
      if (s.id == 0) return 0;
      if (s.prefix == prefix) return s.id;
    }
  }

  // Stores `id` (> 0) for `prefix` unless an id is stored for it already;
  // true when it stored.
  bool Insert(uint64_t prefix, int64_t id) {
    if (2 * (size_ + 1) > slots_.size()) Grow();
    const size_t mask = slots_.size() - 1;
    for (size_t pos = static_cast<size_t>(prefix) & mask;; pos = (pos + 1) & mask) {
      Slot& s = slots_[pos];
      if (s.id == 0) {
        s = {prefix, id};
        ++size_;
        return true;
      }
      if (s.prefix == prefix) return false;
    }
  }

  void Clear() {
    slots_.clear();
    size_ = 0;
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t prefix = 0;
    int64_t id = 0;  // 0: empty
  };
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 1024 : 2 * old.size());
    size_ = 0;
    for (const Slot& s : old) {
      if (s.id != 0) Insert(s.prefix, s.id);
    }
  }

  std::vector<Slot> slots_;  // a power of two in size, or empty
  size_t size_ = 0;
};

}  // namespace dokja::bench::internal
