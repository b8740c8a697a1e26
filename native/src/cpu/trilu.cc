// Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle of each trailing matrix; zeros
// elsewhere.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class TriluKernel : public Kernel {
 public:
  TriluKernel(const NodeDesc& n, const CompileContext&) : upper_(n.getInt("upper", 1) != 0) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 2, "Trilu needs rank >= 2");
    const int64_t k = ctx.hasInput(1) ? readScalarInt(ctx.input(1), "k") : 0;
    const int64_t rows = x.shape[x.rank() - 2], cols = x.shape[x.rank() - 1];
    const int64_t mats = rows * cols != 0 ? x.numel() / (rows * cols) : 0;
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchStorage(x.dtype, "Trilu", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* s = x.as<S>();
      S* d = y.as<S>();
      parallelFor(ctx.threads(), mats * rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)),
                  [&](int64_t b, int64_t e) {
                    for (int64_t row = b; row < e; ++row) {
                      const int64_t i = row % rows;
                      // kept columns: upper [i + k, cols), lower [0, i + k + 1)
                      const int64_t lo = upper_ ? std::clamp<int64_t>(i + k, 0, cols) : 0;
                      const int64_t hi = upper_ ? cols : std::clamp<int64_t>(i + k + 1, 0, cols);
                      S* o = d + row * cols;
                      const S* in = s + row * cols;
                      std::fill(o, o + lo, S{});
                      copyN(o + lo, in + lo, hi - lo);
                      std::fill(o + hi, o + cols, S{});
                    }
                  });
    });
  }

 private:
  bool upper_;
};

ONNX_CPU_KERNEL("Trilu", 14, TriluKernel);

}  // namespace
}  // namespace onnxfleet
