// QLinearConv (opset 10): y = quantize(conv(x - x_zp, w - w_zp) + B) * x_scale * w_scale / y_scale, y_zp)
// with int32 accumulation. x, w, y are int8 or uint8; w's scale and zero point are one value or one per
// output channel, the others one value; B is int32 per output channel (already at scale x_scale * w_scale).
// The multiplier is formed in float and applied in double; rounding is half to even, then saturation.
#include <algorithm>

#include "core/parallel.h"
#include "cpu/quant/int_conv.h"
#include "cpu/quant/quant_util.h"

namespace onnxfleet {
namespace {

float single(KernelContext& ctx, int i, const char* what) {
  const Tensor& t = ctx.input(i);
  check(t.numel() == 1, std::string(what) + " must have one element, got " + shapeToString(t.shape));
  return readFloats(t, what)[0];
}

class QLinearConvKernel : public Kernel {
 public:
  QLinearConvKernel(const NodeDesc& node, const CompileContext&) : attrs_(node) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(3);
    check(isInt8Type(x.dtype) && isInt8Type(w.dtype), std::string("x and w must be int8 or uint8, got ") +
                                                          dtypeName(x.dtype) + " and " + dtypeName(w.dtype));
    const Tensor* bias = ctx.hasInput(8) ? &ctx.input(8) : nullptr;
    if (bias)
      check(bias->dtype == DType::Int32, std::string("B must be int32, got ") + dtypeName(bias->dtype));
    const ConvGeometry g = resolveConv(attrs_, x.shape, w.shape, bias ? &bias->shape : nullptr);
    const float xs = single(ctx, 1, "x_scale"), ys = single(ctx, 6, "y_scale");
    check(ctx.input(2).dtype == x.dtype, "x_zero_point must have x's type");
    const int32_t xzp = static_cast<int32_t>(single(ctx, 2, "x_zero_point"));
    const Tensor& wsT = ctx.input(4);
    const Tensor& wzT = ctx.input(5);
    check(wsT.numel() == 1 || wsT.numel() == g.m,
          "w_scale must have 1 or " + std::to_string(g.m) + " elements, got " + shapeToString(wsT.shape));
    check(wzT.dtype == w.dtype && (wzT.numel() == 1 || wzT.numel() == g.m),
          "w_zero_point must be 1 or " + std::to_string(g.m) + " values of w's type, got " + wzT.describe());
    const std::vector<float> ws = readFloats(wsT, "w_scale");
    const std::vector<int32_t> wzp = readQuantInts(wzT, "w_zero_point");
    DType out = x.dtype;
    int32_t yzp = 0;
    if (ctx.hasInput(7)) {
      out = ctx.input(7).dtype;
      check(isInt8Type(out), std::string("y_zero_point must be int8 or uint8, got ") + dtypeName(out));
      yzp = static_cast<int32_t>(single(ctx, 7, "y_zero_point"));
    }
    int32_t lo = out == DType::Int8 ? -128 : 0, hi = out == DType::Int8 ? 127 : 255;

    Tensor& y = ctx.allocOutput(0, out, g.outShape());
    if (y.numel() == 0) return;
    Tensor acc = ctx.scratch(DType::Int32, g.outShape());
    intConv(gemm_, ctx, g, x, xzp, w, wzp.data(), wzp.size() > 1 ? 1 : 0, acc.as<int32_t>());
    std::vector<float> mult(static_cast<size_t>(g.m));
    for (int64_t m = 0; m < g.m; ++m) mult[m] = xs * ws[ws.size() > 1 ? m : 0] / ys;
    const int64_t outSize = y.numel() / (g.n * g.m);
    const int32_t* a = acc.as<int32_t>();
    const int32_t* b = bias ? bias->as<int32_t>() : nullptr;
    uint8_t* yp = y.as<uint8_t>();
    parallelFor(ctx.threads(), g.n * g.m, std::max<int64_t>(1, 16384 / outSize), [&](int64_t rb, int64_t re) {
      for (int64_t r = rb; r < re; ++r) {
        const int64_t m = r % g.m;
        const double mu = mult[m];
        const int32_t bm = b ? b[m] : 0;
        for (int64_t i = r * outSize; i < (r + 1) * outSize; ++i) {
          const int32_t v = static_cast<int32_t>(static_cast<uint32_t>(a[i]) + static_cast<uint32_t>(bm));
          yp[i] = static_cast<uint8_t>(roundClamp(v * mu, yzp, lo, hi));
        }
      }
    });
  }

 private:
  ConvAttrs attrs_;
  IntGemm gemm_;
};

ONNX_CPU_KERNEL("QLinearConv", 10, QLinearConvKernel);

}  // namespace
}  // namespace onnxfleet
