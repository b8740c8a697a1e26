// GRU (1, 3, 7, 14, 22): update gate z, reset gate r and hidden gate h (gate order z, r, h in W, R and B),
// with linear_before_reset, directions, sequence_lens, initial_h, clip, activation alpha/beta and layouts.
#include "cpu/rnn/rnn_util.h"

namespace onnxfleet {
namespace {

class GruKernel : public Kernel {
 public:
  GruKernel(const NodeDesc& n, const CompileContext&)
      : attrs_(n, {"Sigmoid", "Tanh"}), linearBeforeReset_(n.getInt("linear_before_reset", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const rnn::Dims d = rnn::resolveDims(attrs_, ctx, 3, "GRU");
    const std::vector<int64_t> lens = rnn::sequenceLengths(ctx, d);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(ctx.input(0).dtype, "GRU", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const int layout = attrs_.layout;
      const int64_t H = d.H, G = 3 * H;
      const std::vector<C> x = rnn::loadInput<C, T>(ctx.input(0), d, layout);
      std::vector<C> h = rnn::loadState<C, T>(ctx, 5, d, layout);
      std::vector<C> y(static_cast<size_t>(d.T * d.D * d.B * H), C(0));
      std::vector<C> rec(static_cast<size_t>(d.B * G)), rh(static_cast<size_t>(d.B * H)),
          hh(static_cast<size_t>(d.B * H)), wb, rb;
      for (int64_t dir = 0; dir < d.D; ++dir) {
        rnn::loadBias<C, T>(ctx, d, dir, wb, rb);
        // Rb of z and r always joins the input bias; Rbh does too unless it sits inside r (.) (...).
        for (int64_t j = 0; j < (linearBeforeReset_ ? 2 * H : G); ++j) wb[j] += rb[j];
        const std::vector<C> xw =
            rnn::inputProjection<C, T>(x, ctx.input(1), d, dir, wb.data(), ctx.threads());
        const std::vector<C> rt = rnn::transposed<C, T>(ctx.input(2), dir, G, H);
        const rnn::Activation& f = attrs_.acts[dir * 2];
        const rnn::Activation& g = attrs_.acts[dir * 2 + 1];
        const bool rev = attrs_.reversed(static_cast<int>(dir));
        C* hd = h.data() + dir * d.B * H;
        for (int64_t s = 0; s < d.T; ++s) {
          // z and r (and h when linear_before_reset) recurrences: Ht-1 * R^T for all batch rows at once.
          rnn::gemm<C>(d.B, linearBeforeReset_ ? G : 2 * H, H, hd, H, rt.data(), G, rec.data(), G, false,
                       ctx.threads());
          for (int64_t b = 0; b < d.B; ++b) {
            if (s >= lens[b]) continue;
            const int64_t t = rev ? lens[b] - 1 - s : s;
            const C* in = xw.data() + (t * d.B + b) * G;
            C* rb0 = rec.data() + b * G;  // z, r
            for (int64_t j = 0; j < 2 * H; ++j) rb0[j] += in[j];
            attrs_.clampN(rb0, 2 * H);
            f.apply(rb0, 2 * H);
            const C* hb = hd + b * H;
            if (linearBeforeReset_)  // hh = r (.) (Ht-1 * Rh^T + Rbh)
              for (int64_t j = 0; j < H; ++j) hh[b * H + j] = rb0[H + j] * (rb0[2 * H + j] + rb[2 * H + j]);
            else  // rh = r (.) Ht-1, multiplied by Rh^T below
              for (int64_t j = 0; j < H; ++j) rh[b * H + j] = rb0[H + j] * hb[j];
          }
          if (!linearBeforeReset_)
            rnn::gemm<C>(d.B, H, H, rh.data(), H, rt.data() + 2 * H, G, hh.data(), H, false, ctx.threads());
          for (int64_t b = 0; b < d.B; ++b) {
            if (s >= lens[b]) continue;
            const int64_t t = rev ? lens[b] - 1 - s : s;
            const C* in = xw.data() + (t * d.B + b) * G;
            const C* z = rec.data() + b * G;
            C* hb = hd + b * H;
            C* yb = y.data() + ((t * d.D + dir) * d.B + b) * H;
            C* ht = hh.data() + b * H;
            for (int64_t j = 0; j < H; ++j) ht[j] += in[2 * H + j];
            attrs_.clampN(ht, H);
            g.apply(ht, H);
            for (int64_t j = 0; j < H; ++j) yb[j] = hb[j] = (C(1) - z[j]) * ht[j] + z[j] * hb[j];
          }
        }
      }
      rnn::storeSequence<C, T>(ctx, 0, y, d, layout);
      rnn::storeState<C, T>(ctx, 1, h, d, layout);
    });
  }

 private:
  rnn::Attrs attrs_;
  bool linearBeforeReset_;
};

ONNX_CPU_KERNEL("GRU", 1, GruKernel);
ONNX_CPU_KERNEL("GRU", 3, GruKernel);
ONNX_CPU_KERNEL("GRU", 7, GruKernel);
ONNX_CPU_KERNEL("GRU", 14, GruKernel);
ONNX_CPU_KERNEL("GRU", 22, GruKernel);

}  // namespace
}  // namespace onnxfleet
