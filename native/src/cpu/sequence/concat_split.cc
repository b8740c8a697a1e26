// ConcatFromSequence (concatenate along an existing axis, or stack along a new one with new_axis=1) and
// SplitToSequence (split along an axis into pieces of a scalar size, of listed sizes, or of size 1 with
// optional squeezing by keepdims).
#include "cpu/control/control_util.h"
#include "cpu/sequence/sequence_util.h"

namespace onnxfleet {
namespace {

class ConcatFromSequenceKernel : public Kernel {
 public:
  ConcatFromSequenceKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.required("axis").i), newAxis_(n.getInt("new_axis", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const Value& seq = sequenceInput(ctx, 0);
    const std::vector<Tensor>& xs = seq.sequence;
    check(!xs.empty(), "cannot concatenate an empty sequence");
    const Tensor& x0 = xs[0];
    const int64_t r = x0.rank();
    const int64_t n = static_cast<int64_t>(xs.size());
    if (newAxis_) {
      const int64_t axis = normalizeAxis(axis_, r + 1);
      checkSameItems(xs, "sequence element");
      Shape s = x0.shape;
      s.insert(s.begin() + axis, n);
      Tensor& y = ctx.allocOutput(0, x0.dtype, s);
      stackItems(y.dtype, y.data, x0.shape, xs, n, axis, false, ctx.threads());
      return;
    }
    check(r > 0, "cannot concatenate scalars without new_axis");
    const int64_t axis = normalizeAxis(axis_, r);
    Shape s = x0.shape;
    s[axis] = 0;
    for (const Tensor& x : xs) {
      check(x.dtype == x0.dtype && x.rank() == r,
            "elements " + x0.describe() + " and " + x.describe() + " differ");
      for (int64_t d = 0; d < r; ++d)
        check(d == axis || x.shape[d] == x0.shape[d], "elements " + x0.describe() + " and " + x.describe() +
                                                          " differ outside axis " + std::to_string(axis));
      s[axis] += x.shape[axis];
    }
    Tensor& y = ctx.allocOutput(0, x0.dtype, s);
    const int64_t outer = dimProduct(s, 0, axis), inner = dimProduct(s, axis + 1, s.size());
    const int64_t row = s[axis] * inner;
    if (y.numel() == 0) return;
    dispatchStorage(y.dtype, "ConcatFromSequence", [&](auto tag) {
      using S = typename decltype(tag)::type;
      S* dst = y.as<S>();
      parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / row), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          S* d = dst + o * row;
          for (const Tensor& x : xs) {
            const int64_t len = x.shape[axis] * inner;
            copyN(d, x.as<S>() + o * len, len);
            d += len;
          }
        }
      });
    });
  }

 private:
  int64_t axis_;
  bool newAxis_;
};

class SplitToSequenceKernel : public Kernel {
 public:
  SplitToSequenceKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.getInt("axis", 0)), keepdims_(n.getInt("keepdims", 1) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() > 0, "cannot split a scalar");
    const int64_t axis = normalizeAxis(axis_, x.rank());
    const int64_t dim = x.shape[axis];
    std::vector<int64_t> sizes;
    bool squeeze = false;
    if (ctx.hasInput(1)) {
      const Tensor& sp = ctx.input(1);
      const std::vector<int64_t> v = readInts(sp, "split");
      if (sp.rank() == 0) {
        check(v[0] > 0, "split size must be positive, got " + std::to_string(v[0]));
        for (int64_t at = 0; at < dim; at += v[0]) sizes.push_back(std::min(v[0], dim - at));
      } else {
        check(sp.rank() == 1, "split must be a scalar or 1-D, got " + sp.describe());
        int64_t sum = 0;
        for (int64_t p : v) {
          check(p >= 0, "negative split size " + std::to_string(p));
          sum += p;
        }
        check(sum == dim, "split sizes " + shapeToString(v) + " do not add up to dim " + std::to_string(dim));
        sizes = v;
      }
    } else {
      sizes.assign(dim, 1);
      squeeze = !keepdims_;
    }
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis + 1, x.shape.size());
    const int64_t rowIn = dim * inner;
    std::vector<Tensor> items;
    items.reserve(sizes.size());
    int64_t start = 0;
    for (int64_t size : sizes) {
      Shape s = x.shape;
      if (squeeze)
        s.erase(s.begin() + axis);
      else
        s[axis] = size;
      Tensor t = ctx.scratch(x.dtype, s);
      const int64_t len = size * inner, first = start * inner;
      start += size;
      if (t.numel() > 0) {
        dispatchStorage(x.dtype, "SplitToSequence", [&](auto tag) {
          using S = typename decltype(tag)::type;
          const S* src = x.as<S>() + first;
          S* dst = t.as<S>();
          parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / len), [&](int64_t b, int64_t e) {
            for (int64_t o = b; o < e; ++o) copyN(dst + o * len, src + o * rowIn, len);
          });
        });
      }
      items.push_back(std::move(t));
    }
    ctx.setOutputValue(0, Value::ofSequence(std::move(items), x.dtype));
  }

 private:
  int64_t axis_;
  bool keepdims_;
};

ONNX_CPU_KERNEL("ConcatFromSequence", 11, ConcatFromSequenceKernel);
// SplitToSequence-24 only widens the type list (bfloat16) and allows zero-sized parts.
ONNX_CPU_KERNEL("SplitToSequence", 11, SplitToSequenceKernel);
ONNX_CPU_KERNEL("SplitToSequence", 24, SplitToSequenceKernel);

}  // namespace
}  // namespace onnxfleet
