// Runtime values: dense tensors, sequences of tensors, and absent/optional-none values.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "dtype.h"

namespace onnxfleet {

using Shape = std::vector<int64_t>;

int64_t shapeNumel(const Shape& s);
std::string shapeToString(const Shape& s);

// A dense tensor. `holder` owns (or shares) the memory `data` points into, so tensors can alias one
// another without copies (Reshape, Identity, Squeeze...). String tensors point at std::string[numel].
struct Tensor {
  DType dtype = DType::Undefined;
  Shape shape;
  void* data = nullptr;
  std::shared_ptr<void> holder;

  int64_t numel() const { return shapeNumel(shape); }
  size_t bytes() const { return dtypeBytes(dtype, numel()); }
  int rank() const { return static_cast<int>(shape.size()); }
  bool defined() const { return dtype != DType::Undefined; }
  template <typename T>
  T* as() {
    return static_cast<T*>(data);
  }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data);
  }
  std::string describe() const;  // "float32[1,3,224,224]"
};

// Deleter of heap tensors from allocateHeapTensor; its type marks memory that may be handed to JS as is.
struct HeapFree {
  void operator()(void* p) const;
};
bool isHeapBacked(const Tensor& t);

// A tensor that owns fresh heap memory (64-byte aligned; strings default-constructed).
Tensor allocateHeapTensor(DType dtype, const Shape& shape);
// A deep copy into fresh heap memory.
Tensor copyTensor(const Tensor& src);

struct Value {
  enum class Kind : uint8_t { Empty, Tensor, Sequence };
  Kind kind = Kind::Empty;
  onnxfleet::Tensor tensor;
  std::vector<onnxfleet::Tensor> sequence;
  DType elemType = DType::Undefined;  // element type of a (possibly empty) sequence

  static Value of(onnxfleet::Tensor t) {
    Value v;
    v.kind = Kind::Tensor;
    v.tensor = std::move(t);
    return v;
  }
  static Value ofSequence(std::vector<onnxfleet::Tensor> items, DType elem) {
    Value v;
    v.kind = Kind::Sequence;
    v.sequence = std::move(items);
    v.elemType = elem;
    return v;
  }
  bool isTensor() const { return kind == Kind::Tensor; }
  bool isSequence() const { return kind == Kind::Sequence; }
  bool isEmpty() const { return kind == Kind::Empty; }
  std::string describe() const;
};

}  // namespace onnxfleet
