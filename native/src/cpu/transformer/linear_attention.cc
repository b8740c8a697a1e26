// LinearAttention (opset 27): the recurrent state S (d_k x d_v per batch and KV head, float) is updated once
// per token by the chosen rule, then read by the token's query heads:
//   linear:      S = S + k v^T                    gated:       S = exp(g) S + k v^T
//   delta:       S = S + k (beta (v - S^T k))^T   gated_delta: S = exp(g) S, then as delta
//   output = scale * S^T q
// q/k/v (and decay/beta) are packed (batch, T, heads * dim); query head h reads KV head h / (Hq / Hkv).
// Each (batch, KV head) is independent, so they run in parallel.
#include <cmath>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

template <typename T>
void loadRow(const Tensor& t, int64_t offset, int64_t n, float* out) {
  const T* p = t.as<T>() + offset;
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(Num<T>::load(p[i]));
}

float loadAt(const Tensor& t, int64_t i) {
  float v = 0;
  dispatchTypes<float, Half, BFloat16>(t.dtype, "LinearAttention", [&](auto tag) {
    using T = typename decltype(tag)::type;
    v = static_cast<float>(Num<T>::load(t.as<T>()[i]));
  });
  return v;
}

class LinearAttentionKernel : public Kernel {
 public:
  LinearAttentionKernel(const NodeDesc& n, const CompileContext&)
      : qHeads_(n.required("q_num_heads").i),
        kvHeads_(n.required("kv_num_heads").i),
        scale_(n.getFloat("scale", 0)) {
    const std::string rule = n.getString("update_rule", "gated_delta");
    check(rule == "linear" || rule == "gated" || rule == "delta" || rule == "gated_delta",
          "update_rule must be linear, gated, delta or gated_delta, got '" + rule + "'");
    gated_ = rule == "gated" || rule == "gated_delta";
    delta_ = rule == "delta" || rule == "gated_delta";
    check(qHeads_ > 0 && kvHeads_ > 0 && qHeads_ % kvHeads_ == 0,
          "q_num_heads must be a positive multiple of kv_num_heads");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    const Tensor* past = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    const Tensor* decay = ctx.hasInput(4) ? &ctx.input(4) : nullptr;
    const Tensor* beta = ctx.hasInput(5) ? &ctx.input(5) : nullptr;
    for (const Tensor* t : {&q, &k, &v})
      check(t->rank() == 3, "query, key and value must be (batch, T, heads * dim), got " + t->describe());
    const int64_t B = q.shape[0], T = q.shape[1];
    check(q.shape[2] % qHeads_ == 0 && v.shape[2] % kvHeads_ == 0,
          "hidden sizes must divide by the head counts");
    const int64_t dk = q.shape[2] / qHeads_, dv = v.shape[2] / kvHeads_;
    check(k.shape == Shape{B, T, kvHeads_ * dk},
          "key must be " + shapeToString({B, T, kvHeads_ * dk}) + ", got " + shapeToString(k.shape));
    check(v.shape[0] == B && v.shape[1] == T,
          "value must be (batch, T, kv_heads * d_v), got " + shapeToString(v.shape));
    check(k.dtype == q.dtype && v.dtype == q.dtype, "query, key and value must have one element type");
    check(gated_ == (decay != nullptr),
          gated_ ? "this update_rule requires decay" : "this update_rule forbids decay");
    check(delta_ == (beta != nullptr),
          delta_ ? "this update_rule requires beta" : "this update_rule forbids beta");
    const bool decayPerDim = decay && decay->shape.size() == 3 && decay->shape[2] == kvHeads_ * dk;
    if (decay)
      check(decay->rank() == 3 && decay->shape[0] == B && decay->shape[1] == T &&
                (decay->shape[2] == kvHeads_ || decayPerDim),
            "decay must be (batch, T, kv_heads) or (batch, T, kv_heads * d_k), got " +
                shapeToString(decay->shape));
    const int64_t betaLast = beta && beta->rank() == 3 ? beta->shape[2] : 0;
    if (beta)
      check(beta->rank() == 3 && beta->shape[0] == B && beta->shape[1] == T &&
                (betaLast == kvHeads_ || betaLast == 1),
            "beta must be (batch, T, kv_heads) or (batch, T, 1), got " + shapeToString(beta->shape));
    for (const Tensor* t : {decay, beta})
      check(!t || t->dtype == q.dtype, "decay and beta must have the query's element type");
    check(!past || past->dtype == DType::Float || past->dtype == DType::Float16 ||
              past->dtype == DType::BFloat16,
          "past_state must be float, float16 or bfloat16");
    check(q.dtype == DType::Float || q.dtype == DType::Float16 || q.dtype == DType::BFloat16,
          "query must be float, float16 or bfloat16");
    const Shape stateShape{B, kvHeads_, dk, dv};
    if (past)
      check(past->shape == stateShape,
            "past_state must be " + shapeToString(stateShape) + ", got " + shapeToString(past->shape));
    Tensor& out = ctx.allocOutput(0, q.dtype, {B, T, qHeads_ * dv});
    Tensor& present = ctx.allocOutput(1, past ? past->dtype : q.dtype, stateShape);
    const float scale = scale_ != 0.f ? scale_ : 1.f / std::sqrt(static_cast<float>(dk));
    const int64_t group = qHeads_ / kvHeads_;
    dispatchTypes<float, Half, BFloat16>(q.dtype, "LinearAttention", [&](auto tag) {
      using TT = typename decltype(tag)::type;
      parallelFor(ctx.threads(), B * kvHeads_, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> S(dk * dv), kt(dk), vt(dv), qt(dk), g(dk), o(dv);
        for (int64_t bh = begin; bh < end; ++bh) {
          const int64_t b = bh / kvHeads_, h = bh % kvHeads_;
          if (past)
            dispatchTypes<float, Half, BFloat16>(past->dtype, "past_state", [&](auto st) {
              using ST = typename decltype(st)::type;
              loadRow<ST>(*past, bh * dk * dv, dk * dv, S.data());
            });
          else
            std::fill(S.begin(), S.end(), 0.f);
          for (int64_t t = 0; t < T; ++t) {
            const int64_t tok = b * T + t;
            loadRow<TT>(k, (tok * kvHeads_ + h) * dk, dk, kt.data());
            loadRow<TT>(v, (tok * kvHeads_ + h) * dv, dv, vt.data());
            if (gated_) {
              if (decayPerDim) {
                loadRow<TT>(*decay, (tok * kvHeads_ + h) * dk, dk, g.data());
              } else {
                std::fill(g.begin(), g.end(), loadAt(*decay, tok * kvHeads_ + h));
              }
              for (int64_t d = 0; d < dk; ++d) {
                const float f = std::exp(g[d]);
                float* row = S.data() + d * dv;
                for (int64_t m = 0; m < dv; ++m) row[m] *= f;
              }
            }
            if (delta_) {
              const float bt = loadAt(*beta, tok * betaLast + (betaLast == 1 ? 0 : h));
              std::fill(o.begin(), o.end(), 0.f);  // o = S^T k
              for (int64_t d = 0; d < dk; ++d) {
                const float* row = S.data() + d * dv;
                for (int64_t m = 0; m < dv; ++m) o[m] += row[m] * kt[d];
              }
              for (int64_t m = 0; m < dv; ++m) vt[m] = bt * (vt[m] - o[m]);
            }
            for (int64_t d = 0; d < dk; ++d) {
              float* row = S.data() + d * dv;
              for (int64_t m = 0; m < dv; ++m) row[m] += kt[d] * vt[m];
            }
            for (int64_t j = 0; j < group; ++j) {
              const int64_t qh = h * group + j;
              loadRow<TT>(q, (tok * qHeads_ + qh) * dk, dk, qt.data());
              std::fill(o.begin(), o.end(), 0.f);
              for (int64_t d = 0; d < dk; ++d) {
                const float* row = S.data() + d * dv;
                for (int64_t m = 0; m < dv; ++m) o[m] += qt[d] * row[m];
              }
              TT* op = out.as<TT>() + (tok * qHeads_ + qh) * dv;
              for (int64_t m = 0; m < dv; ++m) op[m] = Num<TT>::store(scale * o[m]);
            }
          }
          dispatchTypes<float, Half, BFloat16>(present.dtype, "present_state", [&](auto st) {
            using ST = typename decltype(st)::type;
            ST* p = present.as<ST>() + bh * dk * dv;
            for (int64_t i = 0; i < dk * dv; ++i) p[i] = Num<ST>::store(S[i]);
          });
        }
      });
    });
  }

 private:
  int64_t qHeads_, kvHeads_;
  float scale_;
  bool gated_ = false, delta_ = false;
};

ONNX_CPU_KERNEL("LinearAttention", 27, LinearAttentionKernel);

}  // namespace
}  // namespace onnxfleet
