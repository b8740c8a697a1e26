// GroupQueryAttention (com.microsoft): decoder attention with kv_num_heads shared K/V heads and a KV cache.
// query is (batch, seq, heads * head) with key/value (batch, seq, kv_heads * head), or packed QKV
// (batch, seq, (heads + 2 * kv_heads) * head). seqlens_k[b] + 1 is batch b's total length; a first prompt
// (seq == total_sequence_length) starts at position 0, otherwise the new tokens follow the cached
// total - seq ones. The present caches are (batch, kv_heads, max(total_sequence_length, past buffer), head):
// past rows, then the new rows, zeros after. Optional rotary embedding of Q/K (do_rotary, cos/sin caches of
// width rotary_dim / 2, position_ids or the implied positions), causal masking with a local window,
// softcap, attention_bias, smooth softmax / head_sink, and the qk output. Quantized caches and QK norm
// weights are not supported. Computes in float.
#include <cmath>

#include "cpu/contrib/ms_attention_util.h"
#include "cpu/transformer/rotary.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class GroupQueryAttentionKernel : public Kernel {
 public:
  GroupQueryAttentionKernel(const NodeDesc& n, const CompileContext&)
      : heads_(n.required("num_heads").i),
        kvHeads_(n.required("kv_num_heads").i),
        scale_(n.getFloat("scale", 0)),
        softcap_(n.getFloat("softcap", 0)),
        window_(n.getInt("local_window_size", -1)),
        rotary_(n.getInt("do_rotary", 0) != 0),
        interleaved_(n.getInt("rotary_interleaved", 0) != 0),
        smooth_(n.getInt("smooth_softmax", 0) != 0),
        causal_(n.getInt("causal", 1) != 0),
        qkOutput_(n.getInt("qk_output", 0)) {
    check(heads_ > 0 && kvHeads_ > 0 && heads_ % kvHeads_ == 0,
          "num_heads must be a multiple of kv_num_heads");
    for (const char* a : {"k_quant_type", "v_quant_type"})
      check(n.getString(a, "NONE") == "NONE", std::string(a) + " (quantized KV cache) is not supported");
    check(n.getInt("sliding_window_cache", 0) == 0, "sliding_window_cache is not supported");
  }

  void compute(KernelContext& ctx) override {
    dispatchTypes<float, Half, BFloat16>(ctx.input(0).dtype, "GroupQueryAttention",
                                         [&](auto tag) { run<typename decltype(tag)::type>(ctx); });
  }

 private:
  template <typename T>
  void run(KernelContext& ctx) {
    using contrib::HeadSrc;
    const Tensor& q = ctx.input(0);
    const Tensor* k = ctx.hasInput(1) ? &ctx.input(1) : nullptr;
    const Tensor* v = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    const Tensor* pk = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    const Tensor* pv = ctx.hasInput(4) ? &ctx.input(4) : nullptr;
    for (int i = 12; i < ctx.numInputs(); ++i)
      check(!ctx.hasInput(i), "k_scale/v_scale/q_norm_weight/k_norm_weight are not supported");
    check(q.rank() == 3, "query must be (batch, seq, hidden), got " + shapeToString(q.shape));
    const int64_t B = q.shape[0], S = q.shape[1], N = heads_, Nkv = kvHeads_;
    const bool packed = k == nullptr;
    check(packed == (v == nullptr), "key and value must be given together");
    const int64_t H = packed ? q.shape[2] / (N + 2 * Nkv) : q.shape[2] / N;
    check(H > 0 && q.shape[2] == (packed ? (N + 2 * Nkv) * H : N * H),
          "query's hidden size does not split into heads");
    if (!packed)
      check(k->shape == Shape{B, S, Nkv * H} && v->shape == Shape{B, S, Nkv * H} && k->dtype == q.dtype &&
                v->dtype == q.dtype,
            "key/value must be (batch, seq, kv_heads * head) like the query");
    check((pk == nullptr) == (pv == nullptr), "past_key and past_value must be given together");
    if (pk)
      check(pk->rank() == 4 && pv->rank() == 4, "past_key/past_value must be (batch, kv_heads, past, head)");
    const int64_t Pbuf = pk ? pk->shape[2] : 0;
    if (pk)
      check(pk->shape == Shape{B, Nkv, Pbuf, H} && pv->shape == pk->shape && pk->dtype == q.dtype &&
                pv->dtype == q.dtype,
            "past_key/past_value must be (batch, kv_heads, past, head)");
    const std::vector<int64_t> seqlens = readInts(ctx.input(5), "seqlens_k");
    check(static_cast<int64_t>(seqlens.size()) == B, "seqlens_k must have batch_size values");
    const int64_t total = readScalarInt(ctx.input(6), "total_sequence_length");
    check(total >= S, "total_sequence_length " + std::to_string(total) + " is shorter than the sequence " +
                          std::to_string(S));
    const int64_t Tp = std::max(total, Pbuf);
    const bool firstPrompt = S == total;
    std::vector<int64_t> ends(B), past(B);
    for (int64_t b = 0; b < B; ++b) {
      ends[b] = seqlens[b] + 1;
      past[b] = firstPrompt ? 0 : ends[b] - S;
      check(
          ends[b] <= Tp && past[b] >= 0 && past[b] <= Pbuf,
          "seqlens_k[" + std::to_string(b) + "] = " + std::to_string(seqlens[b]) + " does not fit the cache");
    }
    const int th = ctx.threads();
    const int64_t row = q.shape[2];
    HeadSrc<T> qs{q.as<T>(), {S * row, H, row}}, ks, vs;
    if (packed) {
      ks = {q.as<T>() + N * H, {S * row, H, row}}, vs = {q.as<T>() + (N + Nkv) * H, {S * row, H, row}};
    } else {
      ks = {k->as<T>(), {S * Nkv * H, H, Nkv * H}}, vs = {v->as<T>(), {S * Nkv * H, H, Nkv * H}};
    }
    Tensor qT = ctx.scratch(DType::Float, {B, N, S, H}), knew = ctx.scratch(DType::Float, {B, Nkv, S, H});
    contrib::gatherHeads(qs, B, N, S, H, nullptr, qT.as<float>(), 0, S, th);
    contrib::gatherHeads(ks, B, Nkv, S, H, nullptr, knew.as<float>(), 0, S, th);
    if (rotary_) rotate<T>(ctx, qT.as<float>(), knew.as<float>(), B, N, Nkv, S, H, past);

    Tensor kT = ctx.scratch(DType::Float, {B, Nkv, Tp, H}), vT = ctx.scratch(DType::Float, {B, Nkv, Tp, H});
    std::fill(kT.as<float>(), kT.as<float>() + kT.numel(), 0.f);
    std::fill(vT.as<float>(), vT.as<float>() + vT.numel(), 0.f);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < Nkv; ++h) {
        float* kd = kT.as<float>() + (b * Nkv + h) * Tp * H;
        float* vd = vT.as<float>() + (b * Nkv + h) * Tp * H;
        for (int64_t i = 0; i < past[b] * H; ++i) {
          kd[i] = Num<T>::load(pk->as<T>()[(b * Nkv + h) * Pbuf * H + i]);
          vd[i] = Num<T>::load(pv->as<T>()[(b * Nkv + h) * Pbuf * H + i]);
        }
        std::copy_n(knew.as<float>() + (b * Nkv + h) * S * H, S * H, kd + past[b] * H);
        const T* vsrc = vs.data + b * vs.s[0] + h * vs.s[1];
        for (int64_t i = 0; i < S; ++i)
          for (int64_t e = 0; e < H; ++e) vd[(past[b] + i) * H + e] = Num<T>::load(vsrc[i * vs.s[2] + e]);
      }
    if (ctx.wantsOutput(1))
      contrib::storeAll<T>(kT.as<float>(), ctx.allocOutput(1, q.dtype, {B, Nkv, Tp, H}));
    if (ctx.wantsOutput(2))
      contrib::storeAll<T>(vT.as<float>(), ctx.allocOutput(2, q.dtype, {B, Nkv, Tp, H}));

    attn::Problem<float> p;
    p.batch = B, p.qHeads = N, p.kvHeads = Nkv, p.qLen = S, p.kvLen = Tp, p.headSize = H, p.vHeadSize = H;
    p.q = {qT.as<float>(), {N * S * H, S * H, H}};
    p.k = {kT.as<float>(), {Nkv * Tp * H, Tp * H, H}};
    p.v = {vT.as<float>(), {Nkv * Tp * H, Tp * H, H}};
    p.scale = scale_ != 0.f ? scale_ : 1.f / std::sqrt(static_cast<float>(H));
    p.softcap = softcap_;
    p.kvEnd = ends.data(), p.offset = past.data(), p.causal = causal_;
    p.window = window_ > 0 ? window_ : -1;
    std::vector<float> biasData, sink;
    if (ctx.hasInput(10)) {
      const Tensor& ab = ctx.input(10);
      check(ab.rank() == 4 && (ab.shape[0] == B || ab.shape[0] == 1) &&
                (ab.shape[1] == N || ab.shape[1] == 1) && ab.shape[2] == S && ab.shape[3] == total,
            "attention_bias must be (batch or 1, heads or 1, seq, total_sequence_length), got " +
                shapeToString(ab.shape));
      biasData = loadFloats<float>(ab, "attention_bias");
      p.bias[0].data = biasData.data();
      p.bias[0].s[0] = ab.shape[0] == 1 ? 0 : ab.shape[1] * S * total;
      p.bias[0].s[1] = ab.shape[1] == 1 ? 0 : S * total;
      p.bias[0].s[2] = total, p.bias[0].s[3] = 1, p.bias[0].width = total;
    }
    if (ctx.hasInput(11)) {
      sink = loadFloats<float>(ctx.input(11), "head_sink");
      check(static_cast<int64_t>(sink.size()) == N, "head_sink must have num_heads values");
    } else if (smooth_) {
      sink.assign(N, 0.f);
    }
    if (!sink.empty()) p.sink = sink.data();
    Tensor qkT;
    if (ctx.wantsOutput(3)) {
      check(qkOutput_ == 1 || qkOutput_ == 2, "output_qk needs qk_output 1 or 2");
      qkT = ctx.scratch(DType::Float, {B, N, S, Tp});
      p.qk = qkT.as<float>(), p.qkMode = qkOutput_ == 1 ? attn::QkMode::Biased : attn::QkMode::Probs;
    }
    Tensor& y = ctx.allocOutput(0, q.dtype, {B, S, N * H});
    Tensor yT = ctx.scratch(DType::Float, y.shape);
    p.y = yT.as<float>(), p.ys[0] = S * N * H, p.ys[1] = H, p.ys[2] = N * H;
    runner_.run<float>(ctx, p);
    contrib::storeAll<T>(yT.as<float>(), y);
    if (ctx.wantsOutput(3)) {
      Tensor& qk = ctx.allocOutput(3, q.dtype, {B, N, S, total});
      for (int64_t r = 0; r < B * N * S; ++r)
        for (int64_t j = 0; j < total; ++j)
          qk.as<T>()[r * total + j] =
              Num<T>::store(static_cast<typename Num<T>::C>(qkT.as<float>()[r * Tp + j]));
    }
  }

  // Rotates the new Q and K heads in place by the position of each token.
  template <typename T>
  void rotate(KernelContext& ctx, float* q, float* k, int64_t B, int64_t N, int64_t Nkv, int64_t S, int64_t H,
              const std::vector<int64_t>& past) {
    check(ctx.hasInput(7) && ctx.hasInput(8), "do_rotary needs cos_cache and sin_cache");
    const Tensor& cosT = ctx.input(7);
    const Tensor& sinT = ctx.input(8);
    check(cosT.rank() == 2 && cosT.shape == sinT.shape && cosT.dtype == ctx.input(0).dtype &&
              sinT.dtype == cosT.dtype && cosT.shape[1] * 2 <= H,
          "cos_cache/sin_cache must be (max_seq, rotary_dim / 2) with rotary_dim <= head_size");
    const int64_t half = cosT.shape[1], rot = 2 * half;
    std::vector<int64_t> pos(static_cast<size_t>(B * S));
    if (ctx.hasInput(9)) {
      pos = readInts(ctx.input(9), "position_ids");
      check(static_cast<int64_t>(pos.size()) == B * S, "position_ids must be (batch, seq)");
    } else {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t s = 0; s < S; ++s) pos[b * S + s] = past[b] + s;
    }
    for (int64_t p : pos)
      check(p >= 0 && p < cosT.shape[0], "position " + std::to_string(p) + " is outside the rotary cache");
    const T* cp = cosT.as<T>();
    const T* sp = sinT.as<T>();
    auto apply = [&](float* x, int64_t heads) {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < heads; ++h)
          for (int64_t s = 0; s < S; ++s) {
            float* r = x + ((b * heads + h) * S + s) * H;
            const int64_t off = pos[b * S + s] * half;
            rotateHead(r, r, cp + off, sp + off, rot, H, interleaved_);
          }
    };
    apply(q, N);
    apply(k, Nkv);
  }

  int64_t heads_, kvHeads_;
  float scale_, softcap_;
  int64_t window_;
  bool rotary_, interleaved_, smooth_, causal_;
  int64_t qkOutput_;
  attn::Runner runner_;
};

ONNXFLEET_KERNEL("com.microsoft", "GroupQueryAttention", 1, "cpu", GroupQueryAttentionKernel);

}  // namespace
}  // namespace onnxfleet
