// MatMul geometry (numpy-style batch broadcasting, 1-D operands) and the plain-loop reference kernel.
// Shared by the reference provider and the oneDNN kernel, which falls back to matmulRef for other dtypes.
#pragma once
#include "core/kernel.h"

namespace onnxfleet {

struct MatMulGeometry {
  Shape batch;           // broadcast batch dims of the result
  Shape aBatch, bBatch;  // each operand's batch dims, left-padded with 1s to batch.size()
  int64_t m = 1, k = 1, n = 1;
  Shape out;  // result shape (1-D operands drop their dim)
  int64_t batchCount() const { return shapeNumel(batch); }
  // Element offsets of A's and B's matrices for flat batch index i (broadcast dims repeat).
  void offsets(int64_t i, int64_t& aOff, int64_t& bOff) const;
};

// Validates ranks, K and batch broadcasting; throws a clear Error naming both shapes otherwise.
MatMulGeometry resolveMatMul(const Shape& a, const Shape& b);

// Y = A x B for every numeric type (floating types accumulate in double, integers in their own type).
void matmulRef(const MatMulGeometry& g, const Tensor& a, const Tensor& b, Tensor& y, int threads);

}  // namespace onnxfleet
