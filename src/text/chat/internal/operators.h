// Operators with Python semantics over Value: arithmetic, comparison,
// membership, item and attribute access, slicing and iteration.
//
// Errors are plain Status values; the evaluator adds the template position.
// Undefined operands fail the way jinja2's default Undefined does, with the
// hint naming the missing variable or attribute.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "text/chat/internal/value.h"

namespace dokja::text::jinja {

// Python's short type name: "int", "str", "NoneType", ...
std::string_view PyTypeName(const Value& v);

// The UndefinedError for using `v`, which must be undefined.
Status UndefinedError(const Value& v);

// a op b for op in + - * / // % **. `max_bytes` caps strings and lists built
// by + and *.
Result<Value> Arithmetic(std::string_view op, const Value& a, const Value& b, uint64_t max_bytes);

// a op b for op in == != < <= > >= "in" "not in".
Result<bool> Compare(std::string_view op, const Value& a, const Value& b);

// Python `item in container` for str, list and dict containers.
Result<bool> Contains(const Value& container, const Value& item);

// obj[key] as jinja2 does it: missing keys and out-of-range indexes give
// Undefined, not errors. Fails only when obj itself is undefined.
Result<Value> GetItem(const Value& obj, const Value& key);

// obj.name: a dict's key, else Undefined. Fails only when obj is undefined.
Result<Value> GetAttr(const Value& obj, std::string_view name);

// obj[start:stop:step] for str and list; null-like bounds are Python's None.
Result<Value> Slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// What `for x in v` visits: list items, dict keys, str characters; nothing
// for Undefined. Fails for None, numbers and bools, and when splitting a
// string into characters would take more than `max_bytes` of memory.
Result<ValueList> Iterate(const Value& v, uint64_t max_bytes);

// Python sort order for two values of comparable types (numbers, strings, lists).
Result<int> Order(const Value& a, const Value& b);

}  // namespace dokja::text::jinja
