// StringConcat: elementwise x + y over string tensors with numpy broadcasting.
#include <string>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

class StringConcatKernel : public Kernel {
 public:
  StringConcatKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    check(x.dtype == DType::String && y.dtype == DType::String,
          std::string("StringConcat inputs must be string, got ") + dtypeName(x.dtype) + " and " +
              dtypeName(y.dtype));
    Tensor& z = ctx.allocOutput(0, DType::String, broadcastShapes(x.shape, y.shape));
    binaryBroadcast<std::string, std::string, std::string>(
        x, y, z, ctx.threads(), [](const std::string& a, const std::string& b) { return a + b; });
  }
};

ONNX_CPU_KERNEL("StringConcat", 20, StringConcatKernel);

}  // namespace
}  // namespace onnxfleet
