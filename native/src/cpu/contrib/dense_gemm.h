// Float32 batched matrix products through oneDNN for the com.microsoft kernels (FusedMatMul, MatMulNBits,
// Attention's input projection): C[batch..., M, N] = alpha * A[batch..., M, K] x B[batch..., K, N], where A
// and B are strided views (transposes and broadcast batch dims cost no copy) and C is dense. Primitives are
// cached per shape/stride signature; views oneDNN declines run through plain loops.
#pragma once
#include <vector>

#include "cpu/onednn/engine.h"

namespace onnxfleet {
namespace contrib {

struct MatView {
  onednn::dims dims, strides;  // same rank for A, B and C (batch dims padded with 1s)
  const float* data = nullptr;
};

class StridedMatMul {
 public:
  // c has dims cDims (dense row-major); a.dims / b.dims batch entries are 1 or equal to cDims'.
  void run(KernelContext& ctx, const MatView& a, const MatView& b, const onednn::dims& cDims, float* c,
           float alpha);

 private:
  struct Plan {
    dnnl::matmul prim;
    dnnl::memory::desc a, b, c, scratch;
    bool ok = false;
  };
  onednn::PlanCache<Plan> plans_;
};

// Dense row-major strides of `d`.
onednn::dims denseStrides(const onednn::dims& d);

}  // namespace contrib
}  // namespace onnxfleet
