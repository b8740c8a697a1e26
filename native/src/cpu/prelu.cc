// PRelu: y = x < 0 ? slope * x : x, with slope broadcast unidirectionally to x (opset 7+). Before opset 7
// a 1-D slope of C values means one slope per channel (dim 1), as in the Caffe-era models.
#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

struct PReluFn {
  template <typename F>
  F operator()(F x, F slope) const {
    return x < F(0) ? slope * x : x;
  }
};

class PReluKernel : public Kernel {
 public:
  PReluKernel(const NodeDesc& n, const CompileContext&) : legacy_(n.opset < 7) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor slope = ctx.input(1);
    check(slope.dtype == x.dtype, std::string("slope dtype ") + dtypeName(slope.dtype) +
                                      " differs from X dtype " + dtypeName(x.dtype));
    if (legacy_ && slope.rank() == 1 && x.rank() >= 2 && slope.shape[0] == x.shape[1] &&
        slope.shape[0] != 1 && !broadcastsTo(slope.shape, x.shape)) {
      slope.shape.resize(static_cast<size_t>(x.rank() - 1), 1);  // [C] -> [C,1,...,1]
    }
    check(broadcastsTo(slope.shape, x.shape),
          "slope " + shapeToString(slope.shape) + " does not broadcast to X " + shapeToString(x.shape));
    dispatchTypes<ONNXFLEET_FLOAT_TYPES, int32_t, int64_t, uint32_t, uint64_t>(
        x.dtype, "PRelu", [&](auto tag) {
          using T = typename decltype(tag)::type;
          Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
          binaryBroadcastSame<T>(x, slope, y, ctx.threads(), PReluFn{});
        });
  }

 private:
  bool legacy_;
};

ONNX_CPU_KERNEL("PRelu", 1, PReluKernel);
ONNX_CPU_KERNEL("PRelu", 6, PReluKernel);
ONNX_CPU_KERNEL("PRelu", 7, PReluKernel);
ONNX_CPU_KERNEL("PRelu", 9, PReluKernel);
ONNX_CPU_KERNEL("PRelu", 16, PReluKernel);

}  // namespace
}  // namespace onnxfleet
