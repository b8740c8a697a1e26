// com.microsoft Gelu family (as onnxruntime's transformer optimizer writes them):
//   Gelu(X)             = x * Phi(x) with the exact erf
//   BiasGelu(A, B)      = Gelu(A + B), B a 1-D bias over the last dim
//   FastGelu(X[, bias]) = the tanh approximation of Gelu(X + bias)
//   QuickGelu(X)        = x * sigmoid(alpha * x), alpha default 1.702
// float uses the vectorizable fastmath functions; 16-bit floats compute in float.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/elementwise.h"
#include "cpu/util/fast_math.h"

namespace onnxfleet {
namespace {

constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;

template <typename V>
V geluErf(V x) {
  if constexpr (std::is_same_v<V, float>)
    return 0.5f * x * (1.f + fastmath::erf(x * static_cast<float>(kSqrtHalf)));
  else
    return V(0.5) * x * (V(1) + std::erf(x * static_cast<V>(kSqrtHalf)));
}

template <typename V>
V geluTanh(V x) {
  const V inner = static_cast<V>(kSqrt2OverPi) * (x + static_cast<V>(0.044715) * x * x * x);
  if constexpr (std::is_same_v<V, float>)
    return 0.5f * x * (1.f + fastmath::tanh(inner));
  else
    return V(0.5) * x * (V(1) + std::tanh(inner));
}

// Gelu / QuickGelu: one input.
class UnaryGeluKernel : public Kernel {
 public:
  UnaryGeluKernel(const NodeDesc& n, const CompileContext&)
      : quick_(n.opType == "QuickGelu"), alpha_(n.getFloat("alpha", 1.702f)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, quick_ ? "QuickGelu" : "Gelu", [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (quick_) {
        const float a = alpha_;
        unaryMap(x.as<T>(), y.as<T>(), x.numel(), ctx.threads(), [a](auto v) {
          using V = decltype(v);
          if constexpr (std::is_same_v<V, float>)
            return v * fastmath::sigmoid(a * v);
          else
            return v / (V(1) + std::exp(-static_cast<V>(a) * v));
        });
      } else {
        unaryMap(x.as<T>(), y.as<T>(), x.numel(), ctx.threads(), [](auto v) { return geluErf(v); });
      }
    });
  }

 private:
  bool quick_;
  float alpha_;
};

// BiasGelu / FastGelu: the input plus an optional bias over the last dim.
class BiasGeluKernel : public Kernel {
 public:
  BiasGeluKernel(const NodeDesc& n, const CompileContext&) : fast_(n.opType == "FastGelu"), name_(n.opType) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    const bool hasBias = ctx.hasInput(1);
    if (!hasBias) {
      check(fast_, "BiasGelu needs its bias input B");
      dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, name_.c_str(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        unaryMap(x.as<T>(), y.as<T>(), x.numel(), ctx.threads(), [](auto v) { return geluTanh(v); });
      });
      return;
    }
    const Tensor& b = ctx.input(1);
    check(b.dtype == x.dtype, "bias must have the input's element type");
    check(x.rank() >= 1 && b.rank() == 1 && b.shape[0] == x.shape.back(),
          "bias must be 1-D with the input's last dim " + std::to_string(x.rank() ? x.shape.back() : 0) +
              ", got " + shapeToString(b.shape));
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, name_.c_str(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (fast_)
        binaryBroadcastSame<T>(x, b, y, ctx.threads(), [](auto v, auto c) { return geluTanh(v + c); });
      else
        binaryBroadcastSame<T>(x, b, y, ctx.threads(), [](auto v, auto c) { return geluErf(v + c); });
    });
  }

 private:
  bool fast_;
  std::string name_;
};

ONNXFLEET_KERNEL("com.microsoft", "Gelu", 1, "cpu", UnaryGeluKernel);
ONNXFLEET_KERNEL("com.microsoft", "QuickGelu", 1, "cpu", UnaryGeluKernel);
ONNXFLEET_KERNEL("com.microsoft", "BiasGelu", 1, "cpu", BiasGeluKernel);
ONNXFLEET_KERNEL("com.microsoft", "FastGelu", 1, "cpu", BiasGeluKernel);

}  // namespace
}  // namespace onnxfleet
