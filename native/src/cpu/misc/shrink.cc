// Shrink: y = x + bias where x < -lambd, y = x - bias where x > lambd, 0 elsewhere. Floats compute in their
// own precision (16-bit floats in float); integers compute in double and convert back.
#include <type_traits>

#include "core/kernel.h"
#include "cpu/util/elementwise.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class ShrinkKernel : public Kernel {
 public:
  ShrinkKernel(const NodeDesc& n, const CompileContext&)
      : lambd_(n.getFloat("lambd", 0.5f)), bias_(n.getFloat("bias", 0.0f)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "Shrink", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C0 = typename ComputeType<T>::type;
      using C = std::conditional_t<std::is_integral_v<C0>, double, C0>;
      const C lo = static_cast<C>(-lambd_), hi = static_cast<C>(lambd_), b = static_cast<C>(bias_);
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      parallelFor(ctx.threads(), x.numel(), kElementwiseGrain, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) {
          const C v = static_cast<C>(loadC(src[i]));
          const C r = v < lo ? v + b : (v > hi ? v - b : C(0));
          dst[i] = storeC<T>(static_cast<C0>(r));
        }
      });
    });
  }

 private:
  float lambd_, bias_;
};

ONNX_CPU_KERNEL("Shrink", 9, ShrinkKernel);

}  // namespace
}  // namespace onnxfleet
