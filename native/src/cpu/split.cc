// Split: each output takes one contiguous block per outer index. Split sizes come from the `split`
// attribute (1, 2, 11), the optional `split` input (1 and 13+), or equal parts: exact before 18,
// ceil-sized with a smaller last part from 18 (num_outputs).
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class SplitKernel : public Kernel {
 public:
  SplitKernel(const NodeDesc& n, const CompileContext&)
      : version_(n.sinceVersion),
        axis_(n.getInt("axis", 0)),
        hasAttr_(n.has("split")),
        split_(n.getInts("split")),
        numOutputs_(n.getInt("num_outputs", 0)) {
    if (version_ >= 18 && numOutputs_ > 0)
      check(numOutputs_ == static_cast<int64_t>(n.outputs.size()),
            "num_outputs " + std::to_string(numOutputs_) + " does not match the " +
                std::to_string(n.outputs.size()) + " outputs");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() > 0, "cannot split a scalar");
    const int64_t axis = normalizeAxis(axis_, x.rank());
    const int64_t dim = x.shape[axis];
    const int64_t nOut = ctx.numOutputs();
    std::vector<int64_t> sizes;
    const bool splitInput = (version_ < 2 || version_ >= 13) && ctx.hasInput(1);
    if (splitInput) {
      const Tensor& s = ctx.input(1);
      if (isIndexType(s.dtype)) {
        sizes = readInts(s, "split");
      } else {  // Split-1 allowed a float tensor here
        dispatchTypes<ONNXFLEET_FLOAT_TYPES>(s.dtype, "Split sizes", [&](auto tag) {
          using T = typename decltype(tag)::type;
          for (int64_t i = 0; i < s.numel(); ++i)
            sizes.push_back(static_cast<int64_t>(toFloat(s.as<T>()[i])));
        });
      }
    } else if (hasAttr_ && version_ < 13) {
      sizes = split_;
    }
    if (!sizes.empty()) {  // an empty split input counts as absent
      check(
          static_cast<int64_t>(sizes.size()) == nOut,
          "split has " + std::to_string(sizes.size()) + " entries for " + std::to_string(nOut) + " outputs");
      int64_t sum = 0;
      for (int64_t v : sizes) {
        check(v >= 0, "negative split size " + std::to_string(v));
        sum += v;
      }
      check(sum == dim,
            "split sizes " + shapeToString(sizes) + " do not add up to dim " + std::to_string(dim));
    } else if (version_ >= 18) {
      const int64_t part = (dim + nOut - 1) / nOut;
      check(nOut > 0 && (part * (nOut - 1) < dim || dim == 0),
            "cannot split dim " + std::to_string(dim) + " into " + std::to_string(nOut) + " outputs");
      for (int64_t i = 0; i < nOut; ++i) sizes.push_back(std::min(part, dim - std::min(dim, part * i)));
    } else {
      check(nOut > 0 && dim % nOut == 0, "dim " + std::to_string(dim) + " does not split evenly into " +
                                             std::to_string(nOut) + " outputs");
      sizes.assign(nOut, dim / nOut);
    }
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis + 1, x.shape.size());
    const int64_t rowIn = dim * inner;
    int64_t start = 0;
    for (int64_t i = 0; i < nOut; ++i) {
      Shape s = x.shape;
      s[axis] = sizes[i];
      const int64_t n = sizes[i] * inner, first = start;
      start += n;
      if (!ctx.wantsOutput(i)) continue;
      Tensor& y = ctx.allocOutput(i, x.dtype, s);
      if (y.numel() == 0) continue;
      dispatchStorage(x.dtype, "Split", [&](auto tag) {
        using S = typename decltype(tag)::type;
        const S* src = x.as<S>() + first;
        S* dst = y.as<S>();
        parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
          for (int64_t o = b; o < e; ++o) copyN(dst + o * n, src + o * rowIn, n);
        });
      });
    }
  }

 private:
  int version_;
  int64_t axis_;
  bool hasAttr_;
  std::vector<int64_t> split_;
  int64_t numOutputs_;
};

ONNX_CPU_KERNEL("Split", 1, SplitKernel);
ONNX_CPU_KERNEL("Split", 2, SplitKernel);
ONNX_CPU_KERNEL("Split", 11, SplitKernel);
ONNX_CPU_KERNEL("Split", 13, SplitKernel);
ONNX_CPU_KERNEL("Split", 18, SplitKernel);

}  // namespace
}  // namespace onnxfleet
