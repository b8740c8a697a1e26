// Attention (com.microsoft, BERT/GPT-2 style): Q, K, V = input x weights + bias (the three projections
// stacked along the weights' columns, sizes from qkv_hidden_sizes or equal thirds), multi-head scaled
// dot-product attention with onnxruntime's masks (mask_index, unidirectional, attention_bias; masked keys
// get mask_filter_value added), and an optional past/present cache of shape (2, batch, heads, seq, head).
// Everything computes in float; 16-bit inputs are widened. do_rotary and shared past/present buffers are not
// supported.
#include <cmath>

#include "cpu/contrib/dense_gemm.h"
#include "cpu/contrib/ms_attention_util.h"

namespace onnxfleet {
namespace {

class MsAttentionKernel : public Kernel {
 public:
  MsAttentionKernel(const NodeDesc& n, const CompileContext&)
      : heads_(n.required("num_heads").i),
        causal_(n.getInt("unidirectional", 0) != 0),
        hasScale_(n.has("scale")),
        scale_(n.getFloat("scale", 0)),
        filter_(n.getFloat("mask_filter_value", -10000.f)),
        sizes_(n.getInts("qkv_hidden_sizes")) {
    check(heads_ > 0, "num_heads must be positive");
    check(n.getInt("do_rotary", 0) == 0, "do_rotary is not supported");
    check(n.getInt("past_present_share_buffer", 0) == 0, "past_present_share_buffer is not supported");
    check(sizes_.empty() || sizes_.size() == 3, "qkv_hidden_sizes must have 3 values");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    dispatchTypes<float, Half, BFloat16>(x.dtype, "Attention",
                                         [&](auto tag) { run<typename decltype(tag)::type>(ctx); });
  }

 private:
  template <typename T>
  static const float* asFloat(KernelContext& ctx, const Tensor& t, Tensor& holder) {
    if constexpr (std::is_same_v<T, float>) {
      return t.as<float>();
    } else {
      holder = ctx.scratch(DType::Float, t.shape);
      for (int64_t i = 0; i < t.numel(); ++i) holder.as<float>()[i] = Num<T>::load(t.as<T>()[i]);
      return holder.as<float>();
    }
  }

  template <typename T>
  void run(KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    check(x.rank() == 3, "input must be (batch, sequence, input_hidden), got " + shapeToString(x.shape));
    check(w.rank() == 2 && w.shape[0] == x.shape[2] && w.dtype == x.dtype,
          "weights must be (input_hidden, hidden_q + hidden_k + hidden_v), got " + w.describe());
    check(!ctx.hasInput(6), "past_sequence_length (shared past/present buffers) is not supported");
    const int64_t B = x.shape[0], S = x.shape[1], Din = x.shape[2], Dsum = w.shape[1], N = heads_;
    const int64_t Dq = sizes_.empty() ? Dsum / 3 : sizes_[0], Dk = sizes_.empty() ? Dsum / 3 : sizes_[1];
    const int64_t Dv = sizes_.empty() ? Dsum / 3 : sizes_[2];
    check(Dq > 0 && Dv > 0 && Dq + Dk + Dv == Dsum && Dq == Dk && Dq % N == 0 && Dv % N == 0,
          "hidden sizes " + std::to_string(Dq) + "/" + std::to_string(Dk) + "/" + std::to_string(Dv) +
              " do not fit the weights' " + std::to_string(Dsum) + " columns and " + std::to_string(N) +
              " heads");
    const int64_t H = Dq / N, Hv = Dv / N;
    const Tensor* past = ctx.hasInput(4) ? &ctx.input(4) : nullptr;
    const int64_t P = past ? (past->rank() == 5 ? past->shape[3] : -1) : 0;
    if (past)
      check(past->shape == Shape{2, B, N, P, H} && H == Hv && past->dtype == x.dtype,
            "past must be (2, batch, heads, past_seq, head_size), got " + past->describe());
    const int64_t T_ = P + S;
    const int th = ctx.threads();

    // QKV projection in float: (B*S, Din) x (Din, Dsum) + bias.
    Tensor xh, wh, qkvT = ctx.scratch(DType::Float, {B * S, Dsum});
    const float* xf = asFloat<T>(ctx, x, xh);
    const float* wf = asFloat<T>(ctx, w, wh);
    float* qkv = qkvT.as<float>();
    if (B * S > 0 && Din > 0)
      mm_.run(ctx, {{B * S, Din}, {Din, 1}, xf}, {{Din, Dsum}, {Dsum, 1}, wf}, {B * S, Dsum}, qkv, 1.f);
    else
      std::fill(qkv, qkv + B * S * Dsum, 0.f);
    if (ctx.hasInput(2)) {
      const Tensor& bias = ctx.input(2);
      check(bias.numel() == Dsum, "bias must have " + std::to_string(Dsum) + " values");
      const std::vector<float> bv = loadFloats<float>(bias, "bias");
      for (int64_t r = 0; r < B * S; ++r)
        for (int64_t j = 0; j < Dsum; ++j) qkv[r * Dsum + j] += bv[j];
    }
    // K and V with the past prepended, (B, N, T, H).
    Tensor kT = ctx.scratch(DType::Float, {B, N, T_, H}), vT = ctx.scratch(DType::Float, {B, N, T_, Hv});
    if (past) {
      contrib::HeadSrc<T> pk{past->as<T>(), {N * P * H, P * H, H}};
      contrib::HeadSrc<T> pv{past->as<T>() + B * N * P * H, {N * P * H, P * H, H}};
      contrib::gatherHeads(pk, B, N, P, H, nullptr, kT.as<float>(), 0, T_, th);
      contrib::gatherHeads(pv, B, N, P, H, nullptr, vT.as<float>(), 0, T_, th);
    }
    contrib::gatherHeads(contrib::HeadSrc<float>{qkv + Dq, {S * Dsum, H, Dsum}}, B, N, S, H, nullptr,
                         kT.as<float>(), P, T_, th);
    contrib::gatherHeads(contrib::HeadSrc<float>{qkv + Dq + Dk, {S * Dsum, Hv, Dsum}}, B, N, S, Hv, nullptr,
                         vT.as<float>(), P, T_, th);
    if (ctx.wantsOutput(1)) {
      Tensor& present = ctx.allocOutput(1, x.dtype, {2, B, N, T_, H});
      T* pp = present.as<T>();
      const float* ks = kT.as<float>();
      const float* vs = vT.as<float>();
      const int64_t half = B * N * T_ * H;
      for (int64_t i = 0; i < half; ++i) pp[i] = Num<T>::store(ks[i]), pp[half + i] = Num<T>::store(vs[i]);
    }

    attn::Problem<float> p;
    p.batch = B, p.qHeads = N, p.kvHeads = N, p.qLen = S, p.kvLen = T_, p.headSize = H, p.vHeadSize = Hv;
    p.q = {qkv, {S * Dsum, H, Dsum}};
    p.k = {kT.as<float>(), {N * T_ * H, T_ * H, H}};
    p.v = {vT.as<float>(), {N * T_ * Hv, T_ * Hv, Hv}};
    p.scale = hasScale_ && scale_ != 0.f ? scale_ : 1.f / std::sqrt(static_cast<float>(H));
    const Tensor* mask = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    std::vector<float> maskData, biasData;
    if (mask || (causal_ && S > 1)) {
      maskData = contrib::ortMask(mask, causal_ && S > 1, B, S, P, T_, filter_);
      p.bias[0].data = maskData.data();
      p.bias[0].s[0] = S * T_, p.bias[0].s[1] = 0, p.bias[0].s[2] = T_, p.bias[0].s[3] = 1;
    }
    if (ctx.hasInput(5)) p.bias[1] = contrib::attentionBias(ctx.input(5), B, N, S, T_, biasData);
    Tensor& y = ctx.allocOutput(0, x.dtype, {B, S, Dv});
    Tensor yT;
    float* yf;
    if constexpr (std::is_same_v<T, float>) {
      yf = y.as<float>();
    } else {
      yT = ctx.scratch(DType::Float, y.shape);
      yf = yT.as<float>();
    }
    p.y = yf, p.ys[0] = S * Dv, p.ys[1] = Hv, p.ys[2] = Dv;
    runner_.run<float>(ctx, p);
    if constexpr (!std::is_same_v<T, float>) contrib::storeAll<T>(yf, y);
  }

  int64_t heads_;
  bool causal_, hasScale_;
  float scale_, filter_;
  std::vector<int64_t> sizes_;
  contrib::StridedMatMul mm_;
  attn::Runner runner_;
};

ONNXFLEET_KERNEL("com.microsoft", "Attention", 1, "cpu", MsAttentionKernel);

}  // namespace
}  // namespace onnxfleet
