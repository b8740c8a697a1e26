// Adam (ai.onnx.preview.training opset 1): one step for k tensors. Inputs R, T, X_1..X_k, G_1..G_k,
// V_1..V_k, H_1..H_k; outputs X_new_*, V_new_*, H_new_*. With g = norm_coefficient * X + G:
//   V_new = alpha * V + (1 - alpha) * g,  H_new = beta * H + (1 - beta) * g^2,
//   r = T > 0 ? R * sqrt(1 - beta^T) / (1 - alpha^T) : R,
//   X_new = (1 - norm_coefficient_post) * (X - r * V_new / (sqrt(H_new) + epsilon)).
#include <cmath>

#include "cpu/training/optimizer_util.h"

namespace onnxfleet {
namespace {

class AdamKernel : public Kernel {
 public:
  AdamKernel(const NodeDesc& node, const CompileContext&)
      : alpha_(node.getFloat("alpha", 0.9f)),
        beta_(node.getFloat("beta", 0.999f)),
        epsilon_(node.getFloat("epsilon", 0.0f)),
        norm_(node.getFloat("norm_coefficient", 0.0f)),
        normPost_(node.getFloat("norm_coefficient_post", 0.0f)) {}

  void compute(KernelContext& ctx) override {
    const OptimizerStep s = readOptimizerInputs(ctx, 4, 3, "Adam");
    double rate = s.r;
    if (s.t > 0) {
      const double t = static_cast<double>(s.t);
      rate = s.r * std::sqrt(1.0 - std::pow(beta_, t)) / (1.0 - std::pow(alpha_, t));
    }
    forEachOptimized(ctx, s, "Adam", [&](auto tag, int64_t i, const Tensor& xt) {
      using T = typename decltype(tag)::type;
      const int k = static_cast<int>(s.k), j = static_cast<int>(i);
      const T* x = xt.as<T>();
      const T* g = ctx.input(2 + k + j).as<T>();
      const T* v = ctx.input(2 + 2 * k + j).as<T>();
      const T* h = ctx.input(2 + 3 * k + j).as<T>();
      T* xo = ctx.allocOutput(j, xt.dtype, xt.shape).as<T>();
      T* vo = ctx.allocOutput(k + j, xt.dtype, xt.shape).as<T>();
      T* ho = ctx.allocOutput(2 * k + j, xt.dtype, xt.shape).as<T>();
      const T r = static_cast<T>(rate), eps = static_cast<T>(epsilon_), norm = static_cast<T>(norm_);
      const T a = static_cast<T>(alpha_), b = static_cast<T>(beta_), post = static_cast<T>(1.0 - normPost_);
      parallelFor(ctx.threads(), xt.numel(), 16384, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          const T gr = norm * x[p] + g[p];
          const T vn = a * v[p] + (T(1) - a) * gr;
          const T hn = b * h[p] + (T(1) - b) * gr * gr;
          vo[p] = vn;
          ho[p] = hn;
          xo[p] = post * (x[p] - r * vn / (std::sqrt(hn) + eps));
        }
      });
    });
  }

 private:
  double alpha_, beta_, epsilon_, norm_, normPost_;
};

ONNXFLEET_KERNEL("ai.onnx.preview.training", "Adam", 1, "cpu", AdamKernel);

}  // namespace
}  // namespace onnxfleet
