// SwiGLU (opset 28): Y = A * sigmoid(alpha * A) * B for A and B of one shape and element type (no
// broadcasting). 16-bit floats compute in float.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

class SwiGluKernel : public Kernel {
 public:
  SwiGluKernel(const NodeDesc& n, const CompileContext&) : alpha_(n.getFloat("alpha", 1.0f)) {}

  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    check(a.dtype == b.dtype, std::string("A and B must have one element type, got ") + dtypeName(a.dtype) +
                                  " and " + dtypeName(b.dtype));
    check(a.shape == b.shape, "A " + shapeToString(a.shape) + " and B " + shapeToString(b.shape) +
                                  " must have the same shape (SwiGLU does not broadcast)");
    Tensor& y = ctx.allocOutput(0, a.dtype, a.shape);
    if (y.numel() == 0) return;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(a.dtype, "SwiGLU", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const C alpha = static_cast<C>(alpha_);
      binaryBroadcastSame<T>(a, b, y, ctx.threads(), [alpha](auto x, auto v) {
        using V = decltype(x);
        return static_cast<V>(x / (V(1) + std::exp(-static_cast<V>(alpha) * x)) * v);
      });
    });
  }

 private:
  float alpha_;
};

ONNX_CPU_KERNEL("SwiGLU", 28, SwiGluKernel);

}  // namespace
}  // namespace onnxfleet
