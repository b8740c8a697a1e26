// Pow: base of type T, exponent of type T1 (mixed since opset 12), numpy broadcasting (legacy
// broadcast/axis before opset 7). The output has the base's type. Float bases compute in float (double when
// either side is double); integer bases with integer exponents use exact repeated squaring (wrapping on
// overflow); a scalar exponent of 1, 2 or 3 is a plain multiply.
#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

template <typename T>
T saturatingCast(double v) {  // float -> integer without undefined behaviour: NaN -> 0, clamped
  if (!(v == v)) return 0;
  if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  return static_cast<T>(v);
}

template <typename V>
double toDouble(V v) {
  if constexpr (kIsHalfLike<V>) {
    return toFloat(v);
  } else {
    return static_cast<double>(v);
  }
}

template <typename T, typename E>
T intPow(T base, E e) {
  if (e < 0) {  // |base| > 1 gives a fraction that truncates to 0
    if (base == 1) return 1;
    if (base == -1) return (e % 2 == 0) ? 1 : -1;
    return 0;
  }
  using U = std::make_unsigned_t<T>;
  U result = 1, b = static_cast<U>(base);
  auto n = static_cast<std::make_unsigned_t<E>>(e);
  while (n) {
    if (n & 1) result *= b;
    b *= b;
    n >>= 1;
  }
  return static_cast<T>(result);
}

template <typename T, typename E>
struct PowFn {
  T operator()(T a, E b) const {
    if constexpr (std::is_integral_v<T>) {
      if constexpr (std::is_integral_v<E>) {
        return intPow(a, b);
      } else {
        return saturatingCast<T>(std::pow(static_cast<double>(a), toDouble(b)));
      }
    } else if constexpr (std::is_same_v<T, double> || std::is_same_v<E, double>) {
      return fromFloatLike(std::pow(toDouble(a), toDouble(b)));
    } else {
      return fromFloatLike(std::pow(static_cast<float>(toDouble(a)), static_cast<float>(toDouble(b))));
    }
  }
  template <typename V>
  static T fromFloatLike(V v) {
    if constexpr (kIsHalfLike<T>) {
      return fromFloat<T>(static_cast<float>(v));
    } else {
      return static_cast<T>(v);
    }
  }
};

class PowKernel : public Kernel {
 public:
  PowKernel(const NodeDesc& n, const CompileContext&) : legacy_(n) {}
  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor b = legacy_.adapt(a, ctx.input(1));
    const Shape shape = broadcastShapes(a.shape, b.shape);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES, int32_t, int64_t>(a.dtype, "Pow base", [&](auto tagT) {
      using T = typename decltype(tagT)::type;
      dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(b.dtype, "Pow exponent", [&](auto tagE) {
        using E = typename decltype(tagE)::type;
        Tensor& out = ctx.allocOutput(0, a.dtype, shape);
        if constexpr (!std::is_integral_v<T>) {
          if (b.numel() == 1 && shape == a.shape &&
              smallPower<T>(a, toDouble(b.as<E>()[0]), out, ctx.threads()))
            return;
        }
        binaryBroadcast<T, E, T>(a, b, out, ctx.threads(), PowFn<T, E>{});
      });
    });
  }

 private:
  // x^1, x^2, x^3 as multiplies (they round the same as pow to within an ulp).
  template <typename T>
  static bool smallPower(const Tensor& a, double e, Tensor& out, int threads) {
    using C = typename ComputeType<T>::type;
    if (e == 1.0) {
      unaryMap(a.as<T>(), out.as<T>(), a.numel(), threads, [](C x) { return x; });
    } else if (e == 2.0) {
      unaryMap(a.as<T>(), out.as<T>(), a.numel(), threads, [](C x) { return x * x; });
    } else if (e == 3.0) {
      unaryMap(a.as<T>(), out.as<T>(), a.numel(), threads, [](C x) { return x * x * x; });
    } else {
      return false;
    }
    return true;
  }

  LegacyBroadcast legacy_;
};

ONNX_CPU_KERNEL("Pow", 1, PowKernel);
ONNX_CPU_KERNEL("Pow", 7, PowKernel);
ONNX_CPU_KERNEL("Pow", 12, PowKernel);
ONNX_CPU_KERNEL("Pow", 13, PowKernel);
ONNX_CPU_KERNEL("Pow", 15, PowKernel);

}  // namespace
}  // namespace onnxfleet
