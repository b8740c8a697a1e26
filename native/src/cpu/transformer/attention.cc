// Attention (opset 23, 24): scaled dot-product attention over 4-D (batch, heads, seq, head_size) or 3-D
// (batch, seq, heads * head_size) Q/K/V with grouped-query heads, an optional bool or additive mask
// (broadcast to (batch, q_heads, q_seq, total_seq); a shorter last dim is padded with -inf), is_causal with
// bottom-right alignment, an in-op KV cache (past/present), opset 24's nonpad_kv_seqlen, softcap and the
// qk_matmul_output modes. Q and K are pre-scaled by sqrt(scale) as the spec describes; 16-bit inputs compute
// in float with the reference's roundings (attention_core.h).
#include <cmath>

#include "core/kernel.h"
#include "cpu/transformer/attention_core.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// Heads of a 3-D (b, seq, heads*dim) or 4-D (b, heads, seq, dim) tensor, copied into a (b, heads, dstLen,
// dim) buffer at sequence offset `at`, each element times `mul` rounded as R.
template <typename T, typename C, typename R>
void gatherHeads(const Tensor& x, bool is3d, int64_t heads, int64_t dim, C mul, C* dst, int64_t at,
                 int64_t dstLen, int threads) {
  const int64_t batch = x.shape[0], len = is3d ? x.shape[1] : x.shape[2];
  const T* src = x.as<T>();
  parallelFor(threads, batch * heads * len, std::max<int64_t>(1, 16384 / std::max<int64_t>(dim, 1)),
              [&](int64_t b0, int64_t e0) {
                for (int64_t r = b0; r < e0; ++r) {
                  const int64_t i = r % len, h = (r / len) % heads, b = r / (len * heads);
                  const T* s = src + (is3d ? ((b * len + i) * heads + h) * dim : r * dim);
                  C* d = dst + ((b * heads + h) * dstLen + at + i) * dim;
                  for (int64_t e = 0; e < dim; ++e)
                    d[e] = attn::roundAs<R>(static_cast<C>(Num<T>::load(s[e])) * mul);
                }
              });
}

class AttentionKernel : public Kernel {
 public:
  AttentionKernel(const NodeDesc& n, const CompileContext&)
      : causal_(n.getInt("is_causal", 0) != 0),
        qHeads_(n.getInt("q_num_heads", 0)),
        kvHeads_(n.getInt("kv_num_heads", 0)),
        qkMode_(n.getInt("qk_matmul_output_mode", 0)),
        hasScale_(n.has("scale")),
        scale_(n.getFloat("scale", 0)),
        softcap_(n.getFloat("softcap", 0)) {
    check(qkMode_ >= 0 && qkMode_ <= 3, "qk_matmul_output_mode must be 0..3");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& q = ctx.input(0);
    dispatchTypes<float, double, Half, BFloat16>(q.dtype, "Attention", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      using R = std::conditional_t<std::is_same_v<T, double> || std::is_same_v<T, float>, C, T>;
      run<T, C, R>(ctx);
    });
  }

 private:
  template <typename T, typename C, typename R>
  void run(KernelContext& ctx) {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    const Tensor* mask = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    const Tensor* pastK = ctx.hasInput(4) ? &ctx.input(4) : nullptr;
    const Tensor* pastV = ctx.hasInput(5) ? &ctx.input(5) : nullptr;
    const Tensor* nonpad = ctx.hasInput(6) ? &ctx.input(6) : nullptr;
    const int r = q.rank();
    check((r == 3 || r == 4) && k.rank() == r && v.rank() == r, "Q, K and V must all be 3-D or all 4-D");
    check(k.dtype == q.dtype, "K must have Q's element type");
    check(v.dtype == q.dtype, "V must have Q's element type (mixed T1/T2 is not supported)");
    const bool is3d = r == 3;
    const int64_t B = q.shape[0];
    int64_t hq, hkv, D, Dk, Dv;
    if (is3d) {
      check(qHeads_ > 0 && kvHeads_ > 0, "3-D inputs need the q_num_heads and kv_num_heads attributes");
      hq = qHeads_, hkv = kvHeads_;
      check(q.shape[2] % hq == 0 && k.shape[2] % hkv == 0 && v.shape[2] % hkv == 0,
            "hidden sizes must be multiples of the head counts");
      D = q.shape[2] / hq, Dk = k.shape[2] / hkv, Dv = v.shape[2] / hkv;
    } else {
      hq = q.shape[1], hkv = k.shape[1], D = q.shape[3], Dk = k.shape[3], Dv = v.shape[3];
      check(v.shape[1] == hkv, "K and V must have the same number of heads");
    }
    const int64_t Lq = is3d ? q.shape[1] : q.shape[2], L = is3d ? k.shape[1] : k.shape[2];
    check(k.shape[0] == B && v.shape[0] == B, "Q, K and V must have the same batch size");
    check((is3d ? v.shape[1] : v.shape[2]) == L, "K and V must have the same sequence length");
    check(Dk == D, "Q and K must have the same head size");
    check(hkv > 0 && hq % hkv == 0,
          "q heads " + std::to_string(hq) + " must be a multiple of kv heads " + std::to_string(hkv));
    check((pastK == nullptr) == (pastV == nullptr), "past_key and past_value must be given together");
    const int64_t P = pastK ? pastK->shape.size() == 4 ? pastK->shape[2] : -1 : 0;
    if (pastK) {
      check(pastK->shape == Shape{B, hkv, P, D} && pastV->shape == Shape{B, hkv, P, Dv},
            "past_key/past_value must be (batch, kv_heads, past_seq, head_size), got " + pastK->describe() +
                " and " + pastV->describe());
      check(pastK->dtype == q.dtype && pastV->dtype == q.dtype,
            "past_key/past_value must have Q's element type");
      check(!nonpad, "nonpad_kv_seqlen cannot be combined with past_key/past_value");
    }
    const int64_t T_ = P + L;
    const double scale = hasScale_ ? scale_ : 1.0 / std::sqrt(static_cast<double>(D));
    const C mul = attn::roundAs<R>(static_cast<C>(std::sqrt(scale)));

    // Present K/V (the cache with the new tokens appended) and Q, K, V in the compute type.
    Tensor qc = ctx.scratch(DTypeOf<C>::value, {B, hq, Lq, D});
    Tensor kc = ctx.scratch(DTypeOf<C>::value, {B, hkv, T_, D});
    Tensor vc = ctx.scratch(DTypeOf<C>::value, {B, hkv, T_, Dv});
    const int th = ctx.threads();
    gatherHeads<T, C, R>(q, is3d, hq, D, mul, qc.as<C>(), 0, Lq, th);
    if (pastK) {
      gatherHeads<T, C, R>(*pastK, false, hkv, D, mul, kc.as<C>(), 0, T_, th);
      gatherHeads<T, C, C>(*pastV, false, hkv, Dv, C(1), vc.as<C>(), 0, T_, th);
    }
    gatherHeads<T, C, R>(k, is3d, hkv, D, mul, kc.as<C>(), P, T_, th);
    gatherHeads<T, C, C>(v, is3d, hkv, Dv, C(1), vc.as<C>(), P, T_, th);
    if (ctx.wantsOutput(1))
      writePresent<T>(ctx.allocOutput(1, q.dtype, {B, hkv, T_, D}), pastK, k, is3d, hkv, D, P);
    if (ctx.wantsOutput(2))
      writePresent<T>(ctx.allocOutput(2, q.dtype, {B, hkv, T_, Dv}), pastV, v, is3d, hkv, Dv, P);

    attn::Problem<C> p;
    p.batch = B, p.qHeads = hq, p.kvHeads = hkv, p.qLen = Lq, p.kvLen = T_, p.headSize = D, p.vHeadSize = Dv;
    p.q = {qc.as<C>(), {hq * Lq * D, Lq * D, D}};
    p.k = {kc.as<C>(), {hkv * T_ * D, T_ * D, D}};
    p.v = {vc.as<C>(), {hkv * T_ * Dv, T_ * Dv, Dv}};
    Tensor yc = ctx.scratch(DTypeOf<C>::value, {B, hq, Lq, Dv});
    p.y = yc.as<C>(), p.ys[0] = hq * Lq * Dv, p.ys[1] = Lq * Dv, p.ys[2] = Dv;
    p.softcap = static_cast<C>(softcap_);
    std::vector<C> maskData;
    if (mask) p.bias[0] = maskBias<C>(*mask, {B, hq, Lq, T_}, maskData);
    std::vector<int64_t> offsets(static_cast<size_t>(B), P), ends;
    if (nonpad) {
      check(nonpad->numel() == B, "nonpad_kv_seqlen must have batch_size values, got " + nonpad->describe());
      ends = readInts(*nonpad, "nonpad_kv_seqlen");
      for (int64_t b = 0; b < B; ++b) offsets[b] = ends[b] - Lq;
      p.kvEnd = ends.data();
    }
    p.causal = causal_, p.offset = offsets.data();
    Tensor qkc;
    if (ctx.wantsOutput(3)) {
      qkc = ctx.scratch(DTypeOf<C>::value, {B, hq, Lq, T_});
      p.qk = qkc.as<C>(), p.qkMode = static_cast<attn::QkMode>(qkMode_);
    }
    runner_.run<R>(ctx, p);

    Tensor& y = ctx.allocOutput(0, q.dtype, is3d ? Shape{B, Lq, hq * Dv} : Shape{B, hq, Lq, Dv});
    T* yp = y.as<T>();
    const C* yb = yc.as<C>();
    parallelFor(th, B * hq * Lq, std::max<int64_t>(1, 16384 / std::max<int64_t>(Dv, 1)),
                [&](int64_t b0, int64_t e0) {
                  for (int64_t row = b0; row < e0; ++row) {
                    const int64_t i = row % Lq, h = (row / Lq) % hq, b = row / (Lq * hq);
                    T* d = yp + (is3d ? ((b * Lq + i) * hq + h) * Dv : row * Dv);
                    for (int64_t e = 0; e < Dv; ++e)
                      d[e] = Num<T>::store(static_cast<typename Num<T>::C>(yb[row * Dv + e]));
                  }
                });
    if (ctx.wantsOutput(3)) {
      Tensor& qk = ctx.allocOutput(3, q.dtype, {B, hq, Lq, T_});
      const C* s = qkc.as<C>();
      T* d = qk.as<T>();
      for (int64_t i = 0; i < qk.numel(); ++i) d[i] = Num<T>::store(static_cast<typename Num<T>::C>(s[i]));
    }
  }

  // present = concat(past, new) along the sequence axis, in (batch, kv_heads, total, dim) layout.
  template <typename T>
  static void writePresent(Tensor& out, const Tensor* past, const Tensor& x, bool is3d, int64_t heads,
                           int64_t dim, int64_t P) {
    const int64_t B = x.shape[0], L = is3d ? x.shape[1] : x.shape[2], T_ = P + L;
    T* o = out.as<T>();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < heads; ++h) {
        T* dst = o + (b * heads + h) * T_ * dim;
        if (past) copyN(dst, past->as<T>() + (b * heads + h) * P * dim, P * dim);
        for (int64_t i = 0; i < L; ++i)
          copyN(dst + (P + i) * dim,
                x.as<T>() + (is3d ? ((b * L + i) * heads + h) * dim : ((b * heads + h) * L + i) * dim), dim);
      }
  }

  // The mask as an additive bias in C (bool: true -> 0, false -> -inf), broadcast right-aligned to `target`;
  // a last dim shorter than the key sequence leaves the remaining keys at -inf.
  template <typename C>
  static attn::Bias<C> maskBias(const Tensor& m, const Shape& target, std::vector<C>& data) {
    check(m.rank() >= 1 && m.rank() <= 4, "attn_mask must have rank 1 to 4, got " + shapeToString(m.shape));
    const int mr = m.rank();
    check(m.shape[mr - 1] <= target[3], "attn_mask " + shapeToString(m.shape) + " is longer than the " +
                                            std::to_string(target[3]) + " keys");
    data.resize(static_cast<size_t>(m.numel()));
    if (m.dtype == DType::Bool) {
      const uint8_t* b = m.as<uint8_t>();
      for (size_t i = 0; i < data.size(); ++i) data[i] = b[i] ? C(0) : -std::numeric_limits<C>::infinity();
    } else {
      dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(m.dtype, "attn_mask", [&](auto tag) {
        using M = typename decltype(tag)::type;
        const M* s = m.as<M>();
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<C>(Num<M>::load(s[i]));
      });
    }
    attn::Bias<C> bias;
    bias.data = data.data();
    bias.width = m.shape[mr - 1];
    int64_t stride = 1;
    for (int d = mr - 1; d >= 0; --d) {
      const int td = 4 - mr + d;
      if (td < 3)
        check(m.shape[d] == 1 || m.shape[d] == target[td],
              "attn_mask " + shapeToString(m.shape) + " does not broadcast to " + shapeToString(target));
      bias.s[td] = (m.shape[d] == 1 && td < 3) ? 0 : stride;
      stride *= m.shape[d];
    }
    return bias;
  }

  bool causal_;
  int64_t qHeads_, kvHeads_, qkMode_;
  bool hasScale_;
  float scale_, softcap_;
  attn::Runner runner_;
};

ONNX_CPU_KERNEL("Attention", 23, AttentionKernel);
ONNX_CPU_KERNEL("Attention", 24, AttentionKernel);

}  // namespace
}  // namespace onnxfleet
