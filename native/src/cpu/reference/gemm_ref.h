// Gemm attributes and geometry (transposes, C broadcast) and the plain-loop reference kernel.
// Shared by the reference provider and the oneDNN kernel, which falls back to gemmRef for other dtypes.
#pragma once
#include "core/kernel.h"

namespace onnxfleet {

struct GemmAttrs {
  float alpha = 1.f, beta = 1.f;
  bool transA = false, transB = false;
  bool exactC = false;    // opset < 7 with broadcast=0: C must be exactly (M, N)
  bool requireC = false;  // opset < 11: C is a required input
  explicit GemmAttrs(const NodeDesc& node);
};

struct GemmGeometry {
  int64_t m = 0, k = 0, n = 0;
  bool hasC = false;
  int64_t cRows = 1, cCols = 1;  // C viewed as (cRows, cCols), each 1 (broadcast) or M / N
};

// Validates ranks, K and C's broadcastability; throws a clear Error naming the shapes otherwise.
GemmGeometry resolveGemm(const GemmAttrs& a, const Shape& sa, const Shape& sb, const Shape* sc);

// Y = alpha * A' x B' + beta * C for float, double, float16, bfloat16 and 32/64-bit integers.
void gemmRef(const GemmAttrs& attrs, const GemmGeometry& g, const Tensor& a, const Tensor& b, const Tensor* c,
             Tensor& y, int threads);

}  // namespace onnxfleet
