// Expand: numpy-broadcast the input to a shape; broadcast dims read with stride 0 in one strided copy.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// Numpy broadcast of the input shape and the requested shape.
Shape expandShape(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i + a.size() >= r ? a[i + a.size() - r] : 1;
    const int64_t db = i + b.size() >= r ? b[i + b.size() - r] : 1;
    check(da == db || da == 1 || db == 1,
          "input shape " + shapeToString(a) + " cannot be expanded to " + shapeToString(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

class ExpandKernel : public Kernel {
 public:
  ExpandKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const std::vector<int64_t> req = readInts(ctx.input(1), "shape");
    const Shape out = expandShape(x.shape, req);
    checkedNumel(out, "Expand");
    if (out == x.shape) {
      ctx.setOutput(0, x);
      return;
    }
    const size_t r = out.size(), off = r - x.shape.size();
    const std::vector<int64_t> xs = contiguousStrides(x.shape);
    std::vector<int64_t> strides(r, 0);
    for (size_t i = off; i < r; ++i) strides[i] = x.shape[i - off] == 1 ? 0 : xs[i - off];
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    stridedCopy(x.dtype, y.data, x.data, 0, out, strides, ctx.threads(), "Expand");
  }
};

ONNX_CPU_KERNEL("Expand", 8, ExpandKernel);

}  // namespace
}  // namespace onnxfleet
