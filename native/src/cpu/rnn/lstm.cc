// LSTM (1, 7, 14, 22): gates i, o, f, c (that order in W, R and B), optional peepholes P (i, o, f),
// input_forget coupling, directions, sequence_lens, initial_h / initial_c, clip, activation alpha/beta and
// both layouts. Outputs Y, Y_h and Y_c.
#include "cpu/rnn/rnn_util.h"

namespace onnxfleet {
namespace {

class LstmKernel : public Kernel {
 public:
  LstmKernel(const NodeDesc& n, const CompileContext&)
      : attrs_(n, {"Sigmoid", "Tanh", "Tanh"}), inputForget_(n.getInt("input_forget", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const rnn::Dims d = rnn::resolveDims(attrs_, ctx, 4, "LSTM");
    const std::vector<int64_t> lens = rnn::sequenceLengths(ctx, d);
    const DType dt = ctx.input(0).dtype;
    const Shape stateShape = attrs_.layout ? Shape{d.B, d.D, d.H} : Shape{d.D, d.B, d.H};
    if (ctx.hasInput(6))
      check(ctx.input(6).dtype == dt && ctx.input(6).shape == stateShape,
            "LSTM initial_c must be " + shapeToString(stateShape) + ", got " + ctx.input(6).describe());
    if (ctx.hasInput(7))
      check(ctx.input(7).dtype == dt && ctx.input(7).shape == Shape({d.D, 3 * d.H}),
            "LSTM P must be [" + std::to_string(d.D) + ", " + std::to_string(3 * d.H) + "], got " +
                ctx.input(7).describe());
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(dt, "LSTM", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const int layout = attrs_.layout;
      const int64_t H = d.H, G = 4 * H;
      const std::vector<C> x = rnn::loadInput<C, T>(ctx.input(0), d, layout);
      std::vector<C> h = rnn::loadState<C, T>(ctx, 5, d, layout);
      std::vector<C> c = rnn::loadState<C, T>(ctx, 6, d, layout);
      std::vector<C> y(static_cast<size_t>(d.T * d.D * d.B * H), C(0));
      std::vector<C> rec(static_cast<size_t>(d.B * G)), wb, rb, peep(static_cast<size_t>(3 * H), C(0));
      for (int64_t dir = 0; dir < d.D; ++dir) {
        rnn::loadBias<C, T>(ctx, d, dir, wb, rb);
        for (int64_t j = 0; j < G; ++j) wb[j] += rb[j];
        if (ctx.hasInput(7))
          for (int64_t j = 0; j < 3 * H; ++j)
            peep[j] = static_cast<C>(loadC(ctx.input(7).as<T>()[dir * 3 * H + j]));
        const C *pi = peep.data(), *po = pi + H, *pf = po + H;
        const std::vector<C> xw =
            rnn::inputProjection<C, T>(x, ctx.input(1), d, dir, wb.data(), ctx.threads());
        const std::vector<C> rt = rnn::transposed<C, T>(ctx.input(2), dir, G, H);
        const rnn::Activation& f = attrs_.acts[dir * 3];
        const rnn::Activation& g = attrs_.acts[dir * 3 + 1];
        const rnn::Activation& hAct = attrs_.acts[dir * 3 + 2];
        const bool rev = attrs_.reversed(static_cast<int>(dir));
        C* hd = h.data() + dir * d.B * H;
        C* cd = c.data() + dir * d.B * H;
        for (int64_t s = 0; s < d.T; ++s) {
          rnn::gemm<C>(d.B, G, H, hd, H, rt.data(), G, rec.data(), G, false, ctx.threads());
          for (int64_t b = 0; b < d.B; ++b) {
            if (s >= lens[b]) continue;
            const int64_t t = rev ? lens[b] - 1 - s : s;
            const C* in = xw.data() + (t * d.B + b) * G;
            C* gt = rec.data() + b * G;
            C *ig = gt, *og = gt + H, *fg = gt + 2 * H, *cg = gt + 3 * H;
            C* hb = hd + b * H;
            C* cb = cd + b * H;
            C* yb = y.data() + ((t * d.D + dir) * d.B + b) * H;
            for (int64_t j = 0; j < G; ++j) gt[j] += in[j];
            for (int64_t j = 0; j < H; ++j) ig[j] += pi[j] * cb[j], fg[j] += pf[j] * cb[j];
            attrs_.clampN(ig, H);
            f.apply(ig, H);
            if (inputForget_) {
              for (int64_t j = 0; j < H; ++j) fg[j] = C(1) - ig[j];
            } else {
              attrs_.clampN(fg, H);
              f.apply(fg, H);
            }
            attrs_.clampN(cg, H);
            g.apply(cg, H);
            for (int64_t j = 0; j < H; ++j) cb[j] = fg[j] * cb[j] + ig[j] * cg[j];
            for (int64_t j = 0; j < H; ++j) og[j] += po[j] * cb[j];
            attrs_.clampN(og, H);
            f.apply(og, H);
            for (int64_t j = 0; j < H; ++j) cg[j] = cb[j];  // h(Ct), computed in the spent cell-gate slot
            hAct.apply(cg, H);
            for (int64_t j = 0; j < H; ++j) yb[j] = hb[j] = og[j] * cg[j];
          }
        }
      }
      rnn::storeSequence<C, T>(ctx, 0, y, d, layout);
      rnn::storeState<C, T>(ctx, 1, h, d, layout);
      rnn::storeState<C, T>(ctx, 2, c, d, layout);
    });
  }

 private:
  rnn::Attrs attrs_;
  bool inputForget_;
};

ONNX_CPU_KERNEL("LSTM", 1, LstmKernel);
ONNX_CPU_KERNEL("LSTM", 7, LstmKernel);
ONNX_CPU_KERNEL("LSTM", 14, LstmKernel);
ONNX_CPU_KERNEL("LSTM", 22, LstmKernel);

}  // namespace
}  // namespace onnxfleet
