// QuantizeLinear (opsets 10-25): y = saturate(round(x / y_scale) + y_zero_point), per-tensor, per-axis or
// blocked (block_size). Integer targets round half to even and clamp to the type's range; float8 targets
// convert x / y_scale + zero point with Cast's rules (`saturate`); float4e2m1 always saturates. The division
// runs in the `precision` type, else in y_scale's type (float16/bfloat16 round x, the scale and the quotient
// to that type; int32 x divides in double as the ONNX reference does).
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "core/parallel.h"
#include "cpu/quant/quant_util.h"
#include "cpu/util/dispatch.h"
#include "cpu/util/lowbit.h"

namespace onnxfleet {
namespace {

enum class Prec { F32, F64, F16, BF16 };
constexpr int64_t kChunk = 512;

// Writes q[0..len) (quotients x / scale) as elements [idx, idx + len) of y; scale index = first + j * step.
struct Emit {
  DType type;
  void* y;
  const int32_t* zpInt;  // integer targets (null: zero point 0)
  const float* zpFloat;  // float targets (null: zero point 0)
  int32_t lo, hi;
  bool saturate;
};
using EmitFn = void (*)(const Emit&, const double*, int64_t, int64_t, int64_t, int64_t);
using QuotFn = void (*)(const void*, int64_t, int64_t, const float*, int64_t, int64_t, double*);

template <typename O>
void emitInt(const Emit& e, const double* q, int64_t idx, int64_t len, int64_t first, int64_t step) {
  O* y = static_cast<O*>(e.y) + idx;
  for (int64_t j = 0; j < len; ++j)
    y[j] = static_cast<O>(roundClamp(q[j], e.zpInt ? e.zpInt[first + j * step] : 0, e.lo, e.hi));
}

void emitPacked(const Emit& e, const double* q, int64_t idx, int64_t len, int64_t first, int64_t step) {
  uint8_t* y = static_cast<uint8_t*>(e.y);
  for (int64_t j = 0; j < len; ++j)
    lowbit::fromInt(e.type, y, idx + j,
                    roundClamp(q[j], e.zpInt ? e.zpInt[first + j * step] : 0, e.lo, e.hi));
}

void emitFloat(const Emit& e, const double* q, int64_t idx, int64_t len, int64_t first, int64_t step) {
  uint8_t* y = static_cast<uint8_t*>(e.y);
  for (int64_t j = 0; j < len; ++j) {
    const float v = static_cast<float>(q[j]) + (e.zpFloat ? e.zpFloat[first + j * step] : 0.f);
    lowbit::setCode(e.type, y, idx + j, lowbit::floatCode(e.type, v, e.saturate));
  }
}

template <typename T, Prec P>
void quotient(const void* xv, int64_t idx, int64_t len, const float* s, int64_t first, int64_t step,
              double* q) {
  const T* x = static_cast<const T*>(xv) + idx;
  for (int64_t j = 0; j < len; ++j) {
    const float sc = s[first + j * step];
    if constexpr (P == Prec::F64) {
      if constexpr (std::is_arithmetic_v<T>)
        q[j] = static_cast<double>(x[j]) / sc;
      else
        q[j] = static_cast<double>(toFloat(x[j])) / sc;
    } else if constexpr (P == Prec::F16) {
      q[j] = roundToHalf(roundToHalf(toFloat(x[j])) / sc);
    } else if constexpr (P == Prec::BF16) {
      q[j] = roundToBf16(roundToBf16(toFloat(x[j])) / sc);
    } else {
      q[j] = toFloat(x[j]) / sc;
    }
  }
}

template <typename T>
QuotFn quotientFor(Prec p) {
  switch (p) {
    case Prec::F64:
      return quotient<T, Prec::F64>;
    case Prec::F16:
      return quotient<T, Prec::F16>;
    case Prec::BF16:
      return quotient<T, Prec::BF16>;
    default:
      return quotient<T, Prec::F32>;
  }
}

Prec precisionOf(DType t, DType x) {
  switch (t) {
    case DType::Float16:
      return Prec::F16;
    case DType::BFloat16:
      return Prec::BF16;
    case DType::Double:
    case DType::Int32:
      return Prec::F64;
    default:  // float, and float8e8m0 scales (powers of two)
      return x == DType::Int32 ? Prec::F64 : Prec::F32;
  }
}

class QuantizeLinearKernel : public Kernel {
 public:
  QuantizeLinearKernel(const NodeDesc& node, const CompileContext&)
      : axis_(node.getInt("axis", 1)),
        blockSize_(node.getInt("block_size", 0)),
        saturate_(node.getInt("saturate", 1) != 0),
        outputDtype_(node.getInt("output_dtype", 0)),
        precision_(node.getInt("precision", 0)) {
    check(outputDtype_ == 0 || (dtypeValid(static_cast<int32_t>(outputDtype_)) &&
                                isQuantizedType(static_cast<DType>(outputDtype_))),
          "output_dtype " + std::to_string(outputDtype_) + " is not a quantized type");
    const DType p = static_cast<DType>(precision_);
    check(precision_ == 0 || p == DType::Float || p == DType::Float16 || p == DType::BFloat16 ||
              p == DType::Double,
          "precision must be a float type, got " + std::to_string(precision_));
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zp = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    DType out = outputDtype_ ? static_cast<DType>(outputDtype_) : DType::UInt8;
    if (zp) {
      check(!outputDtype_ || zp->dtype == out, std::string("output_dtype ") + dtypeName(out) +
                                                   " differs from y_zero_point's type " +
                                                   dtypeName(zp->dtype));
      out = zp->dtype;
      checkZeroPointShape(*zp, scale, "y_zero_point", "y_scale");
    }
    check(isQuantizedType(out), std::string("cannot quantize to ") + dtypeName(out));
    check(x.dtype == DType::Float || x.dtype == DType::Float16 || x.dtype == DType::BFloat16 ||
              x.dtype == DType::Int32 || x.dtype == DType::Double,
          std::string("x must be float, float16, bfloat16 or int32, got ") + dtypeName(x.dtype));
    const QuantLayout layout = resolveQuantLayout(x.shape, scale.shape, axis_, blockSize_, "y_scale");
    std::vector<float> scales = readFloats(scale, "y_scale");
    const Prec prec = precisionOf(precision_ ? static_cast<DType>(precision_) : scale.dtype, x.dtype);
    for (float& s : scales) s = prec == Prec::F16 ? roundToHalf(s) : prec == Prec::BF16 ? roundToBf16(s) : s;

    Emit e{out, nullptr, nullptr, nullptr, 0, 0, saturate_};
    std::vector<int32_t> zpInt;
    std::vector<float> zpFloat;
    EmitFn emit = emitFloat;
    if (lowbit::intRange(out, e.lo, e.hi)) {
      if (zp) zpInt = readQuantInts(*zp, "y_zero_point"), e.zpInt = zpInt.data();
      emit = lowbit::isPacked(out) ? emitPacked
             : out == DType::Int8  ? emitInt<int8_t>
             : out == DType::UInt8 ? emitInt<uint8_t>
             : out == DType::Int16 ? emitInt<int16_t>
                                   : emitInt<uint16_t>;
    } else if (zp) {
      zpFloat = readFloats(*zp, "y_zero_point"), e.zpFloat = zpFloat.data();
    }
    QuotFn quot = nullptr;
    dispatchTypes<float, double, Half, BFloat16, int32_t>(
        x.dtype, "QuantizeLinear", [&](auto tag) { quot = quotientFor<typename decltype(tag)::type>(prec); });

    Tensor& y = ctx.allocOutput(0, out, x.shape);
    const int64_t n = x.numel();
    if (n == 0) return;
    if (lowbit::isPacked(out)) std::memset(y.data, 0, y.bytes());
    e.y = y.data;
    // Work in units of 4 elements so that threads never share a byte of a packed output.
    parallelFor(ctx.threads(), (n + 3) / 4, 4096, [&](int64_t ub, int64_t ue) {
      double q[kChunk];
      int64_t b = ub * 4;
      const int64_t end = std::min(n, ue * 4);
      int64_t row = b / layout.inner, i = b % layout.inner;
      while (b < end) {
        const int64_t len = std::min({layout.inner - i, end - b, kChunk});
        int64_t first, step;
        scaleRun(layout, row / layout.dim, row % layout.dim, i, first, step);
        quot(x.data, b, len, scales.data(), first, step, q);
        emit(e, q, b, len, first, step);
        b += len, i += len;
        if (i == layout.inner) i = 0, ++row;
      }
    });
  }

 private:
  int64_t axis_, blockSize_;
  bool saturate_;
  int64_t outputDtype_, precision_;
};

ONNX_CPU_KERNEL("QuantizeLinear", 10, QuantizeLinearKernel);
ONNX_CPU_KERNEL("QuantizeLinear", 13, QuantizeLinearKernel);
ONNX_CPU_KERNEL("QuantizeLinear", 19, QuantizeLinearKernel);
ONNX_CPU_KERNEL("QuantizeLinear", 21, QuantizeLinearKernel);
ONNX_CPU_KERNEL("QuantizeLinear", 23, QuantizeLinearKernel);
ONNX_CPU_KERNEL("QuantizeLinear", 24, QuantizeLinearKernel);
ONNX_CPU_KERNEL("QuantizeLinear", 25, QuantizeLinearKernel);

}  // namespace
}  // namespace onnxfleet
