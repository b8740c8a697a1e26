// Shared helpers for reductions, normalizations, softmax and pooling: element loads/stores in the compute
// type, axis handling, a vectorizable exp, and the generic reduction plan (merged dims + offset tables).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__F16C__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "core/dtype.h"
#include "core/error.h"
#include "core/parallel.h"
#include "core/tensor.h"
#include "cpu/util/dispatch.h"

namespace onnxfleet {

// Element access in the compute type: float for the 16-bit floats, the type itself otherwise.
template <typename T>
struct Num {
  using C = T;
  static C load(T v) { return v; }
  static T store(C v) { return v; }
};
template <>
struct Num<Half> {
  using C = float;
#if defined(__F16C__)
  static float load(Half v) { return _cvtsh_ss(v.bits); }
  static Half store(float f) { return Half{static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT))}; }
#else
  static float load(Half v) { return halfToFloat(v.bits); }
  static Half store(float f) { return Half{floatToHalf(f)}; }
#endif
};
template <>
struct Num<BFloat16> {
  using C = float;
  static float load(BFloat16 v) { return bf16ToFloat(v.bits); }
  static BFloat16 store(float f) { return BFloat16{floatToBf16(f)}; }
};

// NaN test that is simply false for integer types (and draws no self-comparison warning there).
template <typename C>
inline bool isNan(C v) {
  if constexpr (std::is_floating_point<C>::value)
    return std::isnan(v);
  else
    return false;
}

// Float compute type for floating element types: double stays double, everything else computes in float.
template <typename T>
using FloatCompute = std::conditional_t<std::is_same<T, double>::value, double, float>;

// Maps a possibly negative axis into [0, rank); throws naming `what` when out of range (always for rank 0).
inline int normalizeAxis(int64_t axis, int rank, const char* what) {
  if (axis < -rank || axis >= rank)
    throw Error(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

inline int64_t dimProduct(const Shape& s, int begin, int end) {
  int64_t p = 1;
  for (int i = begin; i < end; ++i) p *= s[i];
  return p;
}

// Reads a 1-D int64 (or int32) tensor, e.g. the `axes` or `k` input.
inline std::vector<int64_t> readIntTensor(const Tensor& t, const char* what) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  if (t.dtype == DType::Int64) {
    if (!v.empty()) std::memcpy(v.data(), t.data, v.size() * 8);
  } else if (t.dtype == DType::Int32) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = t.as<int32_t>()[i];
  } else {
    throw Error(std::string(what) + " must be int64, got " + dtypeName(t.dtype));
  }
  return v;
}

// Copies a floating tensor (float, double, float16, bfloat16) into a vector of C, e.g. per-channel scales.
template <typename C>
std::vector<C> loadFloats(const Tensor& t, const char* what) {
  std::vector<C> v(static_cast<size_t>(t.numel()));
  dispatchTypes<ONNXFLEET_FLOAT_TYPES>(t.dtype, what, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = t.as<T>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<C>(Num<T>::load(p[i]));
  });
  return v;
}

// Unidirectionally broadcasts a floating tensor to `target` (numpy rules, t's dims right-aligned) and returns
// it densely in C; throws when the shapes are not broadcastable.
template <typename C>
std::vector<C> expandFloats(const Tensor& t, const Shape& target, const char* what) {
  const int r = static_cast<int>(target.size()), tr = t.rank();
  check(tr <= r, std::string(what) + " " + shapeToString(t.shape) + " has a higher rank than " +
                     shapeToString(target));
  std::vector<int64_t> st(r, 0);
  int64_t stride = 1;
  for (int d = tr - 1; d >= 0; --d) {
    const int td = d + r - tr;
    check(t.shape[d] == 1 || t.shape[d] == target[td], std::string(what) + " " + shapeToString(t.shape) +
                                                           " does not broadcast to " + shapeToString(target));
    st[td] = t.shape[d] == 1 ? 0 : stride;
    stride *= t.shape[d];
  }
  const std::vector<C> src = loadFloats<C>(t, what);
  std::vector<C> out(static_cast<size_t>(shapeNumel(target)));
  std::vector<int64_t> idx(r, 0);
  int64_t off = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = src[off];
    for (int d = r - 1; d >= 0; --d) {
      off += st[d];
      if (++idx[d] < target[d]) break;
      off -= st[d] * target[d];
      idx[d] = 0;
    }
  }
  return out;
}

// ---- Vectorized exp --------------------------------------------------------------------------------------
// GCC will not vectorize a polynomial exp under the default -ftrapping-math, so the float path uses AVX2/FMA
// intrinsics when the build targets them: Cody-Waite range reduction plus a degree-6 polynomial (~1 ulp).
// Inputs below -87.3 give ~1e-38 instead of 0 (harmless for softmax-style sums); NaN stays NaN because the
// clamps take x as the second operand, which max/min return when either operand is NaN.
// Other types and tails use std::exp.
#if defined(__AVX2__) && defined(__FMA__)
inline __m256 exp8(__m256 x) {
  const __m256 xc = _mm256_min_ps(_mm256_set1_ps(88.0f), _mm256_max_ps(_mm256_set1_ps(-87.3f), x));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
inline float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif

// Largest of n > 0 contiguous floats (NaNs may be skipped; callers only use it as a shift).
inline float maxOf(const float* x, int64_t n) {
  int64_t i = 0;
  float m = x[0];
#if defined(__AVX2__)
  if (n >= 32) {
    __m256 a0 = _mm256_loadu_ps(x), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 32 <= n; i += 32) {
      a0 = _mm256_max_ps(a0, _mm256_loadu_ps(x + i));
      a1 = _mm256_max_ps(a1, _mm256_loadu_ps(x + i + 8));
      a2 = _mm256_max_ps(a2, _mm256_loadu_ps(x + i + 16));
      a3 = _mm256_max_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_max_ps(a0, _mm256_loadu_ps(x + i));
    a0 = _mm256_max_ps(_mm256_max_ps(a0, a1), _mm256_max_ps(a2, a3));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    m = _mm_cvtss_f32(h);
  }
#endif
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
inline double maxOf(const double* x, int64_t n) {
  double m = x[0];
  for (int64_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// y[i] = exp(x[i] - m) (y may alias x, or be null to only sum); returns the sum of the exponentials.
inline float expShiftSum(const float* x, float* y, int64_t n, float m) {
  int64_t i = 0;
  float sum = 0;
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 mv = _mm256_set1_ps(m);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    const __m256 e0 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
    const __m256 e1 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), mv));
    if (y) _mm256_storeu_ps(y + i, e0), _mm256_storeu_ps(y + i + 8, e1);
    acc0 = _mm256_add_ps(acc0, e0);
    acc1 = _mm256_add_ps(acc1, e1);
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 e0 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
    if (y) _mm256_storeu_ps(y + i, e0);
    acc0 = _mm256_add_ps(acc0, e0);
  }
  sum = hsum8(_mm256_add_ps(acc0, acc1));
#endif
  for (; i < n; ++i) {
    const float e = std::exp(x[i] - m);
    if (y) y[i] = e;
    sum += e;
  }
  return sum;
}
inline double expShiftSum(const double* x, double* y, int64_t n, double m) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double e = std::exp(x[i] - m);
    if (y) y[i] = e;
    sum += e;
  }
  return sum;
}

// y[i] = exp(x[i] - m[i]); y may alias x.
inline void expSub(const float* x, const float* m, float* y, int64_t n) {
  int64_t i = 0;
#if defined(__AVX2__) && defined(__FMA__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(m + i))));
#endif
  for (; i < n; ++i) y[i] = std::exp(x[i] - m[i]);
}
inline void expSub(const double* x, const double* m, double* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i] - m[i]);
}

// ---- Row statistics -----------------------------------------------------------------------------------
// Mean and (population) variance of n contiguous elements in the compute type, two passes for accuracy.
template <typename T, typename F = FloatCompute<T>>
void meanVar(const T* x, int64_t n, F& mean, F& var) {
  constexpr int L = 16;
  F a[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; ++j) a[j] += static_cast<F>(Num<T>::load(x[i + j]));
  for (; i < n; ++i) a[0] += static_cast<F>(Num<T>::load(x[i]));
  F s = 0;
  for (int j = 0; j < L; ++j) s += a[j], a[j] = 0;
  mean = n > 0 ? s / static_cast<F>(n) : F(0);
  for (i = 0; i + L <= n; i += L)
    for (int j = 0; j < L; ++j) {
      const F d = static_cast<F>(Num<T>::load(x[i + j])) - mean;
      a[j] += d * d;
    }
  for (; i < n; ++i) {
    const F d = static_cast<F>(Num<T>::load(x[i])) - mean;
    a[0] += d * d;
  }
  s = 0;
  for (int j = 0; j < L; ++j) s += a[j];
  var = n > 0 ? s / static_cast<F>(n) : F(0);
}

// ---- Generic reduction ----------------------------------------------------------------------------------
// The input shape is split into reduced and kept dims; size-1 dims are dropped and neighbours of the same
// kind merged, so the work is either "contiguous runs folded into one output" (innerReduced) or "vectors of
// `inner` kept elements accumulated over the reduced positions". Offsets are tabulated once per call.
struct ReducePlan {
  int64_t outputs = 0;  // number of output elements
  int64_t count = 0;    // input elements folded into each output
  bool innerReduced = true;
  int64_t inner = 1;          // run length (innerReduced) or kept vector length
  std::vector<int64_t> base;  // input offset per output row (innerReduced: per output)
  std::vector<int64_t> roff;  // offsets of reduced positions relative to base (excluding the run)
};

inline std::vector<int64_t> enumerateOffsets(const std::vector<std::pair<int64_t, int64_t>>& dims) {
  std::vector<int64_t> offs{0};
  for (const auto& d : dims) {
    std::vector<int64_t> next;
    next.reserve(offs.size() * d.first);
    for (int64_t o : offs)
      for (int64_t i = 0; i < d.first; ++i) next.push_back(o + i * d.second);
    offs.swap(next);
  }
  return offs;
}

// `reduced[d]` marks the reduced dims of `shape`.
inline ReducePlan makeReducePlan(const Shape& shape, const std::vector<bool>& reduced) {
  ReducePlan p;
  p.outputs = 1;
  p.count = 1;
  const int r = static_cast<int>(shape.size());
  for (int d = 0; d < r; ++d) (reduced[d] ? p.count : p.outputs) *= shape[d];
  if (p.outputs == 0 || p.count == 0) return p;  // caller handles empty cases
  struct Dim {
    int64_t size, stride;
    bool red;
  };
  std::vector<Dim> dims;
  int64_t stride = 1;
  std::vector<int64_t> strides(r);
  for (int d = r - 1; d >= 0; --d) strides[d] = stride, stride *= shape[d];
  for (int d = 0; d < r; ++d) {
    if (shape[d] == 1) continue;
    if (!dims.empty() && dims.back().red == reduced[d]) {
      dims.back().size *= shape[d];
      dims.back().stride = strides[d];
    } else {
      dims.push_back({shape[d], strides[d], static_cast<bool>(reduced[d])});
    }
  }
  std::vector<std::pair<int64_t, int64_t>> keptDims, redDims;
  if (dims.empty()) {
    p.innerReduced = true;
    p.inner = 1;
  } else {
    p.innerReduced = dims.back().red;
    p.inner = dims.back().size;
    dims.pop_back();
  }
  for (const auto& d : dims) (d.red ? redDims : keptDims).push_back({d.size, d.stride});
  p.base = enumerateOffsets(keptDims);
  p.roff = enumerateOffsets(redDims);
  return p;
}

// Runs reduction `op` (see reduce.cc for the interface: Acc, init, step, merge, finish) over plan `p`.
template <typename T, typename OutT, typename Op>
void runReduce(const ReducePlan& p, const T* x, OutT* y, int threads, const Op& op) {
  using Acc = typename Op::Acc;
  if (p.outputs == 0) return;
  if (p.count == 0) {
    for (int64_t o = 0; o < p.outputs; ++o) y[o] = op.finish(op.init(), 0);
    return;
  }
  const int64_t nroff = static_cast<int64_t>(p.roff.size());
  if (p.innerReduced) {
    // L independent accumulators over each contiguous run: wide for long runs, narrow for short ones
    // (e.g. 7x7 global pooling) where merging the lanes would dominate.
    auto runs = [&](auto lanesTag) {
      constexpr int L = decltype(lanesTag)::value;
      const int64_t n = p.inner;
      parallelFor(threads, p.outputs, std::max<int64_t>(1, 16384 / p.count), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          Acc lanes[L];
          for (int j = 0; j < L; ++j) lanes[j] = op.init();
          for (int64_t k = 0; k < nroff; ++k) {
            const T* xp = x + p.base[o] + p.roff[k];
            int64_t i = 0;
            for (; i + L <= n; i += L)
              for (int j = 0; j < L; ++j) op.step(lanes[j], Num<T>::load(xp[i + j]));
            for (int j = 0; i < n; ++i, ++j) op.step(lanes[j], Num<T>::load(xp[i]));
          }
          for (int w = L / 2; w > 0; w /= 2)
            for (int j = 0; j < w; ++j) op.merge(lanes[j], lanes[j + w]);
          y[o] = op.finish(lanes[0], p.count);
        }
      });
    };
    if (p.inner >= 256)
      runs(std::integral_constant<int, 32>{});
    else
      runs(std::integral_constant<int, 8>{});
    return;
  }
  // Kept inner vectors: accumulate blocks of up to 2048 lanes (fewer when that leaves threads idle) over the
  // reduced rows, streaming each input row once per block.
  const int64_t inner = p.inner, rows = static_cast<int64_t>(p.base.size());
  int64_t B = std::min<int64_t>(inner, 2048);
  while (B > 64 && rows * ((inner + B - 1) / B) < threads) B /= 2;
  const int64_t nb = (inner + B - 1) / B;
  parallelFor(threads, rows * nb, std::max<int64_t>(1, 16384 / (p.count * B)), [&](int64_t b, int64_t e) {
    std::vector<Acc> acc(B);
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / nb, j0 = (t % nb) * B, len = std::min(B, inner - j0);
      for (int64_t j = 0; j < len; ++j) acc[j] = op.init();
      for (int64_t k = 0; k < nroff; ++k) {
        const T* xp = x + p.base[o] + p.roff[k] + j0;
        Acc* ap = acc.data();
        for (int64_t j = 0; j < len; ++j) op.step(ap[j], Num<T>::load(xp[j]));
      }
      OutT* yp = y + o * inner + j0;
      for (int64_t j = 0; j < len; ++j) yp[j] = op.finish(acc[j], p.count);
    }
  });
}

}  // namespace onnxfleet
