// Helpers shared by the elementwise kernels: a parallel unary map and a same-type broadcasting binary op
// (float16/bfloat16 go through float in small blocks so the float loops stay vectorized), type lists for
// dispatchTypes, a generic same-shape unary kernel, and the legacy broadcast attributes of opset < 7.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>
#ifdef __F16C__
#include <immintrin.h>
#endif

#include "core/kernel.h"
#include "cpu/util/broadcast.h"
#include "cpu/util/dispatch.h"

namespace onnxfleet {

template <typename T>
constexpr bool kIsHalfLike = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// Converts n 16-bit floats to float and back (F16C for float16 where the target has it).
template <typename T>
inline void widen(const T* x, float* y, int64_t n) {
  int64_t i = 0;
#ifdef __F16C__
  if constexpr (std::is_same_v<T, Half>) {
    for (; i + 8 <= n; i += 8)
      _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
  }
#endif
  for (; i < n; ++i) y[i] = toFloat(x[i]);
}
template <typename T>
inline void narrow(const float* x, T* y, int64_t n) {
  int64_t i = 0;
#ifdef __F16C__
  if constexpr (std::is_same_v<T, Half>) {
    for (; i + 8 <= n; i += 8)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                       _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
#endif
  for (; i < n; ++i) y[i] = fromFloat<T>(x[i]);
}

// y[i] = op(x[i]) for i in [0, n). op is called with float for float16/bfloat16 (results narrowed back),
// with T itself otherwise. x and y may be the same buffer. op must not throw.
template <typename T, typename Op>
void unaryMap(const T* x, T* y, int64_t n, int threads, const Op& op) {
  parallelFor(threads, n, kElementwiseGrain, [&](int64_t begin, int64_t end) {
    if constexpr (kIsHalfLike<T>) {
      constexpr int64_t kBlock = 512;
      float buf[kBlock];
      for (int64_t i = begin; i < end; i += kBlock) {
        const int64_t m = std::min(kBlock, end - i);
        widen(x + i, buf, m);
        for (int64_t j = 0; j < m; ++j) buf[j] = op(buf[j]);
        narrow(buf, y + i, m);
      }
    } else {
      for (int64_t i = begin; i < end; ++i) y[i] = op(x[i]);
    }
  });
}

// out = f(a, b) with numpy broadcasting, all three of element type T. f is written for float, double and
// integers: float16/bfloat16 runs are widened to float in blocks and narrowed back, so the float loops stay
// vectorized. `out` may alias an input of the output's shape. f must not throw.
template <typename T, typename F>
void binaryBroadcastSame(const Tensor& a, const Tensor& b, Tensor& out, int threads, const F& f) {
  if constexpr (!kIsHalfLike<T>) {
    binaryBroadcast<T, T, T>(a, b, out, threads, f);
  } else {
    const BroadcastPlan<2> plan(out.shape, {&a.shape, &b.shape});
    const T* pa = a.as<T>();
    const T* pb = b.as<T>();
    T* po = out.as<T>();
    const int64_t sa = plan.innerStride(0), sb = plan.innerStride(1);
    parallelFor(threads, plan.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
      constexpr int64_t kBlock = 256;
      float fa[kBlock], fb[kBlock], fo[kBlock];
      plan.forEachRun(begin, end, [&](int64_t o, const std::array<int64_t, 2>& in, int64_t n) {
        for (int64_t j = 0; j < n; j += kBlock) {
          const int64_t m = std::min(kBlock, n - j);
          widen(pa + in[0] + j * sa, fa, sa ? m : 1);
          widen(pb + in[1] + j * sb, fb, sb ? m : 1);
          binaryRun(fa, sa, fb, sb, fo, m, f);
          narrow(fo, po + o + j, m);
        }
      });
    });
  }
}

// A list of element types for dispatchTypes, so kernels can take the list as a template parameter.
template <typename... Ts>
struct TypeList {
  template <typename F>
  static void dispatch(DType dt, const char* what, F&& f) {
    dispatchTypes<Ts...>(dt, what, f);
  }
};
using FloatTypes = TypeList<ONNXFLEET_FLOAT_TYPES>;
using SignedTypes = TypeList<ONNXFLEET_FLOAT_TYPES, int8_t, int16_t, int32_t, int64_t>;
using NumericTypes = TypeList<ONNXFLEET_NUMERIC_TYPES>;

// A same-shape, same-dtype unary kernel. Op is constructed from the node (attributes parsed once) and
// called per element with float (for float/float16/bfloat16), double, or the integer type itself.
template <typename Op, typename Types>
class UnaryKernel : public Kernel {
 public:
  UnaryKernel(const NodeDesc& n, const CompileContext&) : op_(n), name_(n.opType) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Types::dispatch(x.dtype, name_.c_str(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
      unaryMap(x.as<T>(), y.as<T>(), x.numel(), ctx.threads(), op_);
    });
  }

 private:
  Op op_;
  std::string name_;
};

// The legacy broadcast/axis attributes (Add-1/6 and friends); inactive from opset 7 on.
struct LegacyBroadcast {
  bool legacy = false, broadcast = false, hasAxis = false;
  int64_t axis = 0;
  explicit LegacyBroadcast(const NodeDesc& n)
      : legacy(n.opset < 7),
        broadcast(n.getInt("broadcast", 0) != 0),
        hasAxis(n.has("axis")),
        axis(n.getInt("axis", 0)) {}
  // B viewed with a shape that numpy-broadcasts to A (opset < 7); B unchanged otherwise.
  Tensor adapt(const Tensor& a, const Tensor& b) const {
    if (!legacy) return b;
    Tensor v = b;
    v.shape = legacyBroadcastShape(a.shape, b.shape, broadcast, hasAxis, axis);
    return v;
  }
};

}  // namespace onnxfleet
