// InstanceNormalization: each (n, c) plane of X [N, C, D1..Dn] is standardized over its spatial elements and
// scaled/shifted by scale[c], B[c]. Planes run in parallel; statistics in float (double for double).
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class InstanceNormKernel : public Kernel {
 public:
  InstanceNormKernel(const NodeDesc& n, const CompileContext&) : eps_(n.getFloat("epsilon", 1e-5f)) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 2, "input must have rank >= 2");
    const int64_t C = x.shape[1], planes = x.shape[0] * C, S = dimProduct(x.shape, 2, x.rank());
    check(ctx.input(1).numel() == C && ctx.input(2).numel() == C, "scale and B must have C elements");
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "InstanceNormalization", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      const std::vector<F> scale = loadFloats<F>(ctx.input(1), "scale"),
                           bias = loadFloats<F>(ctx.input(2), "B");
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      parallelFor(ctx.threads(), planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(S, 1)),
                  [&](int64_t b, int64_t e) {
                    for (int64_t p = b; p < e; ++p) {
                      F mean, var;
                      meanVar(xp + p * S, S, mean, var);
                      const F a = scale[p % C] / std::sqrt(var + static_cast<F>(eps_)),
                              sh = bias[p % C] - mean * a;
                      const T* xr = xp + p * S;
                      T* yr = yp + p * S;
                      for (int64_t i = 0; i < S; ++i)
                        yr[i] = Num<T>::store(static_cast<F>(Num<T>::load(xr[i])) * a + sh);
                    }
                  });
    });
  }

 private:
  float eps_;
};

// 1: legacy consumed_inputs; 6 and 22: type changes only.
ONNX_CPU_KERNEL("InstanceNormalization", 1, InstanceNormKernel);
ONNX_CPU_KERNEL("InstanceNormalization", 6, InstanceNormKernel);
ONNX_CPU_KERNEL("InstanceNormalization", 22, InstanceNormKernel);

}  // namespace
}  // namespace onnxfleet
