// MeanVarianceNormalization: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9) with the expectations taken over
// `axes` (default [0, 2, 3]), as in the ONNX function definition but with a two-pass variance. The generic
// reduction plan gives the means; walking the same plan then gathers the variances and normalizes.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

template <typename F>
struct SumOp {
  using Acc = F;
  F init() const { return F(0); }
  void step(F& a, F v) const { a += v; }
  void merge(F& a, const F& b) const { a += b; }
  F finish(F a, int64_t n) const { return a / F(n); }
};

class MvnKernel : public Kernel {
 public:
  MvnKernel(const NodeDesc& n, const CompileContext&) : axes_(n.getInts("axes", {0, 2, 3})) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    std::vector<bool> red(r, false);
    for (int64_t a : axes_) red[normalizeAxis(a, r, "axis")] = true;
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    const ReducePlan p = makeReducePlan(x.shape, red);
    if (p.outputs == 0 || p.count == 0) return;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "MeanVarianceNormalization", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      std::vector<F> mean(p.outputs), scale(p.outputs, F(0));
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      runReduce(p, xp, mean.data(), ctx.threads(), SumOp<F>{});
      // Visits every element of plan row o with its statistic index; rows own disjoint statistics.
      auto walk = [&](auto&& fn) {
        const int64_t rows = static_cast<int64_t>(p.base.size());
        parallelFor(ctx.threads(), rows,
                    std::max<int64_t>(1, 16384 / (p.count * (p.innerReduced ? 1 : p.inner))),
                    [&](int64_t b, int64_t e) {
                      for (int64_t o = b; o < e; ++o)
                        for (int64_t off : p.roff)
                          for (int64_t j = 0, at = p.base[o] + off; j < p.inner; ++j)
                            fn(at + j, p.innerReduced ? o : o * p.inner + j);
                    });
      };
      walk([&](int64_t at, int64_t s) {
        const F d = static_cast<F>(Num<T>::load(xp[at])) - mean[s];
        scale[s] += d * d;
      });
      for (auto& v : scale) v = F(1) / (std::sqrt(v / F(p.count)) + F(1e-9));
      walk([&](int64_t at, int64_t s) {
        yp[at] = Num<T>::store((static_cast<F>(Num<T>::load(xp[at])) - mean[s]) * scale[s]);
      });
    });
  }

 private:
  std::vector<int64_t> axes_;
};

ONNX_CPU_KERNEL("MeanVarianceNormalization", 9, MvnKernel);
ONNX_CPU_KERNEL("MeanVarianceNormalization", 13, MvnKernel);

}  // namespace
}  // namespace onnxfleet
