// ConvInteger (opset 10): Y = conv(X - x_zero_point, W - w_zero_point) in int32 (no bias), any number of
// spatial axes, groups, dilations, strides and padding (padding contributes zero). X and W are int8 or
// uint8; x_zero_point is one value, w_zero_point one value or one per output channel.
#include "cpu/quant/int_conv.h"
#include "cpu/quant/quant_util.h"

namespace onnxfleet {
namespace {

class ConvIntegerKernel : public Kernel {
 public:
  ConvIntegerKernel(const NodeDesc& node, const CompileContext&) : attrs_(node) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    check(isInt8Type(x.dtype) && isInt8Type(w.dtype), std::string("X and W must be int8 or uint8, got ") +
                                                          dtypeName(x.dtype) + " and " + dtypeName(w.dtype));
    const ConvGeometry g = resolveConv(attrs_, x.shape, w.shape, nullptr);
    int32_t xzp = 0;
    if (ctx.hasInput(2)) {
      const Tensor& z = ctx.input(2);
      check(z.dtype == x.dtype && z.numel() == 1,
            "x_zero_point must be one value of X's type, got " + z.describe());
      xzp = readQuantInts(z, "x_zero_point")[0];
    }
    std::vector<int32_t> wzp;
    if (ctx.hasInput(3)) {
      const Tensor& z = ctx.input(3);
      check(z.dtype == w.dtype && (z.numel() == 1 || z.numel() == g.m),
            "w_zero_point must be one value or one per output channel (" + std::to_string(g.m) +
                ") of W's type, got " + z.describe());
      wzp = readQuantInts(z, "w_zero_point");
    }
    Tensor& y = ctx.allocOutput(0, DType::Int32, g.outShape());
    if (y.numel() == 0) return;
    intConv(gemm_, ctx, g, x, xzp, w, wzp.empty() ? nullptr : wzp.data(), wzp.size() > 1 ? 1 : 0,
            y.as<int32_t>());
  }

 private:
  ConvAttrs attrs_;
  IntGemm gemm_;
};

ONNX_CPU_KERNEL("ConvInteger", 10, ConvIntegerKernel);

}  // namespace
}  // namespace onnxfleet
