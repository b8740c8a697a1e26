// Helpers shared by the sequence kernels: reading a sequence input and a position within it.
#pragma once
#include <string>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {

inline const Value& sequenceInput(const KernelContext& ctx, int i) {
  const Value& v = ctx.inputValue(i);
  check(v.isSequence(), "input " + std::to_string(i) + " must be a sequence, got " + v.describe());
  return v;
}

// A position from a one-element int32/int64 tensor, mapped from [-n, n + extra) to [0, n + extra).
// SequenceAt and SequenceErase accept [-n, n - 1] (extra 0); SequenceInsert accepts [-n, n] (extra 1).
inline int64_t readPosition(const Tensor& t, int64_t n, int64_t extra) {
  const int64_t p = readScalarInt(t, "position");
  check(p >= -n && p < n + extra, "position " + std::to_string(p) + " is out of range [" +
                                      std::to_string(-n) + ", " + std::to_string(n + extra - 1) +
                                      "] for a sequence of " + std::to_string(n) + " tensors");
  return p < 0 ? p + n : p;
}

}  // namespace onnxfleet
