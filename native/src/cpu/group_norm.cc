// GroupNormalization: the channels of X [N, C, D1..Dn] are split into num_groups groups; each (n, group) is
// standardized over its channels and spatial elements, then scaled/shifted per channel (opset 21: scale and
// bias have C elements) or per group (opset 18: num_groups elements; also accepted by size at 21).
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class GroupNormKernel : public Kernel {
 public:
  GroupNormKernel(const NodeDesc& n, const CompileContext&)
      : eps_(n.getFloat("epsilon", 1e-5f)), groups_(n.required("num_groups").i) {
    check(groups_ > 0, "num_groups must be positive");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 2, "input must have rank >= 2");
    const int64_t N = x.shape[0], C = x.shape[1], S = dimProduct(x.shape, 2, x.rank());
    check(C % groups_ == 0,
          "num_groups " + std::to_string(groups_) + " does not divide C = " + std::to_string(C));
    const int64_t cpg = C / groups_, n1 = ctx.input(1).numel();
    check(n1 == ctx.input(2).numel() && (n1 == C || n1 == groups_),
          "scale and bias must have C (or num_groups) elements");
    const bool perGroup = n1 != C;
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "GroupNormalization", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      const std::vector<F> scale = loadFloats<F>(ctx.input(1), "scale"),
                           bias = loadFloats<F>(ctx.input(2), "bias");
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      const int64_t len = cpg * S;
      parallelFor(ctx.threads(), N * groups_, std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1)),
                  [&](int64_t b, int64_t e) {
                    for (int64_t ng = b; ng < e; ++ng) {
                      const int64_t g = ng % groups_;
                      F mean, var;
                      meanVar(xp + ng * len, len, mean, var);
                      const F inv = F(1) / std::sqrt(var + static_cast<F>(eps_));
                      for (int64_t k = 0; k < cpg; ++k) {
                        const int64_t c = g * cpg + k, pi = perGroup ? g : c;
                        const F a = scale[pi] * inv, sh = bias[pi] - mean * a;
                        const T* xr = xp + ng * len + k * S;
                        T* yr = yp + ng * len + k * S;
                        for (int64_t i = 0; i < S; ++i)
                          yr[i] = Num<T>::store(static_cast<F>(Num<T>::load(xr[i])) * a + sh);
                      }
                    }
                  });
    });
  }

 private:
  float eps_;
  int64_t groups_;
};

ONNX_CPU_KERNEL("GroupNormalization", 18, GroupNormKernel);
ONNX_CPU_KERNEL("GroupNormalization", 21, GroupNormKernel);

}  // namespace
}  // namespace onnxfleet
