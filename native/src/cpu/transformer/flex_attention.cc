// FlexAttention (ai.onnx.preview, version 1): attention over rank-4 Q/K/V with grouped-query heads whose
// scores and probabilities may be rewritten by the score_mod / prob_mod subgraphs, each taking and returning
// the whole (batch, q_heads, q_seq, kv_seq) tensor in the softmax precision (float32 unless the inputs are
// double, or softmax_precision says otherwise):
//   scores = (Q*sqrt(scale)) (K*sqrt(scale))^T -> score_mod -> softmax -> prob_mod -> Y = probs V
// The Q.K products are rounded to the input type first, as the reference computes them in it.
#include <cmath>
#include <limits>

#include "core/executor.h"
#include "core/kernel.h"
#include "cpu/transformer/attention_core.h"

namespace onnxfleet {
namespace {

class FlexAttentionKernel : public Kernel {
 public:
  FlexAttentionKernel(const NodeDesc& n, const CompileContext&)
      : hasScale_(n.has("scale")),
        scale_(n.getFloat("scale", 0)),
        precision_(n.getInt("softmax_precision", 0)) {
    scoreMod_ = graphOf(n, "score_mod"), probMod_ = graphOf(n, "prob_mod");
    check(precision_ == 0 || precision_ == 1 || precision_ == 10 || precision_ == 11 || precision_ == 16,
          "softmax_precision must be float, float16, bfloat16 or double");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    for (const Tensor* t : {&q, &k, &v})
      check(t->rank() == 4, "Q, K and V must be rank 4, got " + t->describe());
    check(k.dtype == q.dtype && v.dtype == q.dtype, "Q, K and V must have one element type");
    const int64_t B = q.shape[0], hq = q.shape[1], L = q.shape[2], E = q.shape[3];
    const int64_t hkv = k.shape[1], S = k.shape[2], Ev = v.shape[3];
    check(k.shape[0] == B && v.shape[0] == B && k.shape[3] == E && v.shape[1] == hkv && v.shape[2] == S,
          "K " + shapeToString(k.shape) + " / V " + shapeToString(v.shape) + " do not match Q " +
              shapeToString(q.shape));
    check(hkv > 0 && hq % hkv == 0, "q heads must be a multiple of kv heads");
    DType st = precision_ ? static_cast<DType>(precision_)
                          : (q.dtype == DType::Double ? DType::Double : DType::Float);
    dispatchTypes<float, double, Half, BFloat16>(q.dtype, "FlexAttention", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      dispatchTypes<float, double, Half, BFloat16>(st, "softmax_precision", [&](auto stag) {
        using P = typename decltype(stag)::type;
        run<T, C, P>(ctx, B, hq, hkv, L, S, E, Ev);
      });
    });
  }

 private:
  static std::shared_ptr<Graph> graphOf(const NodeDesc& n, const char* name) {
    if (!n.has(name)) return nullptr;
    const Attr& a = n.attrs.at(name);
    check(a.type == Attr::Type::Graph && a.g, std::string("attribute '") + name + "' must be a graph");
    return a.g;
  }

  // Runs a modifier subgraph on `t` and returns its one output, checked to keep shape and element type.
  static Tensor applyMod(KernelContext& ctx, const Graph& g, const Tensor& t, const char* name) {
    std::vector<Value> outs = ctx.runSubgraph(g, {Value::of(t)});
    check(outs.size() == 1 && outs[0].isTensor(), std::string(name) + " must return one tensor");
    const Tensor& o = outs[0].tensor;
    check(o.dtype == t.dtype && o.shape == t.shape,
          std::string(name) + " returned " + o.describe() + ", expected " + t.describe());
    return o;
  }

  template <typename T, typename C, typename P>
  void run(KernelContext& ctx, int64_t B, int64_t hq, int64_t hkv, int64_t L, int64_t S, int64_t E,
           int64_t Ev) {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    const int th = ctx.threads();
    const double scale = hasScale_ ? scale_ : 1.0 / std::sqrt(static_cast<double>(E));
    const C mul = attn::roundAs<T>(static_cast<C>(std::sqrt(static_cast<float>(scale))));
    std::vector<C> qc(q.numel()), kc(k.numel());
    const T* qp = q.as<T>();
    const T* kp = k.as<T>();
    for (size_t i = 0; i < qc.size(); ++i)
      qc[i] = attn::roundAs<T>(static_cast<C>(Num<T>::load(qp[i])) * mul);
    for (size_t i = 0; i < kc.size(); ++i)
      kc[i] = attn::roundAs<T>(static_cast<C>(Num<T>::load(kp[i])) * mul);
    const int64_t group = hq / hkv, rows = B * hq * L;
    Tensor scores = ctx.scratch(DTypeOf<P>::value, {B, hq, L, S});
    P* sp = scores.as<P>();
    parallelFor(th, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(S * E, 1)),
                [&](int64_t b0, int64_t e0) {
                  for (int64_t r = b0; r < e0; ++r) {
                    const int64_t bh = r / L, b = bh / hq, h = bh % hq;
                    const C* qr = qc.data() + r * E;
                    const C* kb = kc.data() + (b * hkv + h / group) * S * E;
                    for (int64_t j = 0; j < S; ++j)
                      sp[r * S + j] = Num<P>::store(
                          static_cast<typename Num<P>::C>(attn::roundAs<T>(attn::dot(qr, kb + j * E, E))));
                  }
                });
    if (scoreMod_) scores = applyMod(ctx, *scoreMod_, scores, "score_mod");
    Tensor probs = ctx.scratch(DTypeOf<P>::value, {B, hq, L, S});
    const P* in = scores.as<P>();
    P* pp = probs.as<P>();
    parallelFor(th, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(S, 1)), [&](int64_t b0, int64_t e0) {
      std::vector<C> e(S);
      for (int64_t r = b0; r < e0; ++r) {
        C m = -std::numeric_limits<C>::infinity();
        for (int64_t j = 0; j < S; ++j) m = std::max<C>(m, static_cast<C>(Num<P>::load(in[r * S + j])));
        C sum = 0;
        for (int64_t j = 0; j < S; ++j)
          sum += e[j] = std::exp(static_cast<C>(Num<P>::load(in[r * S + j])) - m);
        for (int64_t j = 0; j < S; ++j)
          pp[r * S + j] = Num<P>::store(static_cast<typename Num<P>::C>(e[j] / sum));
      }
    });
    if (probMod_) probs = applyMod(ctx, *probMod_, probs, "prob_mod");
    const P* pr = probs.as<P>();
    const T* vp = v.as<T>();
    Tensor& y = ctx.allocOutput(0, q.dtype, {B, hq, L, Ev});
    T* yp = y.as<T>();
    parallelFor(th, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(S * Ev, 1)),
                [&](int64_t b0, int64_t e0) {
                  std::vector<C> acc(Ev);
                  for (int64_t r = b0; r < e0; ++r) {
                    const int64_t bh = r / L, b = bh / hq, h = bh % hq;
                    const T* vb = vp + (b * hkv + h / group) * S * Ev;
                    std::fill(acc.begin(), acc.end(), C(0));
                    for (int64_t j = 0; j < S; ++j) {
                      const C w = static_cast<C>(Num<P>::load(pr[r * S + j]));
                      for (int64_t d = 0; d < Ev; ++d)
                        acc[d] += w * attn::roundAs<P>(static_cast<C>(Num<T>::load(vb[j * Ev + d])));
                    }
                    for (int64_t d = 0; d < Ev; ++d)
                      yp[r * Ev + d] = Num<T>::store(static_cast<typename Num<T>::C>(acc[d]));
                  }
                });
  }

  bool hasScale_;
  float scale_;
  int64_t precision_;
  std::shared_ptr<Graph> scoreMod_, probMod_;
};

ONNXFLEET_KERNEL("ai.onnx.preview", "FlexAttention", 1, "cpu", FlexAttentionKernel);

}  // namespace
}  // namespace onnxfleet
