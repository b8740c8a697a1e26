// ArrayFeatureExtractor (ai.onnx.ml): Z[..., j] = X[..., Y[j]] with the indices Y (int64, any shape) taken
// along X's last axis. A 1-D X gives a [1, K] result, as onnxruntime and the ONNX reference do.
#include <string>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class ArrayFeatureExtractorKernel : public Kernel {
 public:
  ArrayFeatureExtractorKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    check(x.rank() >= 1, "ArrayFeatureExtractor: X must have rank >= 1");
    check(y.dtype == DType::Int64,
          std::string("ArrayFeatureExtractor: Y must be int64, got ") + dtypeName(y.dtype));
    const int64_t c = x.shape.back(), k = y.numel(), rows = x.numel() / std::max<int64_t>(c, 1);
    const int64_t* idx = y.as<int64_t>();
    for (int64_t j = 0; j < k; ++j)
      check(idx[j] >= 0 && idx[j] < c, "ArrayFeatureExtractor: index " + std::to_string(idx[j]) +
                                           " is out of range for a last dim of " + std::to_string(c));
    Shape out = x.rank() == 1 ? Shape{1, k} : Shape(x.shape.begin(), x.shape.end() - 1);
    if (x.rank() > 1) out.push_back(k);
    Tensor& z = ctx.allocOutput(0, x.dtype, out);
    if (z.numel() == 0) return;
    dispatchStorage(x.dtype, "ArrayFeatureExtractor", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* src = x.as<S>();
      S* dst = z.as<S>();
      parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 16384 / k), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r)
          for (int64_t j = 0; j < k; ++j) dst[r * k + j] = src[r * c + idx[j]];
      });
    });
  }
};

ONNXFLEET_KERNEL("ai.onnx.ml", "ArrayFeatureExtractor", 1, "cpu", ArrayFeatureExtractorKernel);

}  // namespace
}  // namespace onnxfleet
