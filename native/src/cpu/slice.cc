// Slice: starts/ends/axes are attributes in opset 1 and inputs (with steps) from 10. The result is a
// strided view of the input; when that view is one contiguous run the output aliases the input.
#include <limits>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class SliceKernel : public Kernel {
 public:
  SliceKernel(const NodeDesc& n, const CompileContext&)
      : fromAttr_(n.sinceVersion < 10),
        starts_(n.getInts("starts")),
        ends_(n.getInts("ends")),
        axes_(n.getInts("axes")) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t r = x.rank();
    std::vector<int64_t> starts, ends, axes, steps;
    if (fromAttr_) {
      starts = starts_, ends = ends_, axes = axes_;
    } else {
      starts = readInts(ctx.input(1), "starts");
      ends = readInts(ctx.input(2), "ends");
      if (ctx.hasInput(3)) axes = readInts(ctx.input(3), "axes");
      if (ctx.hasInput(4)) steps = readInts(ctx.input(4), "steps");
    }
    const size_t k = starts.size();
    check(ends.size() == k, "starts and ends have different lengths");
    if (axes.empty()) {
      check(static_cast<int64_t>(k) <= r, "more starts than input dims");
      for (size_t i = 0; i < k; ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (steps.empty()) steps.assign(k, 1);
    check(axes.size() == k && steps.size() == k, "starts, ends, axes and steps must have the same length");
    axes = normalizeAxes(axes, r);

    Shape out = x.shape;
    std::vector<int64_t> strides = contiguousStrides(x.shape);
    int64_t offset = 0;
    for (size_t i = 0; i < k; ++i) {
      const int64_t a = axes[i], dim = x.shape[a], step = steps[i];
      check(step != 0, "slice step cannot be 0");
      int64_t s = starts[i], e = ends[i];
      if (s < 0) s = s < -dim ? -1 : s + dim;  // stay clear of overflow with INT64_MIN
      if (e < 0) e = e < -dim ? -1 : e + dim;
      int64_t count;
      if (step > 0) {
        s = std::clamp<int64_t>(s, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        count = e > s ? 1 + (e - s - 1) / step : 0;
      } else {
        s = std::clamp<int64_t>(s, -1, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        const int64_t back =
            step == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -step;
        count = s > e ? 1 + (s - e - 1) / back : 0;
      }
      out[a] = count;
      if (count > 0) offset += s * strides[a];
      if (count > 1) strides[a] *= step;
    }
    if (shapeNumel(out) == 0) {
      ctx.allocOutput(0, x.dtype, out);
      return;
    }
    Shape cs = out;
    std::vector<int64_t> cst = strides;
    coalesceView(cs, cst);
    if (cs.empty() || (cs.size() == 1 && cst[0] == 1)) {  // one contiguous run: alias it
      Tensor v = withShape(x, out);
      v.data = static_cast<char*>(x.data) + dtypeBytes(x.dtype, offset);
      if (x.dtype == DType::String) v.data = static_cast<std::string*>(x.data) + offset;
      if (dtypeBits(x.dtype) >= 8 || offset == 0) {
        ctx.setOutput(0, std::move(v));
        return;
      }
    }
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    stridedCopy(x.dtype, y.data, x.data, offset, out, strides, ctx.threads(), "Slice");
  }

 private:
  bool fromAttr_;
  std::vector<int64_t> starts_, ends_, axes_;
};

ONNX_CPU_KERNEL("Slice", 1, SliceKernel);
ONNX_CPU_KERNEL("Slice", 10, SliceKernel);

}  // namespace
}  // namespace onnxfleet
