// NegativeLogLikelihoodLoss (opsets 12, 13, 22; only the type lists differ): input [N, C, d1..dk] holds
// log-probabilities, target [N, d1..dk] class labels, optional weight [C]. Reduction none/sum/mean; samples
// whose label equals ignore_index contribute nothing (and no weight to the mean).
#include "core/kernel.h"
#include "cpu/loss/loss_common.h"

namespace onnxfleet {
namespace {

class NegativeLogLikelihoodLossKernel : public Kernel {
 public:
  NegativeLogLikelihoodLossKernel(const NodeDesc& node, const CompileContext&) : attrs_(node) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& labelsT = ctx.input(1);
    const Tensor* weights = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    const LossDims dims = lossDims(x, labelsT, weights);
    const std::vector<int64_t> labels = readLabels(labelsT, dims.c, attrs_);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "NegativeLogLikelihoodLoss", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* px = x.as<T>();
      std::vector<double> picked(labels.size(), 0.0);
      for (int64_t n = 0; n < dims.n; ++n) {
        for (int64_t d = 0; d < dims.d; ++d) {
          const size_t i = static_cast<size_t>(n * dims.d + d);
          if (attrs_.ignored(labels[i])) continue;
          picked[i] = static_cast<double>(Num<T>::load(px[(n * dims.c + labels[i]) * dims.d + d]));
        }
      }
      writeLoss<T>(ctx, attrs_, labelsT, labels, picked, weights);
    });
  }

 private:
  LossAttrs attrs_;
};

ONNX_CPU_KERNEL("NegativeLogLikelihoodLoss", 12, NegativeLogLikelihoodLossKernel);
ONNX_CPU_KERNEL("NegativeLogLikelihoodLoss", 13, NegativeLogLikelihoodLossKernel);
ONNX_CPU_KERNEL("NegativeLogLikelihoodLoss", 22, NegativeLogLikelihoodLossKernel);

}  // namespace
}  // namespace onnxfleet
