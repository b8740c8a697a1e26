// HannWindow, HammingWindow, BlackmanWindow (opset 17): generalized cosine windows
//   w[k] = a0 - a1 cos(2 pi k / N) + a2 cos(4 pi k / N),  k in [0, size),
// with N = size when periodic (default) and size - 1 when symmetric (a symmetric window of size 1 is [1]).
// Computed in double and converted to output_datatype (default float; integer types truncate).
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

struct CosineWindow {
  double a0, a1, a2;
};

template <const CosineWindow& W>
class WindowKernel : public Kernel {
 public:
  WindowKernel(const NodeDesc& n, const CompileContext&)
      : periodic_(n.getInt("periodic", 1) != 0), dtype_(static_cast<DType>(n.getInt("output_datatype", 1))) {
    const DType d = dtype_;
    check(d == DType::Float || d == DType::Double || d == DType::Float16 || d == DType::BFloat16 ||
              (d >= DType::UInt8 && d <= DType::Int64) || d == DType::UInt32 || d == DType::UInt64,
          "output_datatype must be a numeric type, got " + std::to_string(static_cast<int>(d)));
  }

  void compute(KernelContext& ctx) override {
    const int64_t size = readScalarInt(ctx.input(0), "size");
    check(size >= 0, "size must not be negative, got " + std::to_string(size));
    Tensor& y = ctx.allocOutput(0, dtype_, {size});
    const double denom = static_cast<double>(periodic_ ? size : size - 1);
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(dtype_, "window output", [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = y.as<T>();
      for (int64_t k = 0; k < size; ++k) {
        double v = 1.0;
        if (denom > 0) {
          const double a = 2.0 * M_PI * static_cast<double>(k) / denom;
          v = W.a0 - W.a1 * std::cos(a) + W.a2 * std::cos(2.0 * a);
        }
        out[k] = storeC<T>(static_cast<typename ComputeType<T>::type>(v));
      }
    });
  }

 private:
  bool periodic_;
  DType dtype_;
};

constexpr CosineWindow kHann{0.5, 0.5, 0.0};
constexpr CosineWindow kHamming{25.0 / 46.0, 21.0 / 46.0, 0.0};
constexpr CosineWindow kBlackman{0.42, 0.5, 0.08};

ONNX_CPU_KERNEL("HannWindow", 17, WindowKernel<kHann>);
ONNX_CPU_KERNEL("HammingWindow", 17, WindowKernel<kHamming>);
ONNX_CPU_KERNEL("BlackmanWindow", 17, WindowKernel<kBlackman>);

}  // namespace
}  // namespace onnxfleet
