#include "text/tokenizer/internal/bpe_model.h"

#include <queue>

#include "text/tokenizer/internal/unicode_util.h"

namespace dokja::text::internal {
namespace {

struct Symbol {
  size_t begin;
  size_t n;     // 0 once merged into its left neighbour
  int32_t id;   // vocabulary id, -1 for a character outside the vocabulary
  int prev;
  int next;
};

struct Candidate {
  int32_t rank;
  int left;
  int32_t left_id;
  int32_t right_id;
};

struct CandidateOrder {
  // Lowest rank first; on ties the leftmost pair.
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

}  // namespace

std::unique_ptr<BpeModel> BpeModel::Create(
    const Vocab& vocab, const std::vector<std::pair<std::string, std::string>>& merges,
    const BpeOptions& options) {
  std::unique_ptr<BpeModel> model(new BpeModel(vocab, options));
  model->merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    const int32_t left_id = vocab.Find(left);
    const int32_t right_id = vocab.Find(right);
    const int32_t result = vocab.Find(left + right);
    if (left_id < 0 || right_id < 0 || result < 0) continue;
    model->merges_.emplace(Key(left_id, right_id), Merge{static_cast<int32_t>(rank), result});
  }
  return model;
}

const BpeModel::Merge* BpeModel::FindMerge(int32_t left, int32_t right) const {
  if (left < 0 || right < 0) return nullptr;
  auto it = merges_.find(Key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::EncodeWord(std::string_view word, std::vector<int32_t>* out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    const int32_t whole = vocab_.Find(word);
    if (whole >= 0) {
      out->push_back(whole);
      return;
    }
  }
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < word.size();) {
    const size_t n = Utf8CharLength(word, offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({offset, n, vocab_.Find(word.substr(offset, n)), index - 1,
                       offset + n == word.size() ? -1 : index + 1});
    offset += n;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, CandidateOrder> queue;
  auto consider = [&](int left) {
    if (left < 0 || symbols[left].next < 0) return;
    const Symbol& l = symbols[left];
    const Symbol& r = symbols[l.next];
    if (const Merge* m = FindMerge(l.id, r.id)) queue.push({m->rank, left, l.id, r.id});
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i) consider(i);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& left = symbols[c.left];
    if (left.n == 0 || left.id != c.left_id || left.next < 0) continue;  // stale
    Symbol& right = symbols[left.next];
    if (right.id != c.right_id) continue;
    left.n += right.n;
    left.id = FindMerge(c.left_id, c.right_id)->result;
    right.n = 0;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = c.left;
    consider(left.prev);
    consider(c.left);
  }
  bool last_was_unk = false;
  for (int i = 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    if (s.id >= 0) {
      out->push_back(s.id);
      last_was_unk = false;
    } else {
      EmitUnknown(word.substr(s.begin, s.n), &last_was_unk, out);
    }
  }
}

void BpeModel::EmitUnknown(std::string_view piece, bool* last_was_unk,
                           std::vector<int32_t>* out) const {
  if (options_.byte_fallback) {
    std::vector<int32_t> bytes;
    for (char c : piece) {
      const int32_t id = vocab_.ByteToken(static_cast<uint8_t>(c));
      if (id < 0) break;
      bytes.push_back(id);
    }
    if (bytes.size() == piece.size()) {
      out->insert(out->end(), bytes.begin(), bytes.end());
      *last_was_unk = false;
      return;
    }
  }
  if (vocab_.unk_id < 0) return;  // nothing to stand for it: dropped
  if (options_.fuse_unk && *last_was_unk) return;
  out->push_back(vocab_.unk_id);
  *last_was_unk = true;
}

}  // namespace dokja::text::internal
