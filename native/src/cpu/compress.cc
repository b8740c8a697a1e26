// Compress: keeps the slices along `axis` (or the flattened elements, without an axis) whose condition
// entry is true. A condition shorter than the dim drops the rest; true entries past the dim are an error.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class CompressKernel : public Kernel {
 public:
  CompressKernel(const NodeDesc& n, const CompileContext&)
      : hasAxis_(n.has("axis")), axis_(n.getInt("axis", 0)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& cond = ctx.input(1);
    check(cond.dtype == DType::Bool && cond.rank() == 1, "condition must be a 1-D bool tensor");
    const Shape shape = hasAxis_ ? x.shape : Shape{x.numel()};
    check(!shape.empty(), "Compress with an axis needs rank >= 1");
    const int64_t axis = hasAxis_ ? normalizeAxis(axis_, x.rank()) : 0;
    const int64_t dim = shape[axis];
    const bool* c = cond.as<bool>();
    std::vector<int64_t> keep;
    for (int64_t i = 0; i < cond.numel(); ++i) {
      if (!c[i]) continue;
      check(i < dim, "condition is true at " + std::to_string(i) + ", past dim " + std::to_string(dim));
      keep.push_back(i);
    }
    Shape out = shape;
    out[axis] = static_cast<int64_t>(keep.size());
    const int64_t outer = dimProduct(shape, 0, axis), inner = dimProduct(shape, axis + 1, shape.size());
    const int64_t nk = out[axis];
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    dispatchStorage(x.dtype, "Compress", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* s = x.as<S>();
      S* d = y.as<S>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < nk; ++j)
          copyN(d + (o * nk + j) * inner, s + (o * dim + keep[j]) * inner, inner);
    });
  }

 private:
  bool hasAxis_;
  int64_t axis_;
};

ONNX_CPU_KERNEL("Compress", 9, CompressKernel);
ONNX_CPU_KERNEL("Compress", 11, CompressKernel);

}  // namespace
}  // namespace onnxfleet
