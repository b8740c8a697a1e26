// Elementwise math: Abs, Neg, Sign, Exp, Log, Sqrt, Reciprocal, Floor, Ceil, Round (half to even), Erf and
// the trigonometric/hyperbolic family. float16/bfloat16 compute in float; float uses the vectorizable
// fastmath exp/erf, everything else the C library.
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

// A unary op over float types given as one expression in `x` (float or double).
#define FLOAT_UNARY_OP(NAME, EXPR)                \
  struct NAME {                                   \
    explicit NAME(const NodeDesc&) {}             \
    template <typename F>                         \
    F operator()(F x) const {                     \
      static_assert(std::is_floating_point_v<F>); \
      return EXPR;                                \
    }                                             \
  }

FLOAT_UNARY_OP(LogOp, std::log(x));
FLOAT_UNARY_OP(SqrtOp, std::sqrt(x));
FLOAT_UNARY_OP(ReciprocalOp, F(1) / x);
FLOAT_UNARY_OP(FloorOp, std::floor(x));
FLOAT_UNARY_OP(CeilOp, std::ceil(x));
FLOAT_UNARY_OP(RoundOp, std::nearbyint(x));  // the default rounding mode: half to even
FLOAT_UNARY_OP(SinOp, std::sin(x));
FLOAT_UNARY_OP(CosOp, std::cos(x));
FLOAT_UNARY_OP(TanOp, std::tan(x));
FLOAT_UNARY_OP(AsinOp, std::asin(x));
FLOAT_UNARY_OP(AcosOp, std::acos(x));
FLOAT_UNARY_OP(AtanOp, std::atan(x));
FLOAT_UNARY_OP(SinhOp, std::sinh(x));
FLOAT_UNARY_OP(CoshOp, std::cosh(x));
FLOAT_UNARY_OP(AsinhOp, std::asinh(x));
FLOAT_UNARY_OP(AcoshOp, std::acosh(x));
FLOAT_UNARY_OP(AtanhOp, std::atanh(x));
#undef FLOAT_UNARY_OP

struct ExpOp {
  explicit ExpOp(const NodeDesc&) {}
  float operator()(float x) const { return fastmath::exp(x); }
  double operator()(double x) const { return std::exp(x); }
};

struct ErfOp {
  explicit ErfOp(const NodeDesc&) {}
  float operator()(float x) const { return fastmath::erf(x); }
  double operator()(double x) const { return std::erf(x); }
};

// Integer Abs/Neg wrap like two's complement (INT_MIN stays INT_MIN) instead of overflowing.
struct AbsOp {
  explicit AbsOp(const NodeDesc&) {}
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fabs(x);
    } else if constexpr (std::is_signed_v<T>) {
      using U = std::make_unsigned_t<T>;
      return x < 0 ? static_cast<T>(U(0) - static_cast<U>(x)) : x;
    } else {
      return x;
    }
  }
};

struct NegOp {
  explicit NegOp(const NodeDesc&) {}
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return -x;
    } else {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(U(0) - static_cast<U>(x));
    }
  }
};

struct SignOp {  // NaN stays NaN
  explicit SignOp(const NodeDesc&) {}
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return x > 0 ? T(1) : (x < 0 ? T(-1) : x);
    } else {
      return x > 0 ? T(1) : (x < T(0) ? static_cast<T>(-1) : T(0));
    }
  }
};

using AbsKernel = UnaryKernel<AbsOp, NumericTypes>;
using NegKernel = UnaryKernel<NegOp, SignedTypes>;
using SignKernel = UnaryKernel<SignOp, NumericTypes>;
using ExpKernel = UnaryKernel<ExpOp, FloatTypes>;
using LogKernel = UnaryKernel<LogOp, FloatTypes>;
using SqrtKernel = UnaryKernel<SqrtOp, FloatTypes>;
using ReciprocalKernel = UnaryKernel<ReciprocalOp, FloatTypes>;
using FloorKernel = UnaryKernel<FloorOp, FloatTypes>;
using CeilKernel = UnaryKernel<CeilOp, FloatTypes>;
using RoundKernel = UnaryKernel<RoundOp, FloatTypes>;
using ErfKernel = UnaryKernel<ErfOp, FloatTypes>;
using SinKernel = UnaryKernel<SinOp, FloatTypes>;
using CosKernel = UnaryKernel<CosOp, FloatTypes>;
using TanKernel = UnaryKernel<TanOp, FloatTypes>;
using AsinKernel = UnaryKernel<AsinOp, FloatTypes>;
using AcosKernel = UnaryKernel<AcosOp, FloatTypes>;
using AtanKernel = UnaryKernel<AtanOp, FloatTypes>;
using SinhKernel = UnaryKernel<SinhOp, FloatTypes>;
using CoshKernel = UnaryKernel<CoshOp, FloatTypes>;
using AsinhKernel = UnaryKernel<AsinhOp, FloatTypes>;
using AcoshKernel = UnaryKernel<AcoshOp, FloatTypes>;
using AtanhKernel = UnaryKernel<AtanhOp, FloatTypes>;

// Versions 1 and 6 differ from 13 only in the legacy consumed_inputs attribute and the type list.
ONNX_CPU_KERNEL("Abs", 1, AbsKernel);
ONNX_CPU_KERNEL("Abs", 6, AbsKernel);
ONNX_CPU_KERNEL("Abs", 13, AbsKernel);
ONNX_CPU_KERNEL("Neg", 1, NegKernel);
ONNX_CPU_KERNEL("Neg", 6, NegKernel);
ONNX_CPU_KERNEL("Neg", 13, NegKernel);
ONNX_CPU_KERNEL("Sign", 9, SignKernel);
ONNX_CPU_KERNEL("Sign", 13, SignKernel);
ONNX_CPU_KERNEL("Exp", 1, ExpKernel);
ONNX_CPU_KERNEL("Exp", 6, ExpKernel);
ONNX_CPU_KERNEL("Exp", 13, ExpKernel);
ONNX_CPU_KERNEL("Log", 1, LogKernel);
ONNX_CPU_KERNEL("Log", 6, LogKernel);
ONNX_CPU_KERNEL("Log", 13, LogKernel);
ONNX_CPU_KERNEL("Sqrt", 1, SqrtKernel);
ONNX_CPU_KERNEL("Sqrt", 6, SqrtKernel);
ONNX_CPU_KERNEL("Sqrt", 13, SqrtKernel);
ONNX_CPU_KERNEL("Reciprocal", 1, ReciprocalKernel);
ONNX_CPU_KERNEL("Reciprocal", 6, ReciprocalKernel);
ONNX_CPU_KERNEL("Reciprocal", 13, ReciprocalKernel);
ONNX_CPU_KERNEL("Floor", 1, FloorKernel);
ONNX_CPU_KERNEL("Floor", 6, FloorKernel);
ONNX_CPU_KERNEL("Floor", 13, FloorKernel);
ONNX_CPU_KERNEL("Ceil", 1, CeilKernel);
ONNX_CPU_KERNEL("Ceil", 6, CeilKernel);
ONNX_CPU_KERNEL("Ceil", 13, CeilKernel);
ONNX_CPU_KERNEL("Round", 11, RoundKernel);
ONNX_CPU_KERNEL("Round", 22, RoundKernel);
ONNX_CPU_KERNEL("Erf", 9, ErfKernel);
ONNX_CPU_KERNEL("Erf", 13, ErfKernel);
ONNX_CPU_KERNEL("Sin", 7, SinKernel);
ONNX_CPU_KERNEL("Sin", 22, SinKernel);
ONNX_CPU_KERNEL("Cos", 7, CosKernel);
ONNX_CPU_KERNEL("Cos", 22, CosKernel);
ONNX_CPU_KERNEL("Tan", 7, TanKernel);
ONNX_CPU_KERNEL("Tan", 22, TanKernel);
ONNX_CPU_KERNEL("Asin", 7, AsinKernel);
ONNX_CPU_KERNEL("Asin", 22, AsinKernel);
ONNX_CPU_KERNEL("Acos", 7, AcosKernel);
ONNX_CPU_KERNEL("Acos", 22, AcosKernel);
ONNX_CPU_KERNEL("Atan", 7, AtanKernel);
ONNX_CPU_KERNEL("Atan", 22, AtanKernel);
ONNX_CPU_KERNEL("Sinh", 9, SinhKernel);
ONNX_CPU_KERNEL("Sinh", 22, SinhKernel);
ONNX_CPU_KERNEL("Cosh", 9, CoshKernel);
ONNX_CPU_KERNEL("Cosh", 22, CoshKernel);
ONNX_CPU_KERNEL("Asinh", 9, AsinhKernel);
ONNX_CPU_KERNEL("Asinh", 22, AsinhKernel);
ONNX_CPU_KERNEL("Acosh", 9, AcoshKernel);
ONNX_CPU_KERNEL("Acosh", 22, AcoshKernel);
ONNX_CPU_KERNEL("Atanh", 9, AtanhKernel);
ONNX_CPU_KERNEL("Atanh", 22, AtanhKernel);

}  // namespace
}  // namespace onnxfleet
