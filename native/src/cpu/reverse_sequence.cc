// ReverseSequence: for each batch entry b, reverses the first seq_lens[b] steps along the time axis and
// copies the rest. batch_axis and time_axis are 0 and 1 in either order; trailing dims move as blocks.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class ReverseSequenceKernel : public Kernel {
 public:
  ReverseSequenceKernel(const NodeDesc& n, const CompileContext&)
      : batchAxis_(n.getInt("batch_axis", 1)), timeAxis_(n.getInt("time_axis", 0)) {
    check((batchAxis_ == 0 && timeAxis_ == 1) || (batchAxis_ == 1 && timeAxis_ == 0),
          "batch_axis and time_axis must be 0 and 1 in some order");
  }
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 2, "ReverseSequence needs rank >= 2");
    const std::vector<int64_t> lens = readInts(ctx.input(1), "sequence_lens");
    const int64_t B = x.shape[batchAxis_], T = x.shape[timeAxis_];
    check(static_cast<int64_t>(lens.size()) == B,
          "sequence_lens needs one entry per batch (" + std::to_string(B) + ")");
    for (int64_t l : lens)
      check(l >= 0 && l <= T,
            "sequence length " + std::to_string(l) + " is outside [0, " + std::to_string(T) + "]");
    const int64_t inner = dimProduct(x.shape, 2, x.shape.size());
    const int64_t bStride = (batchAxis_ == 0 ? T : 1) * inner, tStride = (timeAxis_ == 0 ? B : 1) * inner;
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchStorage(x.dtype, "ReverseSequence", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* s = x.as<S>();
      S* d = y.as<S>();
      parallelFor(ctx.threads(), B * T, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)),
                  [&](int64_t lo, int64_t hi) {
                    for (int64_t w = lo; w < hi; ++w) {
                      const int64_t b = w / T, t = w % T;
                      const int64_t from = t < lens[b] ? lens[b] - 1 - t : t;
                      copyN(d + b * bStride + t * tStride, s + b * bStride + from * tStride, inner);
                    }
                  });
    });
  }

 private:
  int64_t batchAxis_, timeAxis_;
};

ONNX_CPU_KERNEL("ReverseSequence", 10, ReverseSequenceKernel);

}  // namespace
}  // namespace onnxfleet
