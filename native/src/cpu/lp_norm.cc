// LpNormalization: x / ||x||_p along one axis (p = 1 or 2); a zero norm gives 0.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class LpNormKernel : public Kernel {
 public:
  LpNormKernel(const NodeDesc& n, const CompileContext&) : axis_(n.getInt("axis", -1)), p_(n.getInt("p", 2)) {
    check(p_ == 1 || p_ == 2, "p must be 1 or 2, got " + std::to_string(p_));
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    check(r >= 1, "input must have rank >= 1");
    const int axis = normalizeAxis(axis_, r, "axis");
    const int64_t outer = dimProduct(x.shape, 0, axis), n = x.shape[axis],
                  inner = dimProduct(x.shape, axis + 1, r);
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    if (x.numel() == 0) return;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "LpNormalization", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / (n * inner)), [&](int64_t b, int64_t e) {
        std::vector<F> norm(inner);
        for (int64_t o = b; o < e; ++o) {
          const T* xo = xp + o * n * inner;
          T* yo = yp + o * n * inner;
          std::fill(norm.begin(), norm.end(), F(0));
          for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < inner; ++j) {
              const F v = Num<T>::load(xo[i * inner + j]);
              norm[j] += p_ == 1 ? std::abs(v) : v * v;
            }
          for (int64_t j = 0; j < inner; ++j) {
            const F nv = p_ == 1 ? norm[j] : std::sqrt(norm[j]);
            norm[j] = nv == F(0) ? F(0) : F(1) / nv;
          }
          for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < inner; ++j)
              yo[i * inner + j] = Num<T>::store(static_cast<F>(Num<T>::load(xo[i * inner + j])) * norm[j]);
        }
      });
    });
  }

 private:
  int64_t axis_, p_;
};

ONNX_CPU_KERNEL("LpNormalization", 1, LpNormKernel);
ONNX_CPU_KERNEL("LpNormalization", 22, LpNormKernel);

}  // namespace
}  // namespace onnxfleet
