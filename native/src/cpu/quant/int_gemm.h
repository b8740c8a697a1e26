// The 8-bit integer matrix product behind MatMulInteger, QLinearMatMul, ConvInteger and QLinearConv:
//   C[i, j] = sum_k (A[i, k] - za[i]) * (B[k, j] - zb[j])      (int32 accumulation, wrapping on overflow)
// A and B are row-major int8 or uint8 with leading dimensions; za is per row (or one value), zb per column
// (or one value). On CPUs with VNNI, large products run on oneDNN's u8/s8 x s8 -> s32 matmul and the
// zero points are applied afterwards from row and column sums; otherwise (and for small products) plain
// int32-accumulating loops.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/kernel.h"
#include "cpu/reference/matmul_ref.h"

namespace onnxfleet {

struct Int8Matrix {
  const void* data = nullptr;
  bool isSigned = false;  // int8, else uint8
  int64_t ld = 0;         // elements between consecutive rows
};

struct IntGemmArgs {
  int64_t m = 0, n = 0, k = 0;
  Int8Matrix a, b;
  const int32_t* za = nullptr;  // za[i * zaStep]; null means 0
  int64_t zaStep = 0;
  const int32_t* zb = nullptr;  // zb[j * zbStep]; null means 0
  int64_t zbStep = 0;
  int32_t* c = nullptr;
  int64_t ldc = 0;
  bool bConstant = false;  // B is the same constant every run: convert and pack it once (per IntGemm)
};

// Plain loops (any size, any machine).
void intGemmLoops(const IntGemmArgs& g, int threads);

// Owns the oneDNN primitives a kernel has used (cached by shape), so construct one per kernel.
class IntGemm {
 public:
  IntGemm();
  ~IntGemm();
  void run(KernelContext& ctx, const IntGemmArgs& g);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// How a per-row (of A) or per-column (of B) parameter of a batched matmul (zero point, scale) is laid out:
// one value; one per row/column shared by every batch matrix; or one per row/column of each of the
// operand's own batch matrices ([..., M, 1] for A, [..., 1, N] for B).
struct MatParam {
  enum class Mode { Single, PerLine, PerBatchLine } mode = Mode::Single;
  int64_t lines = 1;  // M for A, N for B
  // Index of line `l` of the operand's batch matrix `batch`.
  int64_t index(int64_t batch, int64_t l) const {
    return mode == Mode::Single ? 0 : mode == Mode::PerLine ? l : batch * lines + l;
  }
  int64_t step() const { return mode == Mode::Single ? 0 : 1; }
  int64_t offset(int64_t batch) const { return mode == Mode::PerBatchLine ? batch * lines : 0; }
};
// Validates `p`'s element count against the operand (lines = M or N, batches = the operand's own batch
// matrix count); throws naming `what`.
MatParam resolveMatParam(const Shape& p, int64_t lines, int64_t batches, const char* what);

// Y[batch] = (A - za) x (B - zb) over MatMul's broadcast batches (za/zb may be null: zero). A's and B's
// dtypes must be int8/uint8; y holds g.out's elements.
void batchedIntMatMul(IntGemm& gemm, KernelContext& ctx, const MatMulGeometry& g, const Tensor& a,
                      const Tensor& b, const int32_t* za, const MatParam& zaP, const int32_t* zb,
                      const MatParam& zbP, int32_t* y, bool bConstant = false);

// True when `t` is Int8 or UInt8.
inline bool isInt8Type(DType t) { return t == DType::Int8 || t == DType::UInt8; }

}  // namespace onnxfleet
