// Helpers shared by the com.microsoft attention kernels (Attention, MultiHeadAttention,
// GroupQueryAttention): gathering strided heads into float (batch, heads, seq, dim) buffers with an
// optional bias, writing present caches, and onnxruntime's additive mask (0 for attended keys,
// mask_filter_value for keys masked by key padding or causality).
#pragma once
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/transformer/attention_core.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace contrib {

// A strided source of head vectors: element (b, h, i, e) at data[b*s[0] + h*s[1] + i*s[2] + e].
template <typename T>
struct HeadSrc {
  const T* data = nullptr;
  int64_t s[3] = {0, 0, 0};
};

// dst (batch, heads, dstLen, dim) rows [at, at + len) = src (+ bias[h*dim + e] when given).
template <typename T>
void gatherHeads(const HeadSrc<T>& src, int64_t batch, int64_t heads, int64_t len, int64_t dim,
                 const float* bias, float* dst, int64_t at, int64_t dstLen, int threads) {
  parallelFor(threads, batch * heads * len, std::max<int64_t>(1, 16384 / std::max<int64_t>(dim, 1)),
              [&](int64_t b0, int64_t e0) {
                for (int64_t r = b0; r < e0; ++r) {
                  const int64_t i = r % len, h = (r / len) % heads, b = r / (len * heads);
                  const T* s = src.data + b * src.s[0] + h * src.s[1] + i * src.s[2];
                  float* d = dst + ((b * heads + h) * dstLen + at + i) * dim;
                  for (int64_t e = 0; e < dim; ++e)
                    d[e] = static_cast<float>(Num<T>::load(s[e])) + (bias ? bias[h * dim + e] : 0.f);
                }
              });
}

// Writes float (batch, heads, len, dim) rows to a T tensor of the same layout.
template <typename T>
void storeAll(const float* src, Tensor& out) {
  T* d = out.as<T>();
  for (int64_t i = 0; i < out.numel(); ++i) d[i] = Num<T>::store(static_cast<typename Num<T>::C>(src[i]));
}

// onnxruntime's mask_index / key_padding_mask (int32) plus causality as a (batch, qLen, total) additive
// buffer. Accepted shapes: (batch) end positions, (2*batch) end then start positions, (batch, total) and
// (batch, qLen, total) with 0 meaning masked. Causal masks key j of query i when j > past + i.
inline std::vector<float> ortMask(const Tensor* mask, bool causal, int64_t B, int64_t S, int64_t past,
                                  int64_t total, float filter) {
  std::vector<float> m(static_cast<size_t>(B * S * total), 0.f);
  if (mask) {
    check(mask->dtype == DType::Int32, std::string("the mask must be int32, got ") + dtypeName(mask->dtype));
    const int32_t* p = mask->as<int32_t>();
    const Shape& s = mask->shape;
    if (s.size() == 1 && (s[0] == B || s[0] == 2 * B)) {
      for (int64_t b = 0; b < B; ++b) {
        const int64_t end = p[b], start = s[0] == 2 * B ? p[B + b] : 0;
        for (int64_t i = 0; i < S; ++i)
          for (int64_t j = 0; j < total; ++j)
            if (j >= end || j < start) m[(b * S + i) * total + j] = filter;
      }
    } else if (s.size() == 2 && s[0] == B && s[1] == total) {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < S; ++i)
          for (int64_t j = 0; j < total; ++j)
            if (p[b * total + j] == 0) m[(b * S + i) * total + j] = filter;
    } else if (s.size() == 3 && s[0] == B && s[1] == S && s[2] == total) {
      for (int64_t k = 0; k < B * S * total; ++k)
        if (p[k] == 0) m[k] = filter;
    } else {
      throw Error("unsupported mask shape " + shapeToString(s) + " for batch " + std::to_string(B) +
                  ", sequence " + std::to_string(S) + ", total sequence " + std::to_string(total));
    }
  }
  if (causal)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < S; ++i)
        for (int64_t j = past + i + 1; j < total; ++j) m[(b * S + i) * total + j] = filter;
  return m;
}

// attention_bias (batch or 1, heads or 1, qLen, total) as a core bias; `data` receives it in float.
inline attn::Bias<float> attentionBias(const Tensor& t, int64_t B, int64_t N, int64_t S, int64_t total,
                                       std::vector<float>& data) {
  // Beyond onnxruntime, the query dim may be 1 too (a padding mask as PyTorch exports it, [B, 1, 1, total]).
  check(t.rank() == 4 && (t.shape[0] == B || t.shape[0] == 1) && (t.shape[1] == N || t.shape[1] == 1) &&
            (t.shape[2] == S || t.shape[2] == 1) && t.shape[3] == total,
        "attention_bias must be (batch or 1, heads or 1, " + std::to_string(S) + " or 1, " +
            std::to_string(total) + "), got " + shapeToString(t.shape));
  data = loadFloats<float>(t, "attention_bias");
  attn::Bias<float> bias;
  bias.data = data.data();
  const int64_t rows = t.shape[2];  // S or 1
  bias.s[0] = t.shape[0] == 1 ? 0 : t.shape[1] * rows * total;
  bias.s[1] = t.shape[1] == 1 ? 0 : rows * total;
  bias.s[2] = rows == 1 ? 0 : total, bias.s[3] = 1;
  return bias;
}

}  // namespace contrib
}  // namespace onnxfleet
