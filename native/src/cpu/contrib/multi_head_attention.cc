// MultiHeadAttention (com.microsoft): attention over already projected Q/K/V with the projection bias
// added here. query is (batch, seq, hidden) or packed QKV (batch, seq, heads, 3, head); key/value are
// (batch, kv_seq, hidden), packed KV (batch, kv_seq, heads, 2, head) in key, or (batch, heads, kv_seq, head)
// for cross attention (used as is, no bias). past_key/past_value (batch, heads, past, head) are prepended
// and returned as present_key/present_value. Masks as in onnxruntime: key_padding_mask (see ortMask) and
// unidirectional add mask_filter_value; attention_bias is added. Computes in float.
#include <cmath>

#include "cpu/contrib/ms_attention_util.h"

namespace onnxfleet {
namespace {

class MultiHeadAttentionKernel : public Kernel {
 public:
  MultiHeadAttentionKernel(const NodeDesc& n, const CompileContext&)
      : heads_(n.required("num_heads").i),
        causal_(n.getInt("unidirectional", 0) != 0),
        hasScale_(n.has("scale")),
        scale_(n.getFloat("scale", 0)),
        filter_(n.getFloat("mask_filter_value", -10000.f)) {
    check(heads_ > 0, "num_heads must be positive");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& q = ctx.input(0);
    dispatchTypes<float, Half, BFloat16>(q.dtype, "MultiHeadAttention",
                                         [&](auto tag) { run<typename decltype(tag)::type>(ctx); });
  }

 private:
  template <typename T>
  void run(KernelContext& ctx) {
    using contrib::HeadSrc;
    const Tensor& q = ctx.input(0);
    const Tensor* k = ctx.hasInput(1) ? &ctx.input(1) : nullptr;
    const Tensor* v = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    check(!ctx.hasInput(8) && !ctx.hasInput(9), "past_sequence_length / cache_indirection are not supported");
    for (const Tensor* t : {k, v})
      check(!t || t->dtype == q.dtype, "key and value must have the query's type");
    const int64_t N = heads_, B = q.shape.empty() ? 0 : q.shape[0];
    int64_t S, L, H, Hv;
    HeadSrc<T> qs, ks, vs;
    bool kvBnsh = false;
    if (q.rank() == 5) {  // packed QKV
      check(!k && !v && q.shape[2] == N && q.shape[3] == 3,
            "packed QKV must be (batch, seq, heads, 3, head)");
      S = L = q.shape[1], H = Hv = q.shape[4];
      const int64_t row = N * 3 * H;
      qs = {q.as<T>(), {S * row, 3 * H, row}}, ks = {q.as<T>() + H, {S * row, 3 * H, row}};
      vs = {q.as<T>() + 2 * H, {S * row, 3 * H, row}};
    } else {
      check(q.rank() == 3 && q.shape[2] % N == 0,
            "query must be (batch, seq, heads * head), got " + shapeToString(q.shape));
      check(k != nullptr, "key is required unless query is packed QKV");
      S = q.shape[1], H = q.shape[2] / N;
      qs = {q.as<T>(), {S * N * H, H, N * H}};
      if (k->rank() == 5) {  // packed KV
        check(!v && k->shape[0] == B && k->shape[2] == N && k->shape[3] == 2 && k->shape[4] == H,
              "packed KV must be (batch, kv_seq, heads, 2, head)");
        L = k->shape[1], Hv = H;
        const int64_t row = N * 2 * H;
        ks = {k->as<T>(), {L * row, 2 * H, row}}, vs = {k->as<T>() + H, {L * row, 2 * H, row}};
      } else if (k->rank() == 4) {  // (batch, heads, kv_seq, head): cross attention, projected already
        check(v && v->rank() == 4 && k->shape[0] == B && k->shape[1] == N && k->shape[3] == H &&
                  v->shape[0] == B && v->shape[1] == N && v->shape[2] == k->shape[2],
              "4-D key/value must be (batch, heads, kv_seq, head)");
        L = k->shape[2], Hv = v->shape[3], kvBnsh = true;
        ks = {k->as<T>(), {N * L * H, L * H, H}}, vs = {v->as<T>(), {N * L * Hv, L * Hv, Hv}};
      } else {
        check(v && k->rank() == 3 && v->rank() == 3 && k->shape[0] == B && k->shape[2] == N * H &&
                  v->shape[0] == B && v->shape[1] == k->shape[1] && v->shape[2] % N == 0,
              "key/value must be (batch, kv_seq, hidden)");
        L = k->shape[1], Hv = v->shape[2] / N;
        ks = {k->as<T>(), {L * N * H, H, N * H}}, vs = {v->as<T>(), {L * N * Hv, Hv, N * Hv}};
      }
    }
    std::vector<float> bq, bk, bv;
    if (ctx.hasInput(3)) {
      const std::vector<float> bias = loadFloats<float>(ctx.input(3), "bias");
      check(static_cast<int64_t>(bias.size()) == 2 * N * H + N * Hv,
            "bias must have hidden + hidden + v_hidden values");
      bq.assign(bias.begin(), bias.begin() + N * H);
      if (!kvBnsh) {
        bk.assign(bias.begin() + N * H, bias.begin() + 2 * N * H);
        bv.assign(bias.begin() + 2 * N * H, bias.end());
      }
    }
    const Tensor* pk = ctx.hasInput(6) ? &ctx.input(6) : nullptr;
    const Tensor* pv = ctx.hasInput(7) ? &ctx.input(7) : nullptr;
    check((pk == nullptr) == (pv == nullptr), "past_key and past_value must be given together");
    const int64_t P = pk ? (pk->rank() == 4 ? pk->shape[2] : -1) : 0;
    if (pk)
      check(pk->shape == Shape{B, N, P, H} && pv->shape == Shape{B, N, P, Hv} && pk->dtype == q.dtype &&
                pv->dtype == q.dtype,
            "past_key/past_value must be (batch, heads, past_seq, head)");
    const int64_t T_ = P + L;
    const int th = ctx.threads();
    Tensor qT = ctx.scratch(DType::Float, {B, N, S, H}), kT = ctx.scratch(DType::Float, {B, N, T_, H});
    Tensor vT = ctx.scratch(DType::Float, {B, N, T_, Hv});
    contrib::gatherHeads(qs, B, N, S, H, bq.empty() ? nullptr : bq.data(), qT.as<float>(), 0, S, th);
    if (pk) {
      contrib::gatherHeads(HeadSrc<T>{pk->as<T>(), {N * P * H, P * H, H}}, B, N, P, H, nullptr,
                           kT.as<float>(), 0, T_, th);
      contrib::gatherHeads(HeadSrc<T>{pv->as<T>(), {N * P * Hv, P * Hv, Hv}}, B, N, P, Hv, nullptr,
                           vT.as<float>(), 0, T_, th);
    }
    contrib::gatherHeads(ks, B, N, L, H, bk.empty() ? nullptr : bk.data(), kT.as<float>(), P, T_, th);
    contrib::gatherHeads(vs, B, N, L, Hv, bv.empty() ? nullptr : bv.data(), vT.as<float>(), P, T_, th);
    if (ctx.wantsOutput(1)) contrib::storeAll<T>(kT.as<float>(), ctx.allocOutput(1, q.dtype, {B, N, T_, H}));
    if (ctx.wantsOutput(2)) contrib::storeAll<T>(vT.as<float>(), ctx.allocOutput(2, q.dtype, {B, N, T_, Hv}));

    attn::Problem<float> p;
    p.batch = B, p.qHeads = N, p.kvHeads = N, p.qLen = S, p.kvLen = T_, p.headSize = H, p.vHeadSize = Hv;
    p.q = {qT.as<float>(), {N * S * H, S * H, H}};
    p.k = {kT.as<float>(), {N * T_ * H, T_ * H, H}};
    p.v = {vT.as<float>(), {N * T_ * Hv, T_ * Hv, Hv}};
    p.scale = hasScale_ && scale_ != 0.f ? scale_ : 1.f / std::sqrt(static_cast<float>(H));
    const Tensor* mask = ctx.hasInput(4) ? &ctx.input(4) : nullptr;
    std::vector<float> maskData, biasData;
    if (mask || (causal_ && S > 1)) {
      maskData = contrib::ortMask(mask, causal_ && S > 1, B, S, P, T_, filter_);
      p.bias[0].data = maskData.data();
      p.bias[0].s[0] = S * T_, p.bias[0].s[1] = 0, p.bias[0].s[2] = T_, p.bias[0].s[3] = 1;
    }
    if (ctx.hasInput(5)) p.bias[1] = contrib::attentionBias(ctx.input(5), B, N, S, T_, biasData);
    Tensor qkT;
    if (ctx.wantsOutput(3)) {
      qkT = ctx.scratch(DType::Float, {B, N, S, T_});
      p.qk = qkT.as<float>(), p.qkMode = attn::QkMode::Biased;
    }
    Tensor& y = ctx.allocOutput(0, q.dtype, {B, S, N * Hv});
    Tensor yT;
    float* yf;
    if constexpr (std::is_same_v<T, float>) {
      yf = y.as<float>();
    } else {
      yT = ctx.scratch(DType::Float, y.shape);
      yf = yT.as<float>();
    }
    p.y = yf, p.ys[0] = S * N * Hv, p.ys[1] = Hv, p.ys[2] = N * Hv;
    runner_.run<float>(ctx, p);
    if constexpr (!std::is_same_v<T, float>) contrib::storeAll<T>(yf, y);
    if (ctx.wantsOutput(3)) contrib::storeAll<T>(qkT.as<float>(), ctx.allocOutput(3, q.dtype, {B, N, S, T_}));
  }

  int64_t heads_;
  bool causal_, hasScale_;
  float scale_, filter_;
  attn::Runner runner_;
};

ONNXFLEET_KERNEL("com.microsoft", "MultiHeadAttention", 1, "cpu", MultiHeadAttentionKernel);

}  // namespace
}  // namespace onnxfleet
