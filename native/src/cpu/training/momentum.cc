// Momentum (ai.onnx.preview.training opset 1): one step of SGD with momentum for k tensors. Inputs R, T,
// X_1..X_k, G_1..G_k, V_1..V_k; outputs X_new_*, V_new_*. With g = norm_coefficient * X + G and
// b = T > 0 ? beta : 1: V_new = alpha * V + b * g; X_new = X - R * V_new (mode "standard") or
// X_new = X - R * (g + alpha * V_new) (mode "nesterov").
#include "cpu/training/optimizer_util.h"

namespace onnxfleet {
namespace {

class MomentumKernel : public Kernel {
 public:
  MomentumKernel(const NodeDesc& node, const CompileContext&)
      : alpha_(node.required("alpha").f),
        beta_(node.required("beta").f),
        norm_(node.required("norm_coefficient").f) {
    const std::string mode = node.required("mode").s;
    check(mode == "standard" || mode == "nesterov",
          "mode must be 'standard' or 'nesterov', got '" + mode + "'");
    nesterov_ = mode == "nesterov";
  }

  void compute(KernelContext& ctx) override {
    const OptimizerStep s = readOptimizerInputs(ctx, 3, 2, "Momentum");
    const double betaAdj = s.t > 0 ? beta_ : 1.0;
    forEachOptimized(ctx, s, "Momentum", [&](auto tag, int64_t i, const Tensor& xt) {
      using T = typename decltype(tag)::type;
      const int k = static_cast<int>(s.k), j = static_cast<int>(i);
      const T* x = xt.as<T>();
      const T* g = ctx.input(2 + k + j).as<T>();
      const T* v = ctx.input(2 + 2 * k + j).as<T>();
      T* xo = ctx.allocOutput(j, xt.dtype, xt.shape).as<T>();
      T* vo = ctx.allocOutput(k + j, xt.dtype, xt.shape).as<T>();
      const T r = static_cast<T>(s.r), a = static_cast<T>(alpha_), b = static_cast<T>(betaAdj);
      const T norm = static_cast<T>(norm_);
      const bool nesterov = nesterov_;
      parallelFor(ctx.threads(), xt.numel(), 16384, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p) {
          const T gr = norm * x[p] + g[p];
          const T vn = a * v[p] + b * gr;
          vo[p] = vn;
          xo[p] = nesterov ? x[p] - r * (gr + a * vn) : x[p] - r * vn;
        }
      });
    });
  }

 private:
  double alpha_, beta_, norm_;
  bool nesterov_ = false;
};

ONNXFLEET_KERNEL("ai.onnx.preview.training", "Momentum", 1, "cpu", MomentumKernel);

}  // namespace
}  // namespace onnxfleet
