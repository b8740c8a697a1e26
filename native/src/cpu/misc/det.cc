// Det: determinant of each trailing [M, M] matrix, by LU decomposition with partial pivoting in double
// precision (16-bit floats and float are widened). Output shape is the batch dims ([] for a single matrix).
#include <cmath>
#include <utility>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// Destroys `a` (row-major n x n).
double luDeterminant(double* a, int64_t n) {
  double det = 1.0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t p = k;
    double best = std::fabs(a[k * n + k]);
    for (int64_t r = k + 1; r < n; ++r) {
      const double v = std::fabs(a[r * n + k]);
      if (v > best) best = v, p = r;
    }
    if (a[p * n + k] == 0.0) return 0.0;  // singular (a NaN pivot falls through and propagates)
    if (p != k) {
      for (int64_t c = 0; c < n; ++c) std::swap(a[k * n + c], a[p * n + c]);
      det = -det;
    }
    const double piv = a[k * n + k];
    det *= piv;
    for (int64_t r = k + 1; r < n; ++r) {
      const double f = a[r * n + k] / piv;
      if (f == 0.0) continue;
      for (int64_t c = k + 1; c < n; ++c) a[r * n + c] -= f * a[k * n + c];
    }
  }
  return det;
}

class DetKernel : public Kernel {
 public:
  DetKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 2, "Det needs rank >= 2, got " + x.describe());
    const int64_t n = x.shape[x.rank() - 1];
    check(x.shape[x.rank() - 2] == n, "Det needs square matrices in the last two dims, got " + x.describe());
    const Shape outShape(x.shape.begin(), x.shape.end() - 2);
    Tensor& y = ctx.allocOutput(0, x.dtype, outShape);
    const int64_t batch = y.numel();
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "Det", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      const int64_t mm = n * n;
      parallelFor(ctx.threads(), batch, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, mm * n)),
                  [&](int64_t b, int64_t e) {
                    std::vector<double> a(static_cast<size_t>(mm));
                    for (int64_t i = b; i < e; ++i) {
                      for (int64_t j = 0; j < mm; ++j)
                        a[j] = static_cast<double>(toFloatOrSelf(src[i * mm + j]));
                      dst[i] = fromDouble<T>(luDeterminant(a.data(), n));
                    }
                  });
    });
  }

 private:
  template <typename T>
  static auto toFloatOrSelf(T v) {
    if constexpr (std::is_same_v<T, double>)
      return v;
    else
      return toFloat(v);
  }
  template <typename T>
  static T fromDouble(double d) {
    if constexpr (std::is_same_v<T, double>)
      return d;
    else
      return fromFloat<T>(static_cast<float>(d));
  }
};

ONNX_CPU_KERNEL("Det", 11, DetKernel);
ONNX_CPU_KERNEL("Det", 22, DetKernel);

}  // namespace
}  // namespace onnxfleet
