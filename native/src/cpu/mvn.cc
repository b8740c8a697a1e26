// MeanVarianceNormalization: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9) with the expectations taken over
// `axes` (default [0, 2, 3]), as in the ONNX function definition. Uses the generic reduction plan twice:
// once to gather the statistics per kept position, once to walk the same elements and normalize them.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

template <typename F>
struct Stat {
  F mean, scale;  // y = (x - mean) * scale
};

template <typename F>
struct MomentsOp {
  struct Acc {
    F s, ss;
  };
  Acc init() const { return {F(0), F(0)}; }
  void step(Acc& a, F v) const { a.s += v, a.ss += v * v; }
  void merge(Acc& a, const Acc& b) const { a.s += b.s, a.ss += b.ss; }
  Stat<F> finish(const Acc& a, int64_t n) const {
    const F m = a.s / F(n), var = std::max(F(0), a.ss / F(n) - m * m);
    return {m, F(1) / (std::sqrt(var) + F(1e-9))};
  }
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
      std::vector<Stat<F>> st(p.outputs);
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      runReduce(p, xp, st.data(), ctx.threads(), MomentsOp<F>{});
      const int64_t rows = static_cast<int64_t>(p.base.size());
      parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 16384 / (p.count * (p.innerReduced ? 1 : p.inner))),
                  [&](int64_t b, int64_t e) {
                    for (int64_t o = b; o < e; ++o)
                      for (int64_t off : p.roff) {
                        const int64_t at = p.base[o] + off;
                        for (int64_t j = 0; j < p.inner; ++j) {
                          const Stat<F>& s = st[p.innerReduced ? o : o * p.inner + j];
                          yp[at + j] = Num<T>::store((static_cast<F>(Num<T>::load(xp[at + j])) - s.mean) * s.scale);
                        }
                      }
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
