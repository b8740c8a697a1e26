// Shape helpers for the data-movement kernels: axis normalisation, strides, reading int tensors, element
// storage dispatch (ops that only move elements copy by element size; strings copy std::string), and one
// strided-copy engine that Transpose, Slice, Expand, Tile and DepthToSpace reduce to.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>
#ifdef __AVX2__
#include <immintrin.h>
#endif

#include "core/error.h"
#include "core/parallel.h"
#include "core/tensor.h"
#include "cpu/util/dispatch.h"

namespace onnxfleet {

// Load/store through the compute type (float for the 16-bit floats, exact for everything else).
template <typename T>
inline typename ComputeType<T>::type loadC(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return toFloat(v);
  else
    return v;
}
template <typename T>
inline T storeC(typename ComputeType<T>::type v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return fromFloat<T>(v);
  else
    return static_cast<T>(v);
}

// Maps axis in [-rank, rank) to [0, rank); throws naming `what` otherwise.
inline int64_t normalizeAxis(int64_t axis, int64_t rank, const char* what = "axis") {
  check(axis >= -rank && axis < rank,
        std::string(what) + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Normalises every axis and rejects repeats.
inline std::vector<int64_t> normalizeAxes(const std::vector<int64_t>& axes, int64_t rank,
                                          const char* what = "axes") {
  std::vector<int64_t> out;
  out.reserve(axes.size());
  std::vector<char> seen(static_cast<size_t>(rank), 0);
  for (int64_t a : axes) {
    const int64_t n = normalizeAxis(a, rank, what);
    check(!seen[n], std::string(what) + " repeats axis " + std::to_string(a));
    seen[n] = 1;
    out.push_back(n);
  }
  return out;
}

// Element count of a shape computed from data (Reshape, Expand, Tile, ConstantOfShape...): rejects negative
// dims and counts past 2^48, so a hostile shape cannot wrap the product and alias a small buffer.
inline int64_t checkedNumel(const Shape& s, const char* what) {
  constexpr int64_t kMax = int64_t{1} << 48;
  int64_t n = 1;
  for (int64_t d : s) {
    check(d >= 0, std::string(what) + ": negative dim in " + shapeToString(s));
    if (d == 0) return 0;
  }
  for (int64_t d : s) {
    check(d <= kMax / n, std::string(what) + ": shape " + shapeToString(s) + " has too many elements");
    n *= d;
  }
  return n;
}

// Row-major strides in elements.
inline std::vector<int64_t> contiguousStrides(const Shape& s) {
  std::vector<int64_t> st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// Product of dims [begin, end).
inline int64_t dimProduct(const Shape& s, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) n *= s[i];
  return n;
}

inline bool isIndexType(DType t) { return t == DType::Int32 || t == DType::Int64; }

// Reads an int32/int64 tensor (any shape) as int64 values.
inline std::vector<int64_t> readInts(const Tensor& t, const char* what) {
  check(isIndexType(t.dtype), std::string(what) + " must be int32 or int64, got " + dtypeName(t.dtype));
  const int64_t n = t.numel();
  std::vector<int64_t> v(static_cast<size_t>(n));
  if (t.dtype == DType::Int64) {
    if (n) std::memcpy(v.data(), t.data, static_cast<size_t>(n) * 8);
  } else {
    for (int64_t i = 0; i < n; ++i) v[i] = t.as<int32_t>()[i];
  }
  return v;
}

// Reads a one-element int32/int64 tensor (a scalar or shape [1]).
inline int64_t readScalarInt(const Tensor& t, const char* what) {
  check(t.numel() == 1, std::string(what) + " must hold exactly one value, got " + t.describe());
  return readInts(t, what)[0];
}

// Calls f(Tag<int32_t>) or f(Tag<int64_t>) for an index tensor's dtype.
template <typename F>
void dispatchIndex(DType dt, const char* what, F&& f) {
  if (dt == DType::Int32)
    f(Tag<int32_t>{});
  else if (dt == DType::Int64)
    f(Tag<int64_t>{});
  else
    throw Error(std::string(what) + " must be int32 or int64, got " + dtypeName(dt));
}

// Checks every index lies in [-dim, dim); call before a parallel loop that uses them.
template <typename I>
void checkIndices(const I* idx, int64_t n, int64_t dim, const char* what) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = static_cast<int64_t>(idx[i]);
    if (v < -dim || v >= dim)
      throw Error(std::string(what) + " value " + std::to_string(v) + " at position " + std::to_string(i) +
                  " is out of range [" + std::to_string(-dim) + ", " + std::to_string(dim) + ")");
  }
}

// 16-byte element storage (complex128).
struct Bytes16 {
  uint64_t lo, hi;
};

// Element storage for type-agnostic ops: f(Tag<S>) with S an unsigned type of the element's size, Bytes16, or
// std::string. Sub-byte element types (int4, uint4, float4, int2, uint2) are rejected.
template <typename F>
void dispatchStorage(DType dt, const char* what, F&& f) {
  if (dt == DType::String) return f(Tag<std::string>{});
  switch (dtypeBits(dt)) {
    case 8:
      return f(Tag<uint8_t>{});
    case 16:
      return f(Tag<uint16_t>{});
    case 32:
      return f(Tag<uint32_t>{});
    case 64:
      return f(Tag<uint64_t>{});
    case 128:
      return f(Tag<Bytes16>{});
    default:
      throw Error(std::string(what) + " does not support element type " + dtypeName(dt));
  }
}

// Sub-byte element types (4- and 2-bit, packed low bits first). Kernels that move such elements unpack them
// to one byte each, work on UInt8, and pack the result.
inline bool isSubByte(DType t) {
  const int b = dtypeBits(t);
  return b > 0 && b < 8;
}
// One byte per element holding its raw bit pattern.
inline void unpackBits(const void* src, uint8_t* dst, int64_t n, int bits) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  const int per = 8 / bits;
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1);
  for (int64_t i = 0; i < n; ++i) dst[i] = (s[i / per] >> ((i % per) * bits)) & mask;
}
// Packs n one-byte elements; bits past the last element are zero.
inline void packBits(const uint8_t* src, void* dst, int64_t n, int bits) {
  uint8_t* d = static_cast<uint8_t*>(dst);
  const int per = 8 / bits;
  const uint8_t mask = static_cast<uint8_t>((1u << bits) - 1);
  std::memset(d, 0, static_cast<size_t>((n * bits + 7) / 8));
  for (int64_t i = 0; i < n; ++i) d[i / per] |= static_cast<uint8_t>((src[i] & mask) << ((i % per) * bits));
}

// Copies n elements (memcpy for plain storage, assignment for strings).
template <typename S>
inline void copyN(S* dst, const S* src, int64_t n) {
  if (n <= 0) return;
  if constexpr (std::is_trivially_copyable_v<S>)
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(S));
  else
    std::copy(src, src + n, dst);
}

// Copies n elements of dtype dt, split over threads when large.
inline void copyElements(DType dt, void* dst, const void* src, int64_t n, int threads) {
  dispatchStorage(dt, "copy", [&](auto tag) {
    using S = typename decltype(tag)::type;
    parallelFor(threads, n, 1 << 16, [&](int64_t b, int64_t e) {
      copyN(static_cast<S*>(dst) + b, static_cast<const S*>(src) + b, e - b);
    });
  });
}

// An alias of t with another shape (same element count), no copy.
inline Tensor withShape(const Tensor& t, Shape s) {
  Tensor r = t;
  r.shape = std::move(s);
  return r;
}

// Drops size-1 dims and merges neighbours whose source strides line up (the destination is contiguous).
inline void coalesceView(Shape& shape, std::vector<int64_t>& strides) {
  Shape s;
  std::vector<int64_t> st;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!s.empty() && st.back() == strides[i] * shape[i]) {
      s.back() *= shape[i];
      st.back() = strides[i];
    } else {
      s.push_back(shape[i]);
      st.push_back(strides[i]);
    }
  }
  shape.swap(s);
  strides.swap(st);
}

#ifdef __AVX2__
// d[a * ld + j] = s[j * ls + a] for an 8x8 block of 4-byte elements, in registers.
inline void transpose8x8x4(const void* src, int64_t ls, void* dst, int64_t ld) {
  const float* s = static_cast<const float*>(src);
  float* d = static_cast<float*>(dst);
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ls), r2 = _mm256_loadu_ps(s + 2 * ls),
         r3 = _mm256_loadu_ps(s + 3 * ls), r4 = _mm256_loadu_ps(s + 4 * ls), r5 = _mm256_loadu_ps(s + 5 * ls),
         r6 = _mm256_loadu_ps(s + 6 * ls), r7 = _mm256_loadu_ps(s + 7 * ls);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  r0 = _mm256_shuffle_ps(t0, t2, 0x44), r1 = _mm256_shuffle_ps(t0, t2, 0xEE),
  r2 = _mm256_shuffle_ps(t1, t3, 0x44), r3 = _mm256_shuffle_ps(t1, t3, 0xEE),
  r4 = _mm256_shuffle_ps(t4, t6, 0x44), r5 = _mm256_shuffle_ps(t4, t6, 0xEE),
  r6 = _mm256_shuffle_ps(t5, t7, 0x44), r7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(r0, r4, 0x20));
  _mm256_storeu_ps(d + ld, _mm256_permute2f128_ps(r1, r5, 0x20));
  _mm256_storeu_ps(d + 2 * ld, _mm256_permute2f128_ps(r2, r6, 0x20));
  _mm256_storeu_ps(d + 3 * ld, _mm256_permute2f128_ps(r3, r7, 0x20));
  _mm256_storeu_ps(d + 4 * ld, _mm256_permute2f128_ps(r0, r4, 0x31));
  _mm256_storeu_ps(d + 5 * ld, _mm256_permute2f128_ps(r1, r5, 0x31));
  _mm256_storeu_ps(d + 6 * ld, _mm256_permute2f128_ps(r2, r6, 0x31));
  _mm256_storeu_ps(d + 7 * ld, _mm256_permute2f128_ps(r3, r7, 0x31));
}
#endif

// dst[a * dK + j] = src[a + j * sJ] for a in [a0, a1), j in [j0, j1): one tile of a 2-D transpose.
template <typename S>
inline void transposeBlock(S* dst, int64_t dK, const S* src, int64_t sJ, int64_t a0, int64_t a1, int64_t j0,
                           int64_t j1) {
#ifdef __AVX2__
  if constexpr (sizeof(S) == 4 && std::is_trivially_copyable_v<S>) {
    int64_t a = a0;
    for (; a + 8 <= a1; a += 8) {
      int64_t j = j0;
      for (; j + 8 <= j1; j += 8) transpose8x8x4(src + a + j * sJ, sJ, dst + a * dK + j, dK);
      for (int64_t aa = a; aa < a + 8; ++aa)
        for (int64_t jj = j; jj < j1; ++jj) dst[aa * dK + jj] = src[aa + jj * sJ];
    }
    a0 = a;
  }
#endif
  for (int64_t a = a0; a < a1; ++a) {
    S* o = dst + a * dK;
    const S* s = src + a;
    for (int64_t j = j0; j < j1; ++j) o[j] = s[j * sJ];
  }
}

// dst (contiguous, shape `shape`) = the view of src with per-dim element strides `strides` (may be 0 or
// negative; src points at the view's first element). Contiguous inner runs are copied in bulk; when the
// source's unit-stride dim is not the innermost one, 2-D tiles are transposed block by block.
template <typename S>
void stridedCopyT(S* dst, const S* src, Shape shape, std::vector<int64_t> strides, int threads) {
  const int64_t total = shapeNumel(shape);
  if (total == 0) return;
  coalesceView(shape, strides);
  if (shape.empty()) {
    dst[0] = src[0];
    return;
  }
  const int n = static_cast<int>(shape.size());
  const int64_t inner = shape[n - 1], innerStride = strides[n - 1];
  int k = -1;  // a non-innermost dim with unit source stride: tiled transpose between it and the innermost
  for (int d = 0; d < n - 1 && innerStride != 1; ++d)
    if (strides[d] == 1 && shape[d] >= 4 && inner >= 4) k = d;
  if (k < 0) {
    const int64_t rows = total / inner;
    parallelFor(threads, rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
      std::vector<int64_t> idx(n, 0);
      int64_t off = 0, r = b;
      for (int d = n - 2; d >= 0; --d) {
        idx[d] = r % shape[d];
        r /= shape[d];
        off += idx[d] * strides[d];
      }
      for (int64_t row = b; row < e; ++row) {
        S* o = dst + row * inner;
        const S* s = src + off;
        if (innerStride == 1)
          copyN(o, s, inner);
        else if (innerStride == 0)
          std::fill(o, o + inner, s[0]);
        else
          for (int64_t j = 0; j < inner; ++j) o[j] = s[j * innerStride];
        for (int d = n - 2; d >= 0; --d) {  // advance the row counter
          off += strides[d];
          if (++idx[d] < shape[d]) break;
          off -= idx[d] * strides[d];
          idx[d] = 0;
        }
      }
    });
    return;
  }
  // Tiled: dims other than k and the innermost form the batch.
  const std::vector<int64_t> dstStrides = contiguousStrides(shape);
  const int64_t K = shape[k], dK = dstStrides[k];
  constexpr int64_t T = 16;
  const int64_t tilesK = (K + T - 1) / T;
  const int64_t batch = total / (K * inner);
  parallelFor(threads, batch * tilesK, std::max<int64_t>(1, 16384 / (T * inner)), [&](int64_t b, int64_t e) {
    for (int64_t w = b; w < e; ++w) {
      int64_t r = w / tilesK;
      const int64_t k0 = (w % tilesK) * T, k1 = std::min(K, k0 + T);
      int64_t so = 0, dof = 0;
      for (int d = n - 2; d >= 0; --d) {
        if (d == k) continue;
        const int64_t i = r % shape[d];
        r /= shape[d];
        so += i * strides[d];
        dof += i * dstStrides[d];
      }
      for (int64_t j0 = 0; j0 < inner; j0 += T) {
        const int64_t j1 = std::min(inner, j0 + T);
        transposeBlock(dst + dof, dK, src + so, innerStride, k0, k1, j0, j1);
      }
    }
  });
}

// Type-erased strided copy: src points at the tensor's data, srcOffset is the view's first element.
inline void stridedCopy(DType dt, void* dst, const void* src, int64_t srcOffset, const Shape& shape,
                        const std::vector<int64_t>& strides, int threads, const char* what) {
  dispatchStorage(dt, what, [&](auto tag) {
    using S = typename decltype(tag)::type;
    stridedCopyT(static_cast<S*>(dst), static_cast<const S*>(src) + srcOffset, shape, strides, threads);
  });
}

}  // namespace onnxfleet
