// Concat: every input contributes one contiguous block per outer index (dims before the axis).
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class ConcatKernel : public Kernel {
 public:
  // Concat-1 defaults the axis to 1; from 4 on it is required.
  ConcatKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.sinceVersion < 4 ? n.getInt("axis", 1) : n.required("axis").i) {}

  void compute(KernelContext& ctx) override {
    std::vector<const Tensor*> xs;
    for (int i = 0; i < ctx.numInputs(); ++i)
      if (ctx.hasInput(i)) xs.push_back(&ctx.input(i));
    check(!xs.empty(), "Concat needs at least one input");
    const Tensor& x0 = *xs[0];
    const int64_t r = x0.rank();
    check(r > 0, "Concat inputs must have rank >= 1");
    const int64_t axis = normalizeAxis(axis_, r);
    Shape out = x0.shape;
    out[axis] = 0;
    for (const Tensor* x : xs) {
      check(x->dtype == x0.dtype, "input dtypes differ: " + x0.describe() + " and " + x->describe());
      check(x->rank() == r, "input ranks differ: " + x0.describe() + " and " + x->describe());
      for (int64_t d = 0; d < r; ++d)
        check(d == axis || x->shape[d] == x0.shape[d], "inputs " + x0.describe() + " and " + x->describe() +
                                                           " differ outside axis " + std::to_string(axis));
      out[axis] += x->shape[axis];
    }
    Tensor& y = ctx.allocOutput(0, x0.dtype, out);
    const int64_t outer = dimProduct(out, 0, axis), inner = dimProduct(out, axis + 1, out.size());
    const int64_t rowOut = out[axis] * inner;
    if (y.numel() == 0) return;
    dispatchStorage(x0.dtype, "Concat", [&](auto tag) {
      using S = typename decltype(tag)::type;
      S* dst = y.as<S>();
      if (outer == 1) {  // one big block per input: split each copy over threads
        for (const Tensor* x : xs) {
          copyElements(x0.dtype, dst, x->data, x->numel(), ctx.threads());
          dst += x->numel();
        }
        return;
      }
      parallelFor(ctx.threads(), outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(rowOut, 1)),
                  [&](int64_t b, int64_t e) {
                    for (int64_t o = b; o < e; ++o) {
                      S* d = dst + o * rowOut;
                      for (const Tensor* x : xs) {
                        const int64_t n = x->shape[axis] * inner;
                        copyN(d, x->as<S>() + o * n, n);
                        d += n;
                      }
                    }
                  });
    });
  }

 private:
  int64_t axis_;
};

ONNX_CPU_KERNEL("Concat", 1, ConcatKernel);
ONNX_CPU_KERNEL("Concat", 4, ConcatKernel);
ONNX_CPU_KERNEL("Concat", 11, ConcatKernel);

}  // namespace
}  // namespace onnxfleet
