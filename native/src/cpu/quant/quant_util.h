// Shared pieces of the quantization kernels: how a scale/zero-point tensor maps onto the elements of x
// (per-tensor, per-axis or blocked), and readers that turn small parameter tensors into float/int vectors.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/kernel.h"

namespace onnxfleet {

// x viewed as [outer, dim, inner] around the quantization axis. Element (o, d, i) uses scale index
//   per-tensor: 0;  per-axis: d;  blocked: (o * scaleDim + d / block) * inner + i.
struct QuantLayout {
  enum class Kind { PerTensor, PerAxis, Blocked };
  Kind kind = Kind::PerTensor;
  int64_t outer = 1, dim = 1, inner = 1;
  int64_t block = 1, scaleDim = 1;
  int64_t numel() const { return outer * dim * inner; }
};

// Resolves the granularity from the shapes (a single-element scale is per-tensor whatever its rank, as the
// ONNX reference does). Throws naming `what` (e.g. "y_scale") when the scale does not fit x.
QuantLayout resolveQuantLayout(const Shape& x, const Shape& scale, int64_t axis, int64_t blockSize,
                               const char* what);

// The scale index of every element in [begin, begin + count) of row (o, d), written as (first, step):
// index of element i of the run = first + i * step.
inline void scaleRun(const QuantLayout& l, int64_t o, int64_t d, int64_t i0, int64_t& first, int64_t& step) {
  switch (l.kind) {
    case QuantLayout::Kind::PerTensor:
      first = 0, step = 0;
      return;
    case QuantLayout::Kind::PerAxis:
      first = d, step = 0;
      return;
    case QuantLayout::Kind::Blocked:
      first = (o * l.scaleDim + d / l.block) * l.inner + i0, step = 1;
      return;
  }
  first = 0, step = 0;
}

// The zero point must have the scale's shape (a single element may be spelled [] or [1]).
void checkZeroPointShape(const Tensor& zp, const Tensor& scale, const char* zpName, const char* scaleName);

// Float values of a parameter tensor: float, double, float16, bfloat16, the 8/16/32-bit integers, and the
// low-bit types of util/lowbit.h.
std::vector<float> readFloats(const Tensor& t, const char* what);
// Integer values of an integer parameter tensor (8/16/32-bit, and the packed 4/2-bit types).
std::vector<int32_t> readQuantInts(const Tensor& t, const char* what);

// Rounds a float to float16 / bfloat16 precision (stays a float).
float roundToHalf(float v);
float roundToBf16(float v);

// Rounds q half to even (the default floating-point rounding mode), adds the zero point and saturates to
// [lo, hi]; NaN gives lo.
inline int32_t roundClamp(double q, int32_t zp, int32_t lo, int32_t hi) {
  const double v = std::nearbyint(q) + zp;
  if (!(v >= lo)) return lo;
  if (v > hi) return hi;
  return static_cast<int32_t>(v);
}

// Output types QuantizeLinear can produce.
bool isQuantizedType(DType t);

}  // namespace onnxfleet
