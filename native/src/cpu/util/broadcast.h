// Numpy-style (multidirectional) broadcasting for elementwise kernels.
//
// A BroadcastPlan<N> describes N inputs read against one output shape. Output dimensions of size 1 are
// dropped and neighbouring dimensions that every input reads the same way (all contiguous or all
// broadcast) are merged, so the common cases collapse to one or two dimensions:
//   same shape            -> [n]          strides (1, 1)
//   tensor op scalar      -> [n]          strides (1, 0)
//   [N,C] + [C]           -> [N, C]       inner strides (1, 1)
//   [N,C,H,W] + [C,1,1]   -> [N, C, HW]   inner strides (1, 0)
// forEachRun() then walks any output range as runs along the innermost merged dimension, where each input
// is either contiguous (stride 1) or a single repeated value (stride 0). binaryBroadcast() and
// ternaryBroadcast() build plain loops on top of that and split large outputs over threads.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "core/tensor.h"

namespace onnxfleet {

// Elements per parallel chunk for cheap elementwise loops.
constexpr int64_t kElementwiseGrain = 16384;

// The numpy broadcast of two (or more) shapes; throws Error naming the shapes when they are incompatible.
Shape broadcastShapes(const Shape& a, const Shape& b);
Shape broadcastShapes(const std::vector<const Shape*>& shapes);

// True when `in` broadcasts to `out` unidirectionally (each dim of `in`, right-aligned, is 1 or equal).
bool broadcastsTo(const Shape& in, const Shape& out);

// The legacy (opset < 7) broadcast of Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Less/Greater: with
// broadcast=1, B's shape is a contiguous run of A's dims starting at `axis` (suffix matching when axis
// is absent). Returns B's shape padded with trailing 1s so that numpy broadcasting gives A's shape.
// Without broadcast=1 the shapes must match. Throws when B does not fit.
Shape legacyBroadcastShape(const Shape& a, const Shape& b, bool broadcast, bool hasAxis, int64_t axis);

template <int N>
class BroadcastPlan {
 public:
  // `out` must be the broadcast of every input shape (or a shape every input broadcasts to).
  BroadcastPlan(const Shape& out, const std::array<const Shape*, N>& ins) {
    const int rank = static_cast<int>(out.size());
    numel_ = shapeNumel(out);
    std::array<std::vector<int64_t>, N> full;  // per input: stride per output dim (0 = broadcast)
    for (int k = 0; k < N; ++k) {
      const Shape& s = *ins[k];
      check(static_cast<int>(s.size()) <= rank && broadcastsTo(s, out),
            "cannot broadcast shape " + shapeToString(s) + " to " + shapeToString(out));
      full[k].assign(rank, 0);
      int64_t stride = 1;
      for (int d = rank - 1, sd = static_cast<int>(s.size()) - 1; sd >= 0; --d, --sd) {
        full[k][d] = s[sd] == 1 ? 0 : stride;
        stride *= s[sd];
      }
    }
    // Drop size-1 output dims, merge neighbours read the same way by every input.
    for (int d = 0; d < rank; ++d) {
      if (out[d] == 1) continue;
      bool merge = !dims_.empty();
      for (int k = 0; k < N && merge; ++k) merge = (strides_[k].back() == 0) == (full[k][d] == 0);
      if (merge) {
        dims_.back() *= out[d];
        for (int k = 0; k < N; ++k) strides_[k].back() = full[k][d];
      } else {
        dims_.push_back(out[d]);
        for (int k = 0; k < N; ++k) strides_[k].push_back(full[k][d]);
      }
    }
    if (dims_.empty()) {  // scalar output or all dims of size 1
      dims_.push_back(1);
      for (int k = 0; k < N; ++k) strides_[k].push_back(0);
    }
  }

  int64_t numel() const { return numel_; }
  int rank() const { return static_cast<int>(dims_.size()); }
  // Stride (0 or 1) of input k along the innermost merged dimension.
  int64_t innerStride(int k) const { return strides_[k].back(); }

  // Calls f(outOffset, inOffsets, count) for consecutive runs covering output elements [begin, end).
  // Within a run, input k is read at inOffsets[k] + i * innerStride(k).
  template <typename F>
  void forEachRun(int64_t begin, int64_t end, F&& f) const {
    const int r = rank();
    std::array<int64_t, N> off{};
    if (r == 1) {
      for (int k = 0; k < N; ++k) off[k] = begin * strides_[k][0];
      f(begin, off, end - begin);
      return;
    }
    std::vector<int64_t> idx(r);
    int64_t rem = begin;
    for (int d = r - 1; d >= 0; --d) {
      idx[d] = rem % dims_[d];
      rem /= dims_[d];
      for (int k = 0; k < N; ++k) off[k] += idx[d] * strides_[k][d];
    }
    const int64_t inner = dims_[r - 1];
    int64_t pos = begin;
    while (pos < end) {
      const int64_t n = std::min(inner - idx[r - 1], end - pos);
      f(pos, off, n);
      pos += n;
      if (pos >= end) break;
      // The run ended at the end of the inner dim: step the outer index, carrying as needed.
      for (int k = 0; k < N; ++k) off[k] -= idx[r - 1] * strides_[k][r - 1];
      idx[r - 1] = 0;
      for (int d = r - 2; d >= 0; --d) {
        ++idx[d];
        for (int k = 0; k < N; ++k) off[k] += strides_[k][d];
        if (idx[d] < dims_[d]) break;
        for (int k = 0; k < N; ++k) off[k] -= dims_[d] * strides_[k][d];
        idx[d] = 0;
      }
    }
  }

 private:
  int64_t numel_ = 0;
  std::vector<int64_t> dims_;
  std::array<std::vector<int64_t>, N> strides_;
};

// One run of a binary elementwise loop; each input is contiguous (stride 1) or one repeated value.
template <typename A, typename B, typename O, typename F>
inline void binaryRun(const A* a, int64_t sa, const B* b, int64_t sb, O* out, int64_t n, const F& f) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (sa) {
    const B bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
  } else if (sb) {
    const A av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
  } else {
    const O v = f(*a, *b);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

// out[i] = f(a[...], b[...]) over out's shape, which every input must broadcast to. `out` may be one of
// the inputs when that input already has the output's shape (in-place accumulation). f must not throw.
template <typename A, typename B, typename O, typename F>
void binaryBroadcast(const Tensor& a, const Tensor& b, Tensor& out, int threads, const F& f) {
  const BroadcastPlan<2> plan(out.shape, {&a.shape, &b.shape});
  const A* pa = a.as<A>();
  const B* pb = b.as<B>();
  O* po = out.as<O>();
  const int64_t sa = plan.innerStride(0), sb = plan.innerStride(1);
  parallelFor(threads, plan.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    plan.forEachRun(begin, end, [&](int64_t o, const std::array<int64_t, 2>& in, int64_t n) {
      binaryRun(pa + in[0], sa, pb + in[1], sb, po + o, n, f);
    });
  });
}

// out[i] = f(a[...], b[...], c[...]) over out's shape (Where, fused elementwise ops). f must not throw.
template <typename A, typename B, typename C, typename O, typename F>
void ternaryBroadcast(const Tensor& a, const Tensor& b, const Tensor& c, Tensor& out, int threads,
                      const F& f) {
  const BroadcastPlan<3> plan(out.shape, {&a.shape, &b.shape, &c.shape});
  const A* pa = a.as<A>();
  const B* pb = b.as<B>();
  const C* pc = c.as<C>();
  O* po = out.as<O>();
  const int64_t sa = plan.innerStride(0), sb = plan.innerStride(1), sc = plan.innerStride(2);
  parallelFor(threads, plan.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    plan.forEachRun(begin, end, [&](int64_t o, const std::array<int64_t, 3>& in, int64_t n) {
      const A* x = pa + in[0];
      const B* y = pb + in[1];
      const C* z = pc + in[2];
      O* w = po + o;
      if (sa && sb && sc) {
        for (int64_t i = 0; i < n; ++i) w[i] = f(x[i], y[i], z[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) w[i] = f(x[i * sa], y[i * sb], z[i * sc]);
      }
    });
  });
}

}  // namespace onnxfleet
