// LayerNormalization (opset 17): each row X[i, axis:] is standardized, then scaled and shifted by Scale and
// B (unidirectionally broadcast to X). Optional outputs Mean and InvStdDev have shape d[0..axis) + 1s and the
// stash_type element type. Statistics are computed in float (double for double input).
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class LayerNormKernel : public Kernel {
 public:
  LayerNormKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.getInt("axis", -1)), eps_(n.getFloat("epsilon", 1e-5f)), stash_(n.getInt("stash_type", 1)) {
    check(stash_ == 1 || stash_ == 11 || stash_ == 16 || stash_ == 10,
          "unsupported stash_type " + std::to_string(stash_));
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    check(r >= 1, "input must have rank >= 1");
    const int axis = normalizeAxis(axis_, r, "axis");
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis, r);
    Shape statShape(x.shape.begin(), x.shape.begin() + axis);
    statShape.resize(r, 1);
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    const DType statType = static_cast<DType>(stash_);
    Tensor* meanOut = ctx.wantsOutput(1) ? &ctx.allocOutput(1, statType, statShape) : nullptr;
    Tensor* invOut = ctx.wantsOutput(2) ? &ctx.allocOutput(2, statType, statShape) : nullptr;
    if (x.numel() == 0) return;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "LayerNormalization", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      bool perRow = false;
      const std::vector<F> scale = params<F>(ctx.input(1), x.shape, axis, "Scale", perRow);
      bool biasPerRow = false;
      const std::vector<F> bias =
          ctx.hasInput(2) ? params<F>(ctx.input(2), x.shape, axis, "B", biasPerRow) : std::vector<F>();
      std::vector<F> means(outer), invs(outer);
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const T* xr = xp + o * inner;
          T* yr = yp + o * inner;
          F mean, var;
          meanVar(xr, inner, mean, var);
          const F inv = F(1) / std::sqrt(var + static_cast<F>(eps_));
          means[o] = mean, invs[o] = inv;
          const F* s = scale.data() + (perRow ? o * inner : 0);
          if (bias.empty()) {
            for (int64_t i = 0; i < inner; ++i)
              yr[i] = Num<T>::store((static_cast<F>(Num<T>::load(xr[i])) - mean) * inv * s[i]);
          } else {
            const F* bb = bias.data() + (biasPerRow ? o * inner : 0);
            for (int64_t i = 0; i < inner; ++i)
              yr[i] = Num<T>::store((static_cast<F>(Num<T>::load(xr[i])) - mean) * inv * s[i] + bb[i]);
          }
        }
      });
      writeStats(meanOut, means);
      writeStats(invOut, invs);
    });
  }

 private:
  template <typename F>
  static void writeStats(Tensor* out, const std::vector<F>& v) {
    if (!out) return;
    dispatchTypes<float, double, BFloat16, Half>(out->dtype, "stash_type", [&](auto st) {
      using S = typename decltype(st)::type;
      S* o = out->as<S>();
      for (size_t i = 0; i < v.size(); ++i) o[i] = Num<S>::store(static_cast<typename Num<S>::C>(v[i]));
    });
  }

  // Scale/B as a dense vector: over the normalized dims when they do not vary along the leading dims
  // (the usual case), else over the whole of X (perRow).
  template <typename F>
  static std::vector<F> params(const Tensor& t, const Shape& xs, int axis, const char* what, bool& perRow) {
    const int r = static_cast<int>(xs.size()), lead = t.rank() - (r - axis);
    bool innerOnly = true;
    for (int d = 0; d < lead; ++d) innerOnly = innerOnly && t.shape[d] == 1;
    perRow = !innerOnly;
    if (perRow) return expandFloats<F>(t, xs, what);
    Tensor view = t;  // drop the leading 1s so the tensor aligns with the normalized dims
    if (lead > 0) view.shape.erase(view.shape.begin(), view.shape.begin() + lead);
    return expandFloats<F>(view, Shape(xs.begin() + axis, xs.end()), what);
  }

  int64_t axis_;
  float eps_;
  int64_t stash_;
};

ONNX_CPU_KERNEL("LayerNormalization", 17, LayerNormKernel);

}  // namespace
}  // namespace onnxfleet
