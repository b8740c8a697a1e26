// DequantizeLinear (opsets 10-25): y = (x - x_zero_point) * x_scale, per-tensor, per-axis or blocked
// (block_size). x is an 8/16/32-bit integer, a packed 4/2-bit integer, a float8 or float4e2m1; the output
// type is `output_dtype`, else x_scale's type (float for a float8e8m0 scale). The subtraction is exact
// (integers) and the product is computed in float, then rounded once to float16/bfloat16 outputs.
#include <algorithm>
#include <array>

#include "core/parallel.h"
#include "cpu/quant/quant_util.h"
#include "cpu/util/dispatch.h"
#include "cpu/util/lowbit.h"

namespace onnxfleet {
namespace {

// Walks x in runs that share one scale row: fn(begin, len, first, step) as for scaleRun.
template <typename F>
void forEachRun(const QuantLayout& l, int threads, F&& fn) {
  const int64_t n = l.numel();
  parallelFor(threads, n, 16384, [&](int64_t b, int64_t end) {
    int64_t row = b / l.inner, i = b % l.inner;
    while (b < end) {
      const int64_t len = std::min(l.inner - i, end - b);
      int64_t first, step;
      scaleRun(l, row / l.dim, row % l.dim, i, first, step);
      fn(b, len, first, step);
      b += len, i = 0, ++row;
    }
  });
}

class DequantizeLinearKernel : public Kernel {
 public:
  DequantizeLinearKernel(const NodeDesc& node, const CompileContext&)
      : axis_(node.getInt("axis", 1)),
        blockSize_(node.getInt("block_size", 0)),
        outputDtype_(node.getInt("output_dtype", 0)) {
    const DType o = static_cast<DType>(outputDtype_);
    check(outputDtype_ == 0 || o == DType::Float || o == DType::Float16 || o == DType::BFloat16,
          "output_dtype must be float, float16 or bfloat16, got " + std::to_string(outputDtype_));
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zp = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    int32_t lo, hi;
    const bool lowBit = lowbit::isLowBit(x.dtype) && x.dtype != DType::Float8E8M0;
    check(lowBit || lowbit::intRange(x.dtype, lo, hi),
          std::string("cannot dequantize x of type ") + dtypeName(x.dtype));
    if (zp) {
      check(zp->dtype == x.dtype, std::string("x_zero_point must have x's type ") + dtypeName(x.dtype) +
                                      ", got " + dtypeName(zp->dtype));
      checkZeroPointShape(*zp, scale, "x_zero_point", "x_scale");
    }
    DType out = static_cast<DType>(outputDtype_);
    if (!outputDtype_) out = scale.dtype == DType::Float8E8M0 ? DType::Float : scale.dtype;
    check(
        out == DType::Float || out == DType::Float16 || out == DType::BFloat16,
        std::string("x_scale must be float, float16, bfloat16 or float8e8m0, got ") + dtypeName(scale.dtype));
    const QuantLayout layout = resolveQuantLayout(x.shape, scale.shape, axis_, blockSize_, "x_scale");
    const std::vector<float> s = readFloats(scale, "x_scale");
    Tensor& y = ctx.allocOutput(0, out, x.shape);
    if (x.numel() == 0) return;

    dispatchTypes<float, Half, BFloat16>(out, "DequantizeLinear", [&](auto otag) {
      using O = typename decltype(otag)::type;
      O* yp = y.as<O>();
      if (lowBit) {  // decode through a table of every code's value
        const std::vector<float> z = zp ? readFloats(*zp, "x_zero_point") : std::vector<float>(s.size(), 0.f);
        std::array<float, 256> table;
        const int codes = 1 << lowbit::bitsOf(x.dtype);
        for (int c = 0; c < codes; ++c) {
          const uint8_t code = static_cast<uint8_t>(c);
          table[c] = lowbit::toFloat(x.dtype, &code, 0);
        }
        const uint8_t* xp = x.as<uint8_t>();
        forEachRun(layout, ctx.threads(), [&](int64_t b, int64_t len, int64_t first, int64_t step) {
          for (int64_t j = 0; j < len; ++j) {
            const int64_t si = first + j * step;
            yp[b + j] = fromFloat<O>((table[lowbit::getCode(x.dtype, xp, b + j)] - z[si]) * s[si]);
          }
        });
        return;
      }
      const std::vector<int32_t> z =
          zp ? readQuantInts(*zp, "x_zero_point") : std::vector<int32_t>(s.size(), 0);
      dispatchTypes<int8_t, uint8_t, int16_t, uint16_t, int32_t>(x.dtype, "DequantizeLinear", [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* xp = x.as<T>();
        forEachRun(layout, ctx.threads(), [&](int64_t b, int64_t len, int64_t first, int64_t step) {
          for (int64_t j = 0; j < len; ++j) {
            const int64_t si = first + j * step;
            const float d = static_cast<float>(static_cast<int64_t>(xp[b + j]) - z[si]);
            yp[b + j] = fromFloat<O>(d * s[si]);
          }
        });
      });
    });
  }

 private:
  int64_t axis_, blockSize_, outputDtype_;
};

ONNX_CPU_KERNEL("DequantizeLinear", 10, DequantizeLinearKernel);
ONNX_CPU_KERNEL("DequantizeLinear", 13, DequantizeLinearKernel);
ONNX_CPU_KERNEL("DequantizeLinear", 19, DequantizeLinearKernel);
ONNX_CPU_KERNEL("DequantizeLinear", 21, DequantizeLinearKernel);
ONNX_CPU_KERNEL("DequantizeLinear", 23, DequantizeLinearKernel);
ONNX_CPU_KERNEL("DequantizeLinear", 24, DequantizeLinearKernel);
ONNX_CPU_KERNEL("DequantizeLinear", 25, DequantizeLinearKernel);

}  // namespace
}  // namespace onnxfleet
