// Clip: y = min(max(x, min), max). Before opset 11 min/max are float attributes; from 11 they are optional
// scalar inputs of the input's type (absent = the type's lowest/highest). When min > max every element
// becomes max, as the spec says.
#include <limits>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

class ClipKernel : public Kernel {
 public:
  ClipKernel(const NodeDesc& n, const CompileContext&)
      : fromInputs_(n.opset >= 11),
        attrMin_(n.getFloat("min", std::numeric_limits<float>::lowest())),
        attrMax_(n.getFloat("max", std::numeric_limits<float>::max())) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "Clip", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;  // float for float16/bfloat16
      C lo = std::numeric_limits<C>::lowest(), hi = std::numeric_limits<C>::max();
      if (fromInputs_) {
        if (ctx.hasInput(1)) lo = bound<T>(ctx.input(1), x, "min");
        if (ctx.hasInput(2)) hi = bound<T>(ctx.input(2), x, "max");
      } else {
        lo = static_cast<C>(attrMin_);
        hi = static_cast<C>(attrMax_);
      }
      Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
      unaryMap(x.as<T>(), y.as<T>(), x.numel(), ctx.threads(), [lo, hi](C v) {
        v = v < lo ? lo : v;  // NaN passes through both comparisons
        return v > hi ? hi : v;
      });
    });
  }

 private:
  template <typename T>
  static typename ComputeType<T>::type bound(const Tensor& t, const Tensor& x, const char* what) {
    check(t.dtype == x.dtype, std::string("Clip ") + what + " has dtype " + dtypeName(t.dtype) +
                                  ", input has " + dtypeName(x.dtype));
    check(t.numel() == 1,
          std::string("Clip ") + what + " must be a scalar, got shape " + shapeToString(t.shape));
    if constexpr (kIsHalfLike<T>) {
      return toFloat(t.as<T>()[0]);
    } else {
      return t.as<T>()[0];
    }
  }

  bool fromInputs_;
  float attrMin_, attrMax_;
};

ONNX_CPU_KERNEL("Clip", 1, ClipKernel);
ONNX_CPU_KERNEL("Clip", 6, ClipKernel);
ONNX_CPU_KERNEL("Clip", 11, ClipKernel);
ONNX_CPU_KERNEL("Clip", 12, ClipKernel);
ONNX_CPU_KERNEL("Clip", 13, ClipKernel);

}  // namespace
}  // namespace onnxfleet
