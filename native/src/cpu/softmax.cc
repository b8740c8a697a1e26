// Softmax, LogSoftmax, Hardmax. Opset 13+: along one axis (default -1). Before 13: the input is viewed as a
// 2-D matrix [prod(d[0..axis)), prod(d[axis..])] (default axis 1) and the op runs along each row.
// Last-axis (contiguous) rows take a vectorized path; other axes sweep [n, inner] blocks column-wise.
#include <cmath>
#include <limits>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

enum class Mode { Softmax, LogSoftmax, Hardmax };

// One contiguous row in the compute type; x and y may alias.
template <Mode M, typename C>
void row(const C* x, C* y, int64_t n) {
  if (M == Mode::Hardmax) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
      if (x[i] > x[best]) best = i;
    for (int64_t i = 0; i < n; ++i) y[i] = C(0);
    y[best] = C(1);
    return;
  }
  const C m = maxOf(x, n);
  if (M == Mode::Softmax) {
    const C inv = C(1) / expShiftSum(x, y, n, m);
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  } else {
    const C shift = m + std::log(expShiftSum(x, static_cast<C*>(nullptr), n, m));
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - shift;
  }
}

// Columns j0..j0+len of a [n, inner] block; each column is one softmax. Rows are staged in the compute
// type so the exp runs vectorized along the row.
template <Mode M, typename T>
void columns(const T* x, T* y, int64_t n, int64_t inner, int64_t j0, int64_t len) {
  using C = FloatCompute<T>;
  constexpr int64_t B = 256;
  C m[B], s[B], v[B];
  int64_t arg[B];
  for (int64_t j = 0; j < len; ++j) m[j] = Num<T>::load(x[j0 + j]), s[j] = C(0), arg[j] = 0;
  for (int64_t i = 1; i < n; ++i) {
    const T* r = x + i * inner + j0;
    for (int64_t j = 0; j < len; ++j) {
      const C c = Num<T>::load(r[j]);
      if (c > m[j]) m[j] = c, arg[j] = i;
    }
  }
  if (M == Mode::Hardmax) {
    for (int64_t i = 0; i < n; ++i) {
      T* w = y + i * inner + j0;
      for (int64_t j = 0; j < len; ++j) w[j] = Num<T>::store(C(arg[j] == i ? 1 : 0));
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T* r = x + i * inner + j0;
    for (int64_t j = 0; j < len; ++j) v[j] = Num<T>::load(r[j]);
    expSub(v, m, v, len);
    for (int64_t j = 0; j < len; ++j) s[j] += v[j];
    if (M == Mode::Softmax) {
      T* w = y + i * inner + j0;
      for (int64_t j = 0; j < len; ++j) w[j] = Num<T>::store(v[j]);
    }
  }
  for (int64_t j = 0; j < len; ++j) s[j] = M == Mode::Softmax ? C(1) / s[j] : m[j] + std::log(s[j]);
  for (int64_t i = 0; i < n; ++i) {
    const T* r = x + i * inner + j0;
    T* w = y + i * inner + j0;
    if (M == Mode::Softmax) {
      for (int64_t j = 0; j < len; ++j) w[j] = Num<T>::store(Num<T>::load(w[j]) * s[j]);
    } else {
      for (int64_t j = 0; j < len; ++j) w[j] = Num<T>::store(Num<T>::load(r[j]) - s[j]);
    }
  }
}

template <Mode M>
class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(const NodeDesc& n, const CompileContext&)
      : legacy_(n.opset < 13), axis_(n.getInt("axis", n.opset < 13 ? 1 : -1)) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    check(r >= 1, "input must have rank >= 1");
    // Before opset 13 the 2-D split point may also be the rank itself (one column per row).
    const int axis = legacy_ && axis_ == r ? r : normalizeAxis(axis_, r, "axis");
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    if (x.numel() == 0) return;
    const int64_t outer = dimProduct(x.shape, 0, axis);
    const int64_t n = legacy_ ? dimProduct(x.shape, axis, r) : x.shape[axis];
    const int64_t inner = legacy_ ? 1 : dimProduct(x.shape, axis + 1, r);
    const int threads = ctx.threads();
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "softmax", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = FloatCompute<T>;
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      if (inner == 1) {
        parallelFor(threads, outer, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
          if constexpr (std::is_same<T, C>::value) {
            for (int64_t o = b; o < e; ++o) row<M>(xp + o * n, yp + o * n, n);
          } else {
            std::vector<C> buf(n);
            for (int64_t o = b; o < e; ++o) {
              for (int64_t i = 0; i < n; ++i) buf[i] = Num<T>::load(xp[o * n + i]);
              row<M>(buf.data(), buf.data(), n);
              for (int64_t i = 0; i < n; ++i) yp[o * n + i] = Num<T>::store(buf[i]);
            }
          }
        });
        return;
      }
      constexpr int64_t B = 256;
      const int64_t nb = (inner + B - 1) / B;
      parallelFor(threads, outer * nb, std::max<int64_t>(1, 16384 / (n * std::min(B, inner))),
                  [&](int64_t b, int64_t e) {
                    for (int64_t t = b; t < e; ++t) {
                      const int64_t o = t / nb, j0 = (t % nb) * B;
                      columns<M>(xp + o * n * inner, yp + o * n * inner, n, inner, j0,
                                 std::min(B, inner - j0));
                    }
                  });
    });
  }

 private:
  bool legacy_;
  int64_t axis_;
};

// 1 and 11: 2-D coercion at `axis` (11 allows negative axes); 13: single axis, default -1.
ONNX_CPU_KERNEL("Softmax", 1, SoftmaxKernel<Mode::Softmax>);
ONNX_CPU_KERNEL("Softmax", 11, SoftmaxKernel<Mode::Softmax>);
ONNX_CPU_KERNEL("Softmax", 13, SoftmaxKernel<Mode::Softmax>);
ONNX_CPU_KERNEL("LogSoftmax", 1, SoftmaxKernel<Mode::LogSoftmax>);
ONNX_CPU_KERNEL("LogSoftmax", 11, SoftmaxKernel<Mode::LogSoftmax>);
ONNX_CPU_KERNEL("LogSoftmax", 13, SoftmaxKernel<Mode::LogSoftmax>);
ONNX_CPU_KERNEL("Hardmax", 1, SoftmaxKernel<Mode::Hardmax>);
ONNX_CPU_KERNEL("Hardmax", 11, SoftmaxKernel<Mode::Hardmax>);
ONNX_CPU_KERNEL("Hardmax", 13, SoftmaxKernel<Mode::Hardmax>);

}  // namespace
}  // namespace onnxfleet
