// RMSNormalization (opset 23): each row X[i, axis:] is divided by sqrt(mean(x^2) + epsilon) and multiplied
// by Scale (unidirectionally broadcast to X). Y has Scale's element type. Statistics are computed in float
// (double for double input), as stash_type = 1 asks.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class RmsNormKernel : public Kernel {
 public:
  RmsNormKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.getInt("axis", -1)), eps_(n.getFloat("epsilon", 1e-5f)), stash_(n.getInt("stash_type", 1)) {
    check(stash_ == 1, "unsupported stash_type " + std::to_string(stash_) + " (only 1, float32)");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const int r = x.rank();
    check(r >= 1, "X must have rank >= 1");
    const int axis = normalizeAxis(axis_, r, "axis");
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis, r);
    check(scale.rank() <= r, "Scale " + shapeToString(scale.shape) + " has a higher rank than X");
    // Scale as a dense vector over the normalized dims, or over all of X when it varies along leading dims.
    const int lead = scale.rank() - (r - axis);
    bool perRow = false;
    for (int d = 0; d < lead; ++d) perRow = perRow || scale.shape[d] != 1;
    Tensor& y = ctx.allocOutput(0, scale.dtype, x.shape);
    if (x.numel() == 0) return;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "RMSNormalization X", [&](auto xtag) {
      using TX = typename decltype(xtag)::type;
      using F = FloatCompute<TX>;
      std::vector<F> s;
      if (perRow) {
        s = expandFloats<F>(scale, x.shape, "Scale");
      } else {
        Tensor view = scale;
        if (lead > 0) view.shape.erase(view.shape.begin(), view.shape.begin() + lead);
        s = expandFloats<F>(view, Shape(x.shape.begin() + axis, x.shape.end()), "Scale");
      }
      dispatchTypes<ONNXFLEET_FLOAT_TYPES>(scale.dtype, "RMSNormalization Scale", [&](auto ytag) {
        using TY = typename decltype(ytag)::type;
        const TX* xp = x.as<TX>();
        TY* yp = y.as<TY>();
        const F eps = static_cast<F>(eps_);
        parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
          for (int64_t o = b; o < e; ++o) {
            const TX* xr = xp + o * inner;
            TY* yr = yp + o * inner;
            constexpr int L = 16;
            F acc[L] = {};
            int64_t i = 0;
            for (; i + L <= inner; i += L)
              for (int j = 0; j < L; ++j) {
                const F v = static_cast<F>(Num<TX>::load(xr[i + j]));
                acc[j] += v * v;
              }
            for (; i < inner; ++i) {
              const F v = static_cast<F>(Num<TX>::load(xr[i]));
              acc[0] += v * v;
            }
            F sum = 0;
            for (int j = 0; j < L; ++j) sum += acc[j];
            const F inv = F(1) / std::sqrt(sum / static_cast<F>(inner) + eps);
            const F* sr = s.data() + (perRow ? o * inner : 0);
            for (i = 0; i < inner; ++i)
              yr[i] = Num<TY>::store(
                  static_cast<typename Num<TY>::C>(static_cast<F>(Num<TX>::load(xr[i])) * inv * sr[i]));
          }
        });
      });
    });
  }

 private:
  int64_t axis_;
  float eps_;
  int64_t stash_;
};

ONNX_CPU_KERNEL("RMSNormalization", 23, RmsNormKernel);

}  // namespace
}  // namespace onnxfleet
