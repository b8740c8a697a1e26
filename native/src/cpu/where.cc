// Where: out = cond ? X : Y with numpy broadcasting of all three inputs; any element type, strings included.
#include <string>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

class WhereKernel : public Kernel {
 public:
  WhereKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& c = ctx.input(0);
    const Tensor& x = ctx.input(1);
    const Tensor& y = ctx.input(2);
    check(c.dtype == DType::Bool, std::string("condition must be bool, got ") + dtypeName(c.dtype));
    check(x.dtype == y.dtype,
          std::string("X and Y dtypes differ: ") + dtypeName(x.dtype) + " and " + dtypeName(y.dtype));
    const Shape shape = broadcastShapes({&c.shape, &x.shape, &y.shape});
    // Elements are selected, never computed on: dispatch on size only (strings need their own copy).
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.allocOutput(0, x.dtype, shape);
      ternaryBroadcast<uint8_t, T, T, T>(c, x, y, out, ctx.threads(),
                                         [](uint8_t k, const T& a, const T& b) -> T { return k ? a : b; });
    };
    if (x.dtype == DType::String) return run(Tag<std::string>{});
    switch (dtypeBits(x.dtype)) {
      case 8:
        return run(Tag<uint8_t>{});
      case 16:
        return run(Tag<uint16_t>{});
      case 32:
        return run(Tag<uint32_t>{});
      case 64:
        return run(Tag<uint64_t>{});
      default:
        throw Error(std::string("unsupported dtype ") + dtypeName(x.dtype) + " for Where");
    }
  }
};

ONNX_CPU_KERNEL("Where", 9, WhereKernel);
ONNX_CPU_KERNEL("Where", 16, WhereKernel);

}  // namespace
}  // namespace onnxfleet
