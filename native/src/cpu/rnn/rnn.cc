// RNN (1, 7, 14, 22): the simple recurrent layer Ht = f(Xt*W^T + Ht-1*R^T + Wb + Rb), forward, reverse or
// bidirectional, with sequence_lens, initial_h, clip, activation alpha/beta and both layouts.
#include "cpu/rnn/rnn_util.h"

namespace onnxfleet {
namespace {

class RnnKernel : public Kernel {
 public:
  RnnKernel(const NodeDesc& n, const CompileContext&) : attrs_(n, {"Tanh"}) {}

  void compute(KernelContext& ctx) override {
    const rnn::Dims d = rnn::resolveDims(attrs_, ctx, 1, "RNN");
    const std::vector<int64_t> lens = rnn::sequenceLengths(ctx, d);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(ctx.input(0).dtype, "RNN", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const int layout = attrs_.layout;
      const std::vector<C> x = rnn::loadInput<C, T>(ctx.input(0), d, layout);
      std::vector<C> h = rnn::loadState<C, T>(ctx, 5, d, layout);
      std::vector<C> y(static_cast<size_t>(d.T * d.D * d.B * d.H), C(0));
      std::vector<C> rec(static_cast<size_t>(d.B * d.H)), wb, rb;
      for (int64_t dir = 0; dir < d.D; ++dir) {
        rnn::loadBias<C, T>(ctx, d, dir, wb, rb);
        for (int64_t j = 0; j < d.H; ++j) wb[j] += rb[j];
        const std::vector<C> xw =
            rnn::inputProjection<C, T>(x, ctx.input(1), d, dir, wb.data(), ctx.threads());
        const std::vector<C> rt = rnn::transposed<C, T>(ctx.input(2), dir, d.H, d.H);
        const rnn::Activation& f = attrs_.acts[dir];
        const bool rev = attrs_.reversed(static_cast<int>(dir));
        C* hd = h.data() + dir * d.B * d.H;
        for (int64_t s = 0; s < d.T; ++s) {
          rnn::gemm<C>(d.B, d.H, d.H, hd, d.H, rt.data(), d.H, rec.data(), d.H, false, ctx.threads());
          for (int64_t b = 0; b < d.B; ++b) {
            if (s >= lens[b]) continue;
            const int64_t t = rev ? lens[b] - 1 - s : s;
            const C* in = xw.data() + (t * d.B + b) * d.H;
            C* v = rec.data() + b * d.H;
            for (int64_t j = 0; j < d.H; ++j) v[j] += in[j];
            attrs_.clampN(v, d.H);
            f.apply(v, d.H);
            C* hb = hd + b * d.H;
            C* yb = y.data() + ((t * d.D + dir) * d.B + b) * d.H;
            for (int64_t j = 0; j < d.H; ++j) yb[j] = hb[j] = v[j];
          }
        }
      }
      rnn::storeSequence<C, T>(ctx, 0, y, d, layout);
      rnn::storeState<C, T>(ctx, 1, h, d, layout);
    });
  }

 private:
  rnn::Attrs attrs_;
};

ONNX_CPU_KERNEL("RNN", 1, RnnKernel);
ONNX_CPU_KERNEL("RNN", 7, RnnKernel);
ONNX_CPU_KERNEL("RNN", 14, RnnKernel);
ONNX_CPU_KERNEL("RNN", 22, RnnKernel);

}  // namespace
}  // namespace onnxfleet
