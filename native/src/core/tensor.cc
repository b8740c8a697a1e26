#include "tensor.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

#include "error.h"

namespace onnxfleet {

int64_t shapeNumel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shapeToString(const Shape& s) {
  std::ostringstream o;
  o << '[';
  for (size_t i = 0; i < s.size(); ++i) o << (i ? "," : "") << s[i];
  o << ']';
  return o.str();
}

std::string Tensor::describe() const { return std::string(dtypeName(dtype)) + shapeToString(shape); }

std::string Value::describe() const {
  switch (kind) {
    case Kind::Empty:
      return "none";
    case Kind::Tensor:
      return tensor.describe();
    case Kind::Sequence:
      return "seq<" + std::string(dtypeName(elemType)) + ">(" + std::to_string(sequence.size()) + ")";
  }
  return "?";
}

void HeapFree::operator()(void* p) const { std::free(p); }

bool isHeapBacked(const Tensor& t) { return t.holder && std::get_deleter<HeapFree>(t.holder) != nullptr; }

Tensor allocateHeapTensor(DType dtype, const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw Error("negative dimension in shape " + shapeToString(shape));
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  const int64_t n = t.numel();
  if (dtype == DType::String) {
    auto* strings = new std::string[n > 0 ? n : 1];
    t.holder = std::shared_ptr<void>(strings, [](void* p) { delete[] static_cast<std::string*>(p); });
    t.data = strings;
    return t;
  }
  size_t bytes = t.bytes();
  size_t rounded = ((bytes + 63) / 64) * 64;
  if (rounded == 0) rounded = 64;
  void* p = std::aligned_alloc(64, rounded);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes for " + t.describe());
  t.holder = std::shared_ptr<void>(p, HeapFree{});
  t.data = p;
  return t;
}

Tensor copyTensor(const Tensor& src) {
  Tensor t = allocateHeapTensor(src.dtype, src.shape);
  if (src.dtype == DType::String) {
    const auto* s = src.as<std::string>();
    auto* d = t.as<std::string>();
    for (int64_t i = 0; i < src.numel(); ++i) d[i] = s[i];
  } else if (src.bytes()) {
    std::memcpy(t.data, src.data, src.bytes());
  }
  return t;
}

}  // namespace onnxfleet
