// Streaming parse of the safetensors JSON header.
//
// A SAX handler instead of a DOM: nlohmann's DOM silently keeps the last of
// duplicate keys (we must reject them), and building a DOM of a hostile
// 100 MB header can take many times that in memory. The handler checks each
// event against a small state machine and stops at the first problem.
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "base/utf8.h"
#include "tensorfile/safetensors/internal/header.h"

namespace dokja::safetensors_internal {
namespace {

using json = nlohmann::json;

// Quotes a name for a message, cutting very long ones.
std::string Quote(std::string_view s) {
  constexpr size_t kMaxShown = 200;
  if (s.size() > kMaxShown) return "'" + std::string(s.substr(0, kMaxShown)) + "...'";
  return "'" + std::string(s) + "'";
}

class HeaderSax {
 public:
  HeaderSax(const std::string& path, RawHeader* out) : path_(path), out_(out) {}

  const Status& status() const { return status_; }
  bool done() const { return state_ == State::kDone; }

  bool null() {
    if (state_ == State::kMetadataStart) {  // the reference reads null as "no metadata"
      state_ = State::kRoot;
      return true;
    }
    return Unexpected("null");
  }
  bool boolean(bool) { return Unexpected("a boolean"); }
  bool number_integer(json::number_integer_t v) {
    if (state_ == State::kShape || state_ == State::kOffsets) {
      return Fail(ArrayItemName() + " is negative (" + std::to_string(v) + ")");
    }
    return Unexpected("a number");
  }
  bool number_unsigned(json::number_unsigned_t v);
  bool number_float(json::number_float_t, const json::string_t& text) {
    return Unexpected("the number " + text);
  }
  bool string(json::string_t& s);
  bool binary(json::binary_t&) { return Unexpected("binary data"); }
  bool start_object(std::size_t);
  bool key(json::string_t& k);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array();
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    std::string what = ex.what();
    if (size_t cut = what.find("] "); cut != std::string::npos) what = what.substr(cut + 2);
    return Fail("header is not valid JSON (byte " + std::to_string(position) +
                " of the header): " + what);
  }

 private:
  enum class State {
    kBegin,          // before the root object
    kRoot,           // in the root: a key or '}'
    kMetadataStart,  // after "__metadata__": an object or null
    kMetaObject,     // in __metadata__: a key or '}'
    kMetaValue,      // a __metadata__ value: a string
    kTensorStart,    // after a tensor name: an object
    kTensorObject,   // in a tensor entry: a field name or '}'
    kDType,          // the dtype value: a string
    kShapeStart,     // the shape value: '['
    kShape,          // in shape: integers or ']'
    kOffsetsStart,   // the data_offsets value: '['
    kOffsets,        // in data_offsets: integers or ']'
    kDone,           // after the root object
  };
  // Bits of RawTensorEntry fields seen, to catch missing and repeated fields.
  enum Field : unsigned { kFieldDType = 1, kFieldShape = 2, kFieldOffsets = 4 };

  bool Fail(const std::string& message) {
    if (status_.ok()) status_ = Status::Corrupt(path_ + ": " + message);
    return false;
  }
  std::string Tensor() const { return "tensor " + Quote(out_->tensors.back().name); }
  std::string ArrayItemName() const;
  // What the current state expected, for "..., got X" messages.
  std::string Expectation() const;
  bool Unexpected(const std::string& got) { return Fail(Expectation() + ", got " + got); }
  bool TensorKey(const std::string& k);

  const std::string& path_;
  RawHeader* out_;
  Status status_;
  State state_ = State::kBegin;
  unsigned fields_seen_ = 0;
  size_t offsets_count_ = 0;
  std::unordered_set<std::string> root_keys_;
  std::unordered_set<std::string> meta_keys_;
  std::string meta_key_;
};

std::string HeaderSax::ArrayItemName() const {
  if (state_ == State::kShape) {
    return Tensor() + ": shape[" + std::to_string(out_->tensors.back().shape.size()) + "]";
  }
  return Tensor() + ": data_offsets[" + std::to_string(offsets_count_) + "]";
}

std::string HeaderSax::Expectation() const {
  switch (state_) {
    case State::kBegin:
      return "header must be a JSON object";
    case State::kRoot:
      return "header: expected a tensor name";
    case State::kMetadataStart:
    case State::kMetaObject:
      return "__metadata__ must be an object of strings";
    case State::kMetaValue:
      return "__metadata__ key " + Quote(meta_key_) + " must be a string";
    case State::kTensorStart:
      return Tensor() + " must be an object with dtype, shape and data_offsets";
    case State::kTensorObject:
      return Tensor() + ": expected a field name";
    case State::kDType:
      return Tensor() + ": dtype must be a string";
    case State::kShapeStart:
      return Tensor() + ": shape must be an array of non-negative integers";
    case State::kShape:
      return ArrayItemName() + " must be a non-negative integer";
    case State::kOffsetsStart:
      return Tensor() + ": data_offsets must be an array [begin, end] of non-negative integers";
    case State::kOffsets:
      return ArrayItemName() + " must be a non-negative integer";
    case State::kDone:
      return "header: nothing may follow the root object";
  }
  return "header";
}

bool HeaderSax::number_unsigned(json::number_unsigned_t v) {
  if (state_ == State::kShape) {
    RawTensorEntry& t = out_->tensors.back();
    if (t.shape.size() == kMaxRank) {
      return Fail(Tensor() + ": shape has more than " + std::to_string(kMaxRank) + " dimensions");
    }
    t.shape.push_back(v);
    return true;
  }
  if (state_ == State::kOffsets) {
    if (offsets_count_ == 2) return Fail(Tensor() + ": data_offsets has more than 2 entries");
    RawTensorEntry& t = out_->tensors.back();
    (offsets_count_ == 0 ? t.begin : t.end) = v;
    ++offsets_count_;
    return true;
  }
  return Unexpected("a number");
}

bool HeaderSax::string(json::string_t& s) {
  if (state_ == State::kMetaValue) {
    out_->metadata.emplace_back(std::move(meta_key_), std::move(s));
    state_ = State::kMetaObject;
    return true;
  }
  if (state_ == State::kDType) {
    out_->tensors.back().dtype = std::move(s);
    state_ = State::kTensorObject;
    return true;
  }
  return Unexpected("a string");
}

bool HeaderSax::start_object(std::size_t) {
  switch (state_) {
    case State::kBegin:
      state_ = State::kRoot;
      return true;
    case State::kMetadataStart:
      state_ = State::kMetaObject;
      return true;
    case State::kTensorStart:
      state_ = State::kTensorObject;
      fields_seen_ = 0;
      return true;
    default:
      return Unexpected("an object");
  }
}

bool HeaderSax::key(json::string_t& k) {
  switch (state_) {
    case State::kRoot:
      if (!root_keys_.insert(k).second) {
        return Fail(k == "__metadata__" ? "header: __metadata__ appears twice"
                                        : "header: duplicate tensor name " + Quote(k));
      }
      if (k == "__metadata__") {
        state_ = State::kMetadataStart;
      } else {
        out_->tensors.emplace_back();
        out_->tensors.back().name = std::move(k);
        state_ = State::kTensorStart;
      }
      return true;
    case State::kMetaObject:
      if (!meta_keys_.insert(k).second) return Fail("__metadata__: duplicate key " + Quote(k));
      meta_key_ = std::move(k);
      state_ = State::kMetaValue;
      return true;
    case State::kTensorObject:
      return TensorKey(k);
    default:
      return Unexpected("a key");  // unreachable: keys only occur in objects
  }
}

bool HeaderSax::TensorKey(const std::string& k) {
  unsigned field = 0;
  State next = State::kTensorObject;
  if (k == "dtype") {
    field = kFieldDType, next = State::kDType;
  } else if (k == "shape") {
    field = kFieldShape, next = State::kShapeStart;
  } else if (k == "data_offsets") {
    field = kFieldOffsets, next = State::kOffsetsStart;
  } else {
    return Fail(Tensor() + ": unknown field " + Quote(k) +
                " (expected dtype, shape and data_offsets)");
  }
  if (fields_seen_ & field) return Fail(Tensor() + ": field " + Quote(k) + " appears twice");
  fields_seen_ |= field;
  state_ = next;
  return true;
}

bool HeaderSax::end_object() {
  switch (state_) {
    case State::kRoot:
      state_ = State::kDone;
      return true;
    case State::kMetaObject:
      state_ = State::kRoot;
      return true;
    case State::kTensorObject:
      for (auto [bit, name] : {std::pair{kFieldDType, "dtype"},
                               {kFieldShape, "shape"},
                               {kFieldOffsets, "data_offsets"}}) {
        if (!(fields_seen_ & bit)) return Fail(Tensor() + ": missing field '" + name + "'");
      }
      state_ = State::kRoot;
      return true;
    default:
      return Unexpected("'}'");  // unreachable: the parser pairs braces
  }
}

bool HeaderSax::start_array(std::size_t) {
  if (state_ == State::kShapeStart) {
    state_ = State::kShape;
    return true;
  }
  if (state_ == State::kOffsetsStart) {
    state_ = State::kOffsets;
    offsets_count_ = 0;
    return true;
  }
  return Unexpected("an array");
}

bool HeaderSax::end_array() {
  if (state_ == State::kShape) {
    state_ = State::kTensorObject;
    return true;
  }
  if (state_ == State::kOffsets && offsets_count_ == 2) {
    state_ = State::kTensorObject;
    return true;
  }
  if (state_ == State::kOffsets) {
    return Fail(Tensor() + ": data_offsets must have 2 entries [begin, end], got " +
                std::to_string(offsets_count_));
  }
  return Unexpected("']'");  // unreachable: the parser pairs brackets
}

}  // namespace

Result<RawHeader> ParseHeaderJson(std::string_view text, const std::string& path) {
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad)) {
    return Status::Corrupt(path + ": header is not valid UTF-8 (byte " + std::to_string(bad) +
                           " of the header)");
  }
  if (text.empty() || text.front() != '{') {
    const std::string found =
        text.empty() ? "an empty header" : "'" + std::string(1, text[0]) + "'";
    return Status::Corrupt(path + ": header must be a JSON object starting with '{', found " +
                           found);
  }
  RawHeader header;
  HeaderSax sax(path, &header);
  try {
    const bool ok = json::sax_parse(text.data(), text.data() + text.size(), &sax);
    if (!sax.status().ok()) return sax.status();
    if (!ok || !sax.done()) return Status::Corrupt(path + ": header is not a complete JSON object");
  } catch (const std::exception& e) {  // nlohmann may still throw (e.g. bad_alloc)
    return Status::Corrupt(path + ": header could not be parsed: " + e.what());
  }
  return header;
}

}  // namespace dokja::safetensors_internal
