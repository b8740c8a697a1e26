// The layer normalizations onnxruntime's optimizer writes:
//   LayerNormalization (com.microsoft, and the default domain below opset 17): as ONNX LayerNormalization-17
//   SimplifiedLayerNormalization (both domains): RMS norm, Y = X / sqrt(mean(X^2) + eps) * scale
//   SkipLayerNormalization / SkipSimplifiedLayerNormalization (com.microsoft): the same over the last dim of
//     S = input + skip (+ bias), with S optionally returned as input_skip_bias_sum
// Statistics in float (double for double input); the optional mean / inverse-std outputs are float.
#include <algorithm>
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class NormKernel : public Kernel {
 public:
  NormKernel(const NodeDesc& n, const CompileContext&)
      : simplified_(n.opType.find("Simplified") != std::string::npos),
        skip_(n.opType.rfind("Skip", 0) == 0),
        axis_(n.getInt("axis", -1)),
        eps_(n.getFloat("epsilon", skip_ ? 1e-12f : 1e-5f)),
        name_(n.opType) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    check(r >= 1, "input must have rank >= 1");
    const int axis = skip_ ? r - 1 : normalizeAxis(axis_, r, "axis");
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis, r);
    // Input slots: plain (X, scale, B); skip (input, skip, gamma, beta, bias); skip-simplified (.., gamma,
    // bias).
    const Tensor* skip = skip_ ? &ctx.input(1) : nullptr;
    const Tensor& scale = ctx.input(skip_ ? 2 : 1);
    const int biasSlot = skip_ ? (simplified_ ? -1 : 3) : (simplified_ ? -1 : 2);
    const Tensor* shift = biasSlot >= 0 && ctx.hasInput(biasSlot) ? &ctx.input(biasSlot) : nullptr;
    const int addSlot = skip_ ? (simplified_ ? 3 : 4) : -1;
    const Tensor* add = addSlot >= 0 && ctx.hasInput(addSlot) ? &ctx.input(addSlot) : nullptr;
    if (skip) {
      // skip is input-shaped or a trailing part of it ((1, seq, hidden), (seq, hidden)) repeated over the
      // rest.
      Shape tail = skip->shape;
      while (!tail.empty() && tail.size() > 1 && tail[0] == 1) tail.erase(tail.begin());
      const bool fits = skip->dtype == x.dtype && !tail.empty() && static_cast<int>(tail.size()) <= r &&
                        std::equal(tail.begin(), tail.end(), x.shape.end() - tail.size());
      check(fits, "skip " + skip->describe() + " does not match input " + x.describe());
    }
    if (add) check(add->numel() == inner, "bias must have " + std::to_string(inner) + " values");
    Shape statShape(x.shape.begin(), x.shape.begin() + axis);
    statShape.resize(r, 1);
    // Output slots: plain (Y, Mean, InvStdDev), simplified (Y, InvStdDev), skip (out, mean, inv, sum).
    const int meanSlot = skip_ ? 1 : (simplified_ ? -1 : 1), invSlot = skip_ ? 2 : (simplified_ ? 1 : 2);
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    Tensor* meanOut = meanSlot >= 0 && ctx.wantsOutput(meanSlot)
                          ? &ctx.allocOutput(meanSlot, DType::Float, statShape)
                          : nullptr;
    Tensor* invOut = ctx.wantsOutput(invSlot) ? &ctx.allocOutput(invSlot, DType::Float, statShape) : nullptr;
    Tensor* sumOut = skip_ && ctx.wantsOutput(3) ? &ctx.allocOutput(3, x.dtype, x.shape) : nullptr;
    if (x.numel() == 0) return;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, name_.c_str(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      const Shape normShape(x.shape.begin() + axis, x.shape.end());
      auto vec = [&](const Tensor* t, const char* what) {
        if (!t) return std::vector<F>();
        Tensor view = *t;
        while (view.rank() > static_cast<int>(normShape.size()) && view.shape[0] == 1)
          view.shape.erase(view.shape.begin());
        return expandFloats<F>(view, normShape, what);
      };
      const std::vector<F> g = vec(&scale, "scale"), b = vec(shift, "bias"), a = vec(add, "skip bias");
      const T* xp = x.as<T>();
      const T* sp = skip ? skip->as<T>() : nullptr;
      const int64_t skipRows = skip ? skip->numel() / inner : 1;
      T* yp = y.as<T>();
      parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / inner), [&](int64_t b0, int64_t e0) {
        std::vector<F> row(inner);
        for (int64_t o = b0; o < e0; ++o) {
          const T* xr = xp + o * inner;
          for (int64_t i = 0; i < inner; ++i) row[i] = static_cast<F>(Num<T>::load(xr[i]));
          if (sp) {
            const T* sr = sp + (o % skipRows) * inner;
            for (int64_t i = 0; i < inner; ++i) row[i] += static_cast<F>(Num<T>::load(sr[i]));
          }
          if (!a.empty())
            for (int64_t i = 0; i < inner; ++i) row[i] += a[i];
          if (sumOut) {
            T* so = sumOut->as<T>() + o * inner;
            for (int64_t i = 0; i < inner; ++i)
              so[i] = Num<T>::store(static_cast<typename Num<T>::C>(row[i]));
          }
          F mean = 0, var = 0;
          if (simplified_) {
            for (int64_t i = 0; i < inner; ++i) var += row[i] * row[i];
            var /= static_cast<F>(inner);
          } else {
            meanVar(row.data(), inner, mean, var);
          }
          const F inv = F(1) / std::sqrt(var + static_cast<F>(eps_));
          if (meanOut) meanOut->as<float>()[o] = static_cast<float>(mean);
          if (invOut) invOut->as<float>()[o] = static_cast<float>(inv);
          T* yr = yp + o * inner;
          for (int64_t i = 0; i < inner; ++i) {
            F v = (row[i] - mean) * inv * g[i];
            if (!b.empty()) v += b[i];
            yr[i] = Num<T>::store(static_cast<typename Num<T>::C>(v));
          }
        }
      });
    });
  }

 private:
  bool simplified_, skip_;
  int64_t axis_;
  float eps_;
  std::string name_;
};

ONNXFLEET_KERNEL("com.microsoft", "LayerNormalization", 1, "cpu", NormKernel);
ONNXFLEET_KERNEL("com.microsoft", "SimplifiedLayerNormalization", 1, "cpu", NormKernel);
ONNXFLEET_KERNEL("com.microsoft", "SkipLayerNormalization", 1, "cpu", NormKernel);
ONNXFLEET_KERNEL("com.microsoft", "SkipSimplifiedLayerNormalization", 1, "cpu", NormKernel);
// onnxruntime registers its fused LayerNormalization and SimplifiedLayerNormalization in the default domain
// from version 1, so optimized models below opset 17 use them there (opset 17 resolves to layer_norm.cc).
ONNX_CPU_KERNEL("LayerNormalization", 1, NormKernel);
ONNX_CPU_KERNEL("SimplifiedLayerNormalization", 1, NormKernel);

}  // namespace
}  // namespace onnxfleet
