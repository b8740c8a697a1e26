// Dropout. Inference (every opset, and opset 12+ unless training_mode is true): the output aliases the input
// and the optional mask is all ones (bool from opset 10, the data type before). With training_mode true a
// random mask keeps each element with probability 1 - ratio and scales kept ones by 1 / (1 - ratio).
// ratio == 0 and inference both alias the input.
#include <random>

#include "core/kernel.h"
#include "cpu/util/numpy_random.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class DropoutKernel : public Kernel {
 public:
  DropoutKernel(const NodeDesc& n, const CompileContext&)
      : version_(n.sinceVersion),
        ratio_(n.getFloat("ratio", 0.5f)),
        hasSeed_(n.has("seed")),
        seed_(n.getInt("seed", 0)) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const DType maskType = version_ >= 10 ? DType::Bool : x.dtype;
    bool training = false;
    float ratio = ratio_;
    if (version_ >= 12) {
      if (ctx.hasInput(2)) {
        const Tensor& t = ctx.input(2);
        check(t.dtype == DType::Bool && t.numel() == 1, "training_mode must be a bool scalar");
        training = t.as<bool>()[0];
      }
      if (ctx.hasInput(1)) {
        const Tensor& r = ctx.input(1);
        check(r.numel() == 1, "ratio must be a scalar");
        dispatchTypes<ONNXFLEET_FLOAT_TYPES>(r.dtype, "Dropout ratio", [&](auto tag) {
          using T = typename decltype(tag)::type;
          ratio = toFloat(r.as<T>()[0]);
        });
      }
    }
    if (!training || ratio == 0.f) {
      ctx.setOutput(0, x);
      if (ctx.wantsOutput(1)) {
        Tensor& m = ctx.allocOutput(1, maskType, x.shape);
        if (maskType == DType::Bool) {
          std::memset(m.data, 1, m.bytes());
        } else {
          dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(maskType, "Dropout mask", [&](auto tag) {
            using T = typename decltype(tag)::type;
            std::fill(m.as<T>(), m.as<T>() + m.numel(), storeC<T>(1));
          });
        }
      }
      return;
    }
    check(ratio >= 0.f && ratio < 1.f, "ratio must be in [0, 1), got " + std::to_string(ratio));
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    Tensor& m = ctx.allocOutput(1, DType::Bool, x.shape);
    // The same stream as numpy's RandomState(seed).uniform(0, 1) (MT19937, 53-bit doubles), so a seeded
    // run reproduces the reference outputs; an element is kept when its draw is >= ratio.
    NumpyRandomState rng(hasSeed_ ? static_cast<uint32_t>(seed_) : std::random_device{}());
    const float scale = 1.f / (1.f - ratio);
    bool* mk = m.as<bool>();
    for (int64_t i = 0; i < x.numel(); ++i) mk[i] = rng.nextDouble() >= ratio;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "Dropout", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* s = x.as<T>();
      T* d = y.as<T>();
      for (int64_t i = 0; i < x.numel(); ++i)
        d[i] = mk[i] ? fromFloat<T>(toFloat(s[i]) * scale) : fromFloat<T>(0.f);
    });
  }

 private:
  int version_;
  float ratio_;
  bool hasSeed_;
  int64_t seed_;
};

ONNX_CPU_KERNEL("Dropout", 1, DropoutKernel);
ONNX_CPU_KERNEL("Dropout", 7, DropoutKernel);
ONNX_CPU_KERNEL("Dropout", 10, DropoutKernel);
ONNX_CPU_KERNEL("Dropout", 12, DropoutKernel);

}  // namespace
}  // namespace onnxfleet
