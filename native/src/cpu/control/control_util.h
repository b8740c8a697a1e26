// Helpers shared by the control-flow kernels (If, Loop, Scan, SequenceMap): graph attributes, one-element
// conditions, taking the sub-tensor at one index of an axis, and stacking per-iteration tensors along a new
// axis.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/executor.h"
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {

// The compiled subgraph of a graph attribute; throws naming the attribute when it is missing or not a graph.
inline std::shared_ptr<Graph> graphAttr(const NodeDesc& n, const std::string& name) {
  const Attr& a = n.required(name);
  check(a.type == Attr::Type::Graph && a.g != nullptr, "attribute '" + name + "' must be a graph");
  return a.g;
}

// Reads a one-element bool tensor (a scalar or any shape with one element).
inline bool readCondition(const Value& v, const char* what) {
  if (!v.isTensor() || v.tensor.dtype != DType::Bool || v.tensor.numel() != 1)
    throw Error(std::string(what) + " must be a one-element bool tensor, got " + v.describe());
  return v.tensor.as<uint8_t>()[0] != 0;
}

// The sub-tensor of t at index i of `axis` (rank one less). Axis 0 aliases t's memory; other axes copy into
// arena scratch memory. The caller has checked 0 <= axis < rank and 0 <= i < shape[axis].
inline Tensor sliceAt(KernelContext& ctx, const Tensor& t, int64_t axis, int64_t i) {
  if (t.dtype != DType::String && dtypeBits(t.dtype) < 8)
    throw Error(std::string("cannot slice element type ") + dtypeName(t.dtype));
  Shape s = t.shape;
  s.erase(s.begin() + axis);
  const int64_t outer = dimProduct(t.shape, 0, axis), dim = t.shape[axis];
  const int64_t inner = dimProduct(t.shape, axis + 1, t.shape.size());
  if (outer == 1) {
    Tensor v = t;
    v.shape = std::move(s);
    v.data = static_cast<char*>(t.data) + dtypeBytes(t.dtype, i * inner);
    return v;
  }
  Tensor out = ctx.scratch(t.dtype, s);
  dispatchStorage(t.dtype, "slice", [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* src = t.as<S>() + i * inner;
    S* dst = out.as<S>();
    for (int64_t o = 0; o < outer; ++o) copyN(dst + o * inner, src + o * dim * inner, inner);
  });
  return out;
}

// Checks every item is a tensor with item[0]'s dtype and shape (items must be non-empty).
inline void checkSameItems(const std::vector<Tensor>& items, const std::string& what) {
  for (size_t t = 1; t < items.size(); ++t)
    if (items[t].dtype != items[0].dtype || items[t].shape != items[0].shape)
      throw Error(what + " changes from " + items[0].describe() + " to " + items[t].describe() +
                  " at index " + std::to_string(t));
}

// Writes `items` (one dtype, each of shape itemShape) into dst, laid out as itemShape with a new axis of size
// `slots` inserted at `axis`. Slot t holds item t, or item slots-1-t when `reverse`; slots without an item
// are filled with zeros.
inline void stackItems(DType dt, void* dst, const Shape& itemShape, const std::vector<Tensor>& items,
                       int64_t slots, int64_t axis, bool reverse, int threads) {
  const int64_t outer = dimProduct(itemShape, 0, axis);
  const int64_t inner = dimProduct(itemShape, axis, itemShape.size());
  const int64_t n = static_cast<int64_t>(items.size());
  if (outer * slots * inner == 0) return;
  dispatchStorage(dt, "stack", [&](auto tag) {
    using S = typename decltype(tag)::type;
    S* out = static_cast<S*>(dst);
    parallelFor(threads, outer * slots, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t o = r / slots, t = r % slots;
        const int64_t src = reverse ? slots - 1 - t : t;
        S* d = out + r * inner;
        if (src < n)
          copyN(d, items[src].as<S>() + o * inner, inner);
        else
          std::fill(d, d + inner, S{});
      }
    });
  });
}

}  // namespace onnxfleet
