// Adagrad (ai.onnx.preview.training opset 1): one step for k tensors. Inputs R, T, X_1..X_k, G_1..G_k,
// H_1..H_k; outputs X_new_1..X_new_k, H_new_1..H_new_k. With r = R / (1 + T * decay_factor) and
// g = norm_coefficient * X + G: H_new = H + g^2, X_new = X - r * g / (sqrt(H_new) + epsilon).
#include "cpu/training/optimizer_util.h"

namespace onnxfleet {
namespace {

class AdagradKernel : public Kernel {
 public:
  AdagradKernel(const NodeDesc& node, const CompileContext&)
      : decay_(node.getFloat("decay_factor", 0.0f)),
        epsilon_(node.getFloat("epsilon", 0.0f)),
        norm_(node.getFloat("norm_coefficient", 0.0f)) {}

  void compute(KernelContext& ctx) override {
    const OptimizerStep s = readOptimizerInputs(ctx, 3, 2, "Adagrad");
    const double rate = s.r / (1.0 + static_cast<double>(s.t) * decay_);
    forEachOptimized(ctx, s, "Adagrad", [&](auto tag, int64_t i, const Tensor& xt) {
      using T = typename decltype(tag)::type;
      const int k = static_cast<int>(s.k), j = static_cast<int>(i);
      const T* x = xt.as<T>();
      const T* g = ctx.input(2 + k + j).as<T>();
      const T* h = ctx.input(2 + 2 * k + j).as<T>();
      T* xo = ctx.allocOutput(j, xt.dtype, xt.shape).as<T>();
      T* ho = ctx.allocOutput(k + j, xt.dtype, xt.shape).as<T>();
      const T r = static_cast<T>(rate), eps = static_cast<T>(epsilon_), norm = static_cast<T>(norm_);
      parallelFor(ctx.threads(), xt.numel(), 16384, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const T gr = norm * x[p] + g[p];
          const T hn = h[p] + gr * gr;
          ho[p] = hn;
          xo[p] = x[p] - r * gr / (std::sqrt(hn) + eps);
        }
      });
    });
  }

 private:
  double decay_, epsilon_, norm_;
};

ONNXFLEET_KERNEL("ai.onnx.preview.training", "Adagrad", 1, "cpu", AdagradKernel);

}  // namespace
}  // namespace onnxfleet
