// Binarizer (ai.onnx.ml): y = x > threshold ? 1 : 0, same type as x (float, double, int64, int32). NaN maps
// to 0.
#include "core/kernel.h"
#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

class BinarizerKernel : public Kernel {
 public:
  BinarizerKernel(const NodeDesc& n, const CompileContext&) : threshold_(n.getFloat("threshold", 0.f)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchTypes<float, double, int64_t, int32_t>(x.dtype, "Binarizer", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      const double t = threshold_;
      parallelFor(ctx.threads(), x.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) dst[i] = static_cast<double>(src[i]) > t ? T(1) : T(0);
      });
    });
  }

 private:
  float threshold_;
};

ONNXFLEET_KERNEL("ai.onnx.ml", "Binarizer", 1, "cpu", BinarizerKernel);

}  // namespace
}  // namespace onnxfleet
