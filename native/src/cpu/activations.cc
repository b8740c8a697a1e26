// Activation functions: Relu, LeakyRelu, Elu, Selu, Celu, ThresholdedRelu, Sigmoid, Swish, HardSigmoid,
// HardSwish, Tanh, Softplus, Softsign, Mish, Gelu. Attributes are read once in the op constructors;
// float16/bfloat16 compute in float; Sigmoid/Tanh/Gelu use the vectorizable fastmath functions for float.
// GCC keeps FP work that sits behind a condition out of vectorized loops unless FP exceptions may be
// ignored; nothing here reads them, so let the fastmath loops vectorize (must precede every include).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include <cmath>
#include <type_traits>

#include "cpu/util/elementwise.h"
#include "cpu/util/fast_math.h"

namespace onnxfleet {
namespace {

template <typename F>
inline F expOf(F x) {
  if constexpr (std::is_same_v<F, float>) return fastmath::exp(x);
  return std::exp(x);
}
template <typename F>
inline F tanhOf(F x) {
  if constexpr (std::is_same_v<F, float>) return fastmath::tanh(x);
  return std::tanh(x);
}
template <typename F>
inline F erfOf(F x) {
  if constexpr (std::is_same_v<F, float>) return fastmath::erf(x);
  return std::erf(x);
}
template <typename F>
inline F softplusOf(F x) {  // log(1 + e^x) without overflow
  return x > F(20) ? x : std::log1p(std::exp(x));
}

struct ReluOp {
  explicit ReluOp(const NodeDesc&) {}
  template <typename T>
  T operator()(T x) const {  // integers
    return x > T(0) ? x : T(0);
  }
  float operator()(float x) const { return x < 0.0f ? 0.0f : x; }  // NaN stays NaN
  double operator()(double x) const { return x < 0.0 ? 0.0 : x; }
};

struct LeakyReluOp {
  float alpha;
  explicit LeakyReluOp(const NodeDesc& n) : alpha(n.getFloat("alpha", 0.01f)) {}
  template <typename F>
  F operator()(F x) const {
    return x < F(0) ? F(alpha) * x : x;
  }
};

struct EluOp {
  float alpha;
  explicit EluOp(const NodeDesc& n) : alpha(n.getFloat("alpha", 1.0f)) {}
  template <typename F>
  F operator()(F x) const {
    return x < F(0) ? F(alpha) * std::expm1(x) : x;
  }
};

struct SeluOp {
  float alpha, gamma;
  explicit SeluOp(const NodeDesc& n)
      : alpha(n.getFloat("alpha", 1.67326319217681884765625f)),
        gamma(n.getFloat("gamma", 1.05070102214813232421875f)) {}
  template <typename F>
  F operator()(F x) const {
    return F(gamma) * (x > F(0) ? x : F(alpha) * std::expm1(x));
  }
};

struct CeluOp {
  float alpha;
  explicit CeluOp(const NodeDesc& n) : alpha(n.getFloat("alpha", 1.0f)) {
    check(alpha != 0.0f, "Celu alpha must not be 0");
  }
  template <typename F>
  F operator()(F x) const {
    return x > F(0) ? x : F(alpha) * std::expm1(x / F(alpha));
  }
};

struct ThresholdedReluOp {
  float alpha;
  explicit ThresholdedReluOp(const NodeDesc& n) : alpha(n.getFloat("alpha", 1.0f)) {}
  template <typename F>
  F operator()(F x) const {
    return x > F(alpha) ? x : F(0);
  }
};

struct SigmoidOp {
  explicit SigmoidOp(const NodeDesc&) {}
  float operator()(float x) const { return fastmath::sigmoid(x); }
  double operator()(double x) const { return 1.0 / (1.0 + std::exp(-x)); }
};

struct SwishOp {  // x * sigmoid(alpha * x)
  float alpha;
  explicit SwishOp(const NodeDesc& n) : alpha(n.getFloat("alpha", 1.0f)) {}
  float operator()(float x) const { return x * fastmath::sigmoid(alpha * x); }
  double operator()(double x) const { return x / (1.0 + std::exp(-static_cast<double>(alpha) * x)); }
};

struct HardSigmoidOp {
  float alpha, beta;
  explicit HardSigmoidOp(const NodeDesc& n)
      : alpha(n.getFloat("alpha", 0.2f)), beta(n.getFloat("beta", 0.5f)) {}
  template <typename F>
  F operator()(F x) const {
    const F v = F(alpha) * x + F(beta);
    return v < F(0) ? F(0) : (v > F(1) ? F(1) : v);
  }
};

struct HardSwishOp {
  explicit HardSwishOp(const NodeDesc&) {}
  template <typename F>
  F operator()(F x) const {
    const F v = x * F(1.0 / 6.0) + F(0.5);
    return x * (v < F(0) ? F(0) : (v > F(1) ? F(1) : v));
  }
};

struct TanhOp {
  explicit TanhOp(const NodeDesc&) {}
  template <typename F>
  F operator()(F x) const {
    return tanhOf(x);
  }
};

struct SoftplusOp {
  explicit SoftplusOp(const NodeDesc&) {}
  template <typename F>
  F operator()(F x) const {
    return softplusOf(x);
  }
};

struct SoftsignOp {
  explicit SoftsignOp(const NodeDesc&) {}
  template <typename F>
  F operator()(F x) const {
    return x / (F(1) + std::fabs(x));
  }
};

struct MishOp {
  explicit MishOp(const NodeDesc&) {}
  template <typename F>
  F operator()(F x) const {
    return x * std::tanh(softplusOf(x));
  }
};

// Gelu: x * Phi(x) exactly (erf) or with the tanh approximation; two ops so each loop stays branch-free.
struct GeluErfOp {
  explicit GeluErfOp(const NodeDesc&) {}
  template <typename F>
  F operator()(F x) const {
    return F(0.5) * x * (F(1) + erfOf(x * F(0.7071067811865476)));
  }
};
struct GeluTanhOp {
  explicit GeluTanhOp(const NodeDesc&) {}
  template <typename F>
  F operator()(F x) const {
    const F inner = F(0.7978845608028654) * (x + F(0.044715) * x * x * x);
    return F(0.5) * x * (F(1) + tanhOf(inner));
  }
};

class GeluKernel : public Kernel {
 public:
  GeluKernel(const NodeDesc& n, const CompileContext& c) : erf_(n, c), tanh_(n, c) {
    const std::string a = n.getString("approximate", "none");
    check(a == "none" || a == "tanh", "Gelu approximate must be 'none' or 'tanh', got '" + a + "'");
    tanhApprox_ = a == "tanh";
  }
  void compute(KernelContext& ctx) override {
    if (tanhApprox_) {
      tanh_.compute(ctx);
    } else {
      erf_.compute(ctx);
    }
  }

 private:
  UnaryKernel<GeluErfOp, FloatTypes> erf_;
  UnaryKernel<GeluTanhOp, FloatTypes> tanh_;
  bool tanhApprox_ = false;
};

using ReluTypes = TypeList<ONNXFLEET_FLOAT_TYPES, int8_t, int16_t, int32_t, int64_t>;
using ReluKernel = UnaryKernel<ReluOp, ReluTypes>;
using LeakyReluKernel = UnaryKernel<LeakyReluOp, FloatTypes>;
using EluKernel = UnaryKernel<EluOp, FloatTypes>;
using SeluKernel = UnaryKernel<SeluOp, FloatTypes>;
using CeluKernel = UnaryKernel<CeluOp, FloatTypes>;
using ThresholdedReluKernel = UnaryKernel<ThresholdedReluOp, FloatTypes>;
using SigmoidKernel = UnaryKernel<SigmoidOp, FloatTypes>;
using SwishKernel = UnaryKernel<SwishOp, FloatTypes>;
using HardSigmoidKernel = UnaryKernel<HardSigmoidOp, FloatTypes>;
using HardSwishKernel = UnaryKernel<HardSwishOp, FloatTypes>;
using TanhKernel = UnaryKernel<TanhOp, FloatTypes>;
using SoftplusKernel = UnaryKernel<SoftplusOp, FloatTypes>;
using SoftsignKernel = UnaryKernel<SoftsignOp, FloatTypes>;
using MishKernel = UnaryKernel<MishOp, FloatTypes>;

ONNX_CPU_KERNEL("Relu", 1, ReluKernel);
ONNX_CPU_KERNEL("Relu", 6, ReluKernel);
ONNX_CPU_KERNEL("Relu", 13, ReluKernel);
ONNX_CPU_KERNEL("Relu", 14, ReluKernel);
ONNX_CPU_KERNEL("LeakyRelu", 1, LeakyReluKernel);
ONNX_CPU_KERNEL("LeakyRelu", 6, LeakyReluKernel);
ONNX_CPU_KERNEL("LeakyRelu", 16, LeakyReluKernel);
ONNX_CPU_KERNEL("Elu", 1, EluKernel);
ONNX_CPU_KERNEL("Elu", 6, EluKernel);
ONNX_CPU_KERNEL("Elu", 22, EluKernel);
ONNX_CPU_KERNEL("Selu", 1, SeluKernel);
ONNX_CPU_KERNEL("Selu", 6, SeluKernel);
ONNX_CPU_KERNEL("Selu", 22, SeluKernel);
ONNX_CPU_KERNEL("Celu", 12, CeluKernel);
ONNX_CPU_KERNEL("Celu", 28, CeluKernel);
ONNX_CPU_KERNEL("ThresholdedRelu", 10, ThresholdedReluKernel);
ONNX_CPU_KERNEL("ThresholdedRelu", 22, ThresholdedReluKernel);
ONNX_CPU_KERNEL("Sigmoid", 1, SigmoidKernel);
ONNX_CPU_KERNEL("Sigmoid", 6, SigmoidKernel);
ONNX_CPU_KERNEL("Sigmoid", 13, SigmoidKernel);
ONNX_CPU_KERNEL("Swish", 24, SwishKernel);
ONNX_CPU_KERNEL("HardSigmoid", 1, HardSigmoidKernel);
ONNX_CPU_KERNEL("HardSigmoid", 6, HardSigmoidKernel);
ONNX_CPU_KERNEL("HardSigmoid", 22, HardSigmoidKernel);
ONNX_CPU_KERNEL("HardSwish", 14, HardSwishKernel);
ONNX_CPU_KERNEL("HardSwish", 22, HardSwishKernel);
ONNX_CPU_KERNEL("Tanh", 1, TanhKernel);
ONNX_CPU_KERNEL("Tanh", 6, TanhKernel);
ONNX_CPU_KERNEL("Tanh", 13, TanhKernel);
ONNX_CPU_KERNEL("Softplus", 1, SoftplusKernel);
ONNX_CPU_KERNEL("Softplus", 22, SoftplusKernel);
ONNX_CPU_KERNEL("Softsign", 1, SoftsignKernel);
ONNX_CPU_KERNEL("Softsign", 22, SoftsignKernel);
ONNX_CPU_KERNEL("Mish", 18, MishKernel);
ONNX_CPU_KERNEL("Mish", 22, MishKernel);
ONNX_CPU_KERNEL("Gelu", 20, GeluKernel);

}  // namespace
}  // namespace onnxfleet
