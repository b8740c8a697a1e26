// Scaled dot-product attention shared by the attention kernels (ai.onnx Attention, FlexAttention's plain
// path, com.microsoft Attention / MultiHeadAttention / GroupQueryAttention). The kernels bring Q, K, V into
// the compute type C (float or double) and describe them with strides; this header does, per query row,
//   s_j = scale * (q . k_j)  ->  softcap  ->  + bias  ->  softmax over the allowed keys  ->  y = sum p_j v_j
// Query head h reads KV head h / (qHeads / kvHeads) (grouped-query attention).
// Keys outside a row's allowed range (causal frontier, padding, local window) are skipped (probability 0);
// masks that onnxruntime applies as a finite additive value are passed as bias instead. A row whose every
// key is disallowed (empty range or all bias -inf) yields zeros, not NaN.
// `R` is the element type whose rounding the intermediate scores and probabilities take, so 16-bit models
// follow the ONNX reference, which computes in the input type; R = C means no extra rounding.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/parallel.h"
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

template <typename C, typename R = C>
void run(const Problem<C>& p, int threads) {
  constexpr C kNegInf = -std::numeric_limits<C>::infinity();
  const int64_t group = p.qHeads / p.kvHeads;
  const int64_t rows = p.batch * p.qHeads * p.qLen;
  const int64_t cost = std::max<int64_t>(1, p.kvLen * (p.headSize + p.vHeadSize));
  const bool full = p.qk != nullptr;  // the qk output needs every key's score
  parallelFor(threads, rows, std::max<int64_t>(1, 65536 / cost), [&](int64_t begin, int64_t end) {
    std::vector<C> s(static_cast<size_t>(p.kvLen));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t i = r % p.qLen, h = (r / p.qLen) % p.qHeads, b = r / (p.qLen * p.qHeads);
      const int64_t off = p.offset ? p.offset[b] : 0;
      int64_t hi = p.kvEnd ? std::min(p.kvLen, p.kvEnd[b]) : p.kvLen, lo = 0;
      if (p.causal) hi = std::min(hi, i + off + 1);
      if (p.window >= 0) lo = std::max<int64_t>(0, i + off - p.window);
      hi = std::max<int64_t>(hi, 0);
      const int64_t j0 = full ? 0 : lo, j1 = full ? p.kvLen : std::max(lo, hi);
      const C* qr = p.q.row(b, h, i);
      const int64_t kh = h / group;
      C* qkRow = full ? p.qk + r * p.kvLen : nullptr;
      for (int64_t j = j0; j < j1; ++j) s[j] = roundAs<R>(p.scale * dot(qr, p.k.row(b, kh, j), p.headSize));
      if (p.qkMode == QkMode::Raw) std::copy(s.begin(), s.end(), qkRow);
      if (p.softcap > 0)
        for (int64_t j = j0; j < j1; ++j) s[j] = roundAs<R>(p.softcap * std::tanh(s[j] / p.softcap));
      if (p.qkMode == QkMode::Softcapped) std::copy(s.begin(), s.end(), qkRow);
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
      if (p.qkMode == QkMode::Biased) std::copy(s.begin(), s.end(), qkRow);
      C* yr = p.y + b * p.ys[0] + h * p.ys[1] + i * p.ys[2];
      std::fill(yr, yr + p.vHeadSize, C(0));
      if (!any || lo >= hi) {
        if (p.qkMode == QkMode::Probs) std::fill(qkRow, qkRow + p.kvLen, C(0));
        continue;
      }
      C m = p.sink ? p.sink[h] : kNegInf;
      for (int64_t j = lo; j < hi; ++j) m = s[j] > m ? s[j] : m;
      C sum = p.sink ? std::exp(p.sink[h] - m) : C(0);
      for (int64_t j = lo; j < hi; ++j) {
        s[j] = std::exp(s[j] - m);
        sum += s[j];
      }
      const C inv = C(1) / sum;
      for (int64_t j = lo; j < hi; ++j) s[j] = roundAs<R>(s[j] * inv);
      if (p.qkMode == QkMode::Probs) {
        std::fill(qkRow, qkRow + p.kvLen, C(0));
        std::copy(s.begin() + lo, s.begin() + hi, qkRow + lo);
      }
      for (int64_t j = lo; j < hi; ++j) {
        const C w = s[j];
        const C* vr = p.v.row(b, kh, j);
        for (int64_t d = 0; d < p.vHeadSize; ++d) yr[d] += w * vr[d];
      }
    }
  });
}

}  // namespace attn
}  // namespace onnxfleet
