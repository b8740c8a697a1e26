// CenterCropPad: crops or zero-pads the chosen axes to a target size, keeping the content centred. A crop
// starts at floor((in - out) / 2); padding puts floor((out - in) / 2) before and the rest after. Any element
// type (strings pad with "").
#include <cstring>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class CenterCropPadKernel : public Kernel {
 public:
  CenterCropPadKernel(const NodeDesc& n, const CompileContext&) : axes_(n.getInts("axes")) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const std::vector<int64_t> target = readInts(ctx.input(1), "shape");
    const int64_t rank = x.rank();
    std::vector<int64_t> axes = axes_;
    if (axes.empty())
      for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
    axes = normalizeAxes(axes, rank);
    check(target.size() == axes.size(), "CenterCropPad: shape has " + std::to_string(target.size()) +
                                            " values for " + std::to_string(axes.size()) + " axes");
    Shape out = x.shape;
    for (size_t i = 0; i < axes.size(); ++i) {
      check(target[i] >= 0, "CenterCropPad: negative target size " + std::to_string(target[i]));
      out[axes[i]] = target[i];
    }
    checkedNumel(out, "CenterCropPad output");
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    if (y.numel() == 0) return;
    if (x.dtype != DType::String) std::memset(y.data, 0, y.bytes());
    // Overlap region: its size, and where it starts in the input and in the output, per dim.
    std::vector<int64_t> len(rank), so(rank), dof(rank);
    for (int64_t d = 0; d < rank; ++d) {
      len[d] = std::min(x.shape[d], out[d]);
      so[d] = x.shape[d] > out[d] ? (x.shape[d] - out[d]) / 2 : 0;
      dof[d] = out[d] > x.shape[d] ? (out[d] - x.shape[d]) / 2 : 0;
      if (len[d] == 0) return;
    }
    if (rank == 0) return copyElements(x.dtype, y.data, x.data, 1, 1);
    const std::vector<int64_t> xs = contiguousStrides(x.shape), ys = contiguousStrides(out);
    const int64_t rows = dimProduct(Shape(len.begin(), len.end()), 0, rank - 1), run = len[rank - 1];
    dispatchStorage(x.dtype, "CenterCropPad", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* src = x.as<S>();
      S* dst = y.as<S>();
      parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 16384 / run), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          int64_t rem = r, xo = 0, yo = 0;
          for (int64_t d = rank - 2; d >= 0; --d) {
            const int64_t i = rem % len[d];
            rem /= len[d];
            xo += (i + so[d]) * xs[d];
            yo += (i + dof[d]) * ys[d];
          }
          xo += so[rank - 1];
          yo += dof[rank - 1];
          copyN(dst + yo, src + xo, run);
        }
      });
    });
  }

 private:
  std::vector<int64_t> axes_;
};

ONNX_CPU_KERNEL("CenterCropPad", 18, CenterCropPadKernel);

}  // namespace
}  // namespace onnxfleet
