// Scaled dot-product attention shared by the attention kernels (ai.onnx Attention, com.microsoft Attention /
// MultiHeadAttention / GroupQueryAttention). The kernels bring Q, K, V into the compute type C (float or
// double) and describe them with strides; per query row this computes
//   s_j = scale * (q . k_j)  ->  softcap  ->  + bias  ->  softmax over the allowed keys  ->  y = sum p_j v_j
// either row by row (small problems, double) or with the two products as batched oneDNN matmuls (Runner).
// Query head h reads KV head h / (qHeads / kvHeads) (grouped-query attention).
// Keys outside a row's allowed range (causal frontier, padding, local window) get probability 0; masks that
// onnxruntime applies as a finite additive value are passed as bias instead. A row whose every key is
// disallowed (empty range or all bias -inf) yields zeros, not NaN.
// `R` is the element type whose rounding the intermediate scores and probabilities take, so 16-bit models
// follow the ONNX reference, which computes in the input type; R = C means no extra rounding.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/kernel.h"
#include "core/parallel.h"
#include "cpu/contrib/dense_gemm.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace attn {

template <typename R, typename C>
inline C roundAs(C v) {
  if constexpr (std::is_same_v<R, C>)
    return v;
  else
    return static_cast<C>(Num<R>::load(Num<R>::store(static_cast<typename Num<R>::C>(v))));
}

// A strided view: element (b, h, i) row starts at data + b*s[0] + h*s[1] + i*s[2]; rows are contiguous.
template <typename C>
struct Rows {
  const C* data = nullptr;
  int64_t s[3] = {0, 0, 0};
  const C* row(int64_t b, int64_t h, int64_t i) const { return data + b * s[0] + h * s[1] + i * s[2]; }
};

// An additive bias broadcast over (batch, q head, query, key) by strides (0 for broadcast dims). Keys at or
// past `width` read as -inf (a mask shorter than the key sequence is padded with -inf).
template <typename C>
struct Bias {
  const C* data = nullptr;
  int64_t s[4] = {0, 0, 0, 0};
  int64_t width = std::numeric_limits<int64_t>::max();
  const C* row(int64_t b, int64_t h, int64_t i) const { return data + b * s[0] + h * s[1] + i * s[2]; }
};

enum class QkMode { None = -1, Raw = 0, Softcapped = 1, Biased = 2, Probs = 3 };

template <typename C>
struct Problem {
  int64_t batch = 1, qHeads = 1, kvHeads = 1, qLen = 1, kvLen = 1, headSize = 1, vHeadSize = 1;
  Rows<C> q, k, v;
  C* y = nullptr;  // output rows, strides ys (batch, q head, query)
  int64_t ys[3] = {0, 0, 0};
  C scale = 1, softcap = 0;
  Bias<C> bias[2];  // up to two additive sources (e.g. a padding mask and an attention bias)
  // Allowed keys of query row i in batch b: lo <= j < hi, hi = min(kvLen, kvEnd[b]) and, when causal,
  // hi <= i + offset[b] + 1; with a local window (>= 0), lo = i + offset[b] - window.
  const int64_t* kvEnd = nullptr;   // per batch; null: all keys
  const int64_t* offset = nullptr;  // per batch causal offset; null: 0
  bool causal = false;
  int64_t window = -1;
  const C* sink = nullptr;  // per q head: an extra logit in the softmax denominator (attention sinks)
  C* qk = nullptr;          // optional (batch, q heads, qLen, kvLen) output of the scores at stage qkMode
  QkMode qkMode = QkMode::None;
};

template <typename C>
inline C dot(const C* a, const C* b, int64_t n) {
  constexpr int L = 8;
  C acc[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; ++l) acc[l] += a[i + l] * b[i + l];
  C s = 0;
  for (int l = 0; l < L; ++l) s += acc[l];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// The allowed key range [lo, hi) of query row i in batch b (empty when lo >= hi).
template <typename C>
inline void rowRange(const Problem<C>& p, int64_t b, int64_t i, int64_t& lo, int64_t& hi) {
  const int64_t off = p.offset ? p.offset[b] : 0;
  hi = p.kvEnd ? std::min(p.kvLen, p.kvEnd[b]) : p.kvLen, lo = 0;
  if (p.causal) hi = std::min(hi, i + off + 1);
  if (p.window >= 0) lo = std::max<int64_t>(0, i + off - p.window);
  hi = std::max<int64_t>(hi, 0);
}

// Turns the scaled scores s[j0, j1) of row r = (b, h, i) into probabilities over [lo, hi): softcap, bias,
// softmax (with the sink), R rounding, and the qk output at its stage. Returns false when no key is allowed
// (the row's output is zero). Entries of s outside [lo, hi) are left unspecified.
template <typename C, typename R>
bool softmaxRow(const Problem<C>& p, int64_t r, int64_t b, int64_t h, int64_t i, int64_t lo, int64_t hi, C* s,
                int64_t j0, int64_t j1) {
  constexpr C kNegInf = -std::numeric_limits<C>::infinity();
  C* qkRow = p.qk ? p.qk + r * p.kvLen : nullptr;
  for (int64_t j = j0; j < j1; ++j) s[j] = roundAs<R>(s[j]);
  if (p.qkMode == QkMode::Raw) std::copy(s, s + p.kvLen, qkRow);
  if (p.softcap > 0)
    for (int64_t j = j0; j < j1; ++j) s[j] = roundAs<R>(p.softcap * std::tanh(s[j] / p.softcap));
  if (p.qkMode == QkMode::Softcapped) std::copy(s, s + p.kvLen, qkRow);
  bool any = false;
  for (int64_t j = j0; j < j1; ++j) {
    const bool in = j >= lo && j < hi;
    C add = in ? C(0) : kNegInf;
    for (const Bias<C>& bb : p.bias) {
      if (!bb.data) continue;
      add += j < bb.width ? bb.row(b, h, i)[j * bb.s[3]] : kNegInf;
    }
    any = any || (in && add != kNegInf);
    if (add != 0) s[j] = roundAs<R>(s[j] + add);
  }
  if (p.qkMode == QkMode::Biased) std::copy(s, s + p.kvLen, qkRow);
  if (!any || lo >= hi) {
    if (p.qkMode == QkMode::Probs) std::fill(qkRow, qkRow + p.kvLen, C(0));
    return false;
  }
  C m = p.sink ? p.sink[h] : kNegInf;
  for (int64_t j = lo; j < hi; ++j) m = s[j] > m ? s[j] : m;
  C sum = p.sink ? std::exp(p.sink[h] - m) : C(0);
  sum += expShiftSum(s + lo, s + lo, hi - lo, m);  // vectorized exp for float
  const C inv = C(1) / sum;
  for (int64_t j = lo; j < hi; ++j) s[j] = roundAs<R>(s[j] * inv);
  if (p.qkMode == QkMode::Probs) {
    std::fill(qkRow, qkRow + p.kvLen, C(0));
    std::copy(s + lo, s + hi, qkRow + lo);
  }
  return true;
}

// Row by row: dot products for the allowed keys only, then the weighted sum of V rows. Any size and type.
template <typename C, typename R = C>
void run(const Problem<C>& p, int threads) {
  const int64_t group = p.qHeads / p.kvHeads;
  const int64_t rows = p.batch * p.qHeads * p.qLen;
  const int64_t cost = std::max<int64_t>(1, p.kvLen * (p.headSize + p.vHeadSize));
  const bool full = p.qk != nullptr;  // the qk output needs every key's score
  parallelFor(threads, rows, std::max<int64_t>(1, 65536 / cost), [&](int64_t begin, int64_t end) {
    std::vector<C> s(static_cast<size_t>(p.kvLen));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = r % p.qLen, h = (r / p.qLen) % p.qHeads, b = r / (p.qLen * p.qHeads);
      int64_t lo, hi;
      rowRange(p, b, i, lo, hi);
      const int64_t j0 = full ? 0 : lo, j1 = full ? p.kvLen : std::max(lo, hi);
      const C* qr = p.q.row(b, h, i);
      const int64_t kh = h / group;
      for (int64_t j = j0; j < j1; ++j) s[j] = p.scale * dot(qr, p.k.row(b, kh, j), p.headSize);
      C* yr = p.y + b * p.ys[0] + h * p.ys[1] + i * p.ys[2];
      std::fill(yr, yr + p.vHeadSize, C(0));
      if (!softmaxRow<C, R>(p, r, b, h, i, lo, hi, s.data(), j0, j1)) continue;
      for (int64_t j = lo; j < hi; ++j) {
        const C w = s[j];
        const C* vr = p.v.row(b, kh, j);
        for (int64_t d = 0; d < p.vHeadSize; ++d) yr[d] += w * vr[d];
      }
    }
  });
}

// Attention with the two products as batched oneDNN matmuls over chunks of the batch (and of the query rows
// when one batch's scores would not fit the chunk budget): S = scale * Q K^T, the rows become probabilities
// in place, Y = P V. Float only; double and small problems run row by row.
class Runner {
 public:
  template <typename R>
  void run(KernelContext& ctx, const Problem<double>& p) {
    attn::run<double, R>(p, ctx.threads());
  }

  template <typename R>
  void run(KernelContext& ctx, const Problem<float>& p) {
    const int64_t B = p.batch, Hq = p.qHeads, Hkv = p.kvHeads, Lq = p.qLen, T = p.kvLen;
    const int64_t D = p.headSize, Dv = p.vHeadSize, group = Hq / Hkv;
    const double work = static_cast<double>(B) * Hq * Lq * T * (D + Dv);
    if (work < kMinGemmWork || T == 0 || D == 0 || Dv == 0 || Lq == 0) {
      attn::run<float, R>(p, ctx.threads());
      return;
    }
    const int64_t perBatch = Hq * Lq * T;
    int64_t Bc = std::max<int64_t>(1, std::min<int64_t>(B, kChunkFloats / perBatch)), Lc = Lq;
    if (perBatch > kChunkFloats) Lc = std::max<int64_t>(1, kChunkFloats / (Hq * T));
    Tensor sT = ctx.scratch(DType::Float, {Bc * Hq * Lc * T});
    Tensor yT = ctx.scratch(DType::Float, {Bc * Hq * Lc * Dv});
    float* sb = sT.as<float>();
    float* yb = yT.as<float>();
    const int th = ctx.threads();
    for (int64_t b0 = 0; b0 < B; b0 += Bc) {
      const int64_t bc = std::min(Bc, B - b0);
      for (int64_t i0 = 0; i0 < Lq; i0 += Lc) {
        const int64_t lc = std::min(Lc, Lq - i0);
        // The size-1 group dim of K and V takes the head stride (what a dense layout gives it): with stride 1
        // there oneDNN 2.6 saw no plain layout and ran its slow batched gemm:jit (14 GFLOP/s on bert_small).
        const onednn::dims sd{bc, Hkv, group, lc, T};
        qk_.run(ctx,
                {{bc, Hkv, group, lc, D},
                 {p.q.s[0], group * p.q.s[1], p.q.s[1], p.q.s[2], 1},
                 p.q.row(b0, 0, i0)},
                {{bc, Hkv, 1, D, T}, {p.k.s[0], p.k.s[1], p.k.s[1], 1, p.k.s[2]}, p.k.row(b0, 0, 0)}, sd, sb,
                p.scale);
        parallelFor(th, bc * Hq * lc, std::max<int64_t>(1, 16384 / T), [&](int64_t begin, int64_t end) {
          for (int64_t t = begin; t < end; ++t) {
            const int64_t il = t % lc, h = (t / lc) % Hq, b = b0 + t / (lc * Hq), i = i0 + il;
            int64_t lo, hi;
            rowRange(p, b, i, lo, hi);
            float* s = sb + t * T;
            const int64_t r = (b * Hq + h) * Lq + i;
            if (!softmaxRow<float, R>(p, r, b, h, i, lo, hi, s, 0, T)) lo = hi = 0;
            std::fill(s, s + std::max<int64_t>(lo, 0), 0.f);
            std::fill(s + std::max(lo, hi), s + T, 0.f);
          }
        });
        pv_.run(ctx, {sd, contrib::denseStrides(sd), sb},
                {{bc, Hkv, 1, T, Dv}, {p.v.s[0], p.v.s[1], p.v.s[1], p.v.s[2], 1}, p.v.row(b0, 0, 0)},
                {bc, Hkv, group, lc, Dv}, yb, 1.f);
        parallelFor(th, bc * Hq * lc, std::max<int64_t>(1, 16384 / Dv), [&](int64_t begin, int64_t end) {
          for (int64_t t = begin; t < end; ++t) {
            const int64_t il = t % lc, h = (t / lc) % Hq, b = b0 + t / (lc * Hq);
            std::copy_n(yb + t * Dv, Dv, p.y + b * p.ys[0] + h * p.ys[1] + (i0 + il) * p.ys[2]);
          }
        });
      }
    }
  }

 private:
  static constexpr double kMinGemmWork = 1 << 18;   // multiply-adds below which rows are faster
  static constexpr int64_t kChunkFloats = 1 << 23;  // 32 MiB of scores per chunk
  contrib::StridedMatMul qk_, pv_;
};

}  // namespace attn
}  // namespace onnxfleet
