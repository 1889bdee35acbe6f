#include "text/tokenizer/internal/spm_model.h"

#include <queue>

#include "text/tokenizer/internal/unicode_util.h"

namespace dokja::text::internal {
namespace {

struct Symbol {
  size_t begin;  // byte offset into the text
  size_t n;      // bytes; 0 once merged into its left neighbour
  int prev;
  int next;
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t size;
};

struct BigramOrder {
  // Highest score first; on ties the leftmost pair.
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

class SpmSession {
 public:
  SpmSession(const Vocab& vocab, std::string_view text) : vocab_(vocab), text_(text) {}

  void Encode(std::vector<int32_t>* out) {
    for (size_t offset = 0; offset < text_.size();) {
      const size_t n = Utf8CharLength(text_, offset);
      const int index = static_cast<int>(symbols_.size());
      symbols_.push_back({offset, n, index - 1, offset + n == text_.size() ? -1 : index + 1});
      offset += n;
    }
    for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) TryAddBigram(i - 1, i);
    while (!queue_.empty()) {
      const Bigram bigram = queue_.top();
      queue_.pop();
      Symbol& left = symbols_[bigram.left];
      Symbol& right = symbols_[bigram.right];
      if (left.n == 0 || right.n == 0 || left.n + right.n != bigram.size) continue;  // stale
      left.n += right.n;
      right.n = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = bigram.left;
      TryAddBigram(left.prev, bigram.left);
      TryAddBigram(bigram.left, left.next);
    }
    for (int i = symbols_.empty() ? -1 : 0; i != -1; i = symbols_[i].next) {
      EmitSymbol(symbols_[i], out);
    }
  }

 private:
  void TryAddBigram(int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t size = symbols_[left].n + symbols_[right].n;
    const std::string_view piece = text_.substr(symbols_[left].begin, size);
    const int32_t id = vocab_.Find(piece);
    if (id < 0) return;
    queue_.push({left, right, vocab_.Score(id), size});
  }

  // Every merge yields a vocabulary token, so a final symbol outside the
  // vocabulary is a single character: emit its bytes.
  void EmitSymbol(const Symbol& symbol, std::vector<int32_t>* out) const {
    const std::string_view piece = text_.substr(symbol.begin, symbol.n);
    const int32_t id = vocab_.Find(piece);
    if (id >= 0) {
      out->push_back(id);
      return;
    }
    for (char c : piece) {
      const int32_t byte_id = vocab_.ByteToken(static_cast<uint8_t>(c));
      const int32_t fallback = byte_id >= 0 ? byte_id : vocab_.unk_id;
      if (fallback >= 0) out->push_back(fallback);
    }
  }

  const Vocab& vocab_;
  std::string_view text_;
  std::vector<Symbol> symbols_;
  std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void SpmEncode(const Vocab& vocab, std::string_view text, std::vector<int32_t>* out) {
  SpmSession(vocab, text).Encode(out);
}

}  // namespace dokja::text::internal
