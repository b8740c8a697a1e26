// LRN (local response normalization across channels):
//   y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size-1)/2), c +
//   ceil((size-1)/2)])^beta
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class LrnKernel : public Kernel {
 public:
  LrnKernel(const NodeDesc& n, const CompileContext&)
      : alpha_(n.getFloat("alpha", 1e-4f)),
        beta_(n.getFloat("beta", 0.75f)),
        bias_(n.getFloat("bias", 1.0f)),
        size_(n.required("size").i) {
    check(size_ > 0, "size must be positive");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 2, "input must have rank >= 2");
    const int64_t C = x.shape[1], S = dimProduct(x.shape, 2, x.rank()), planes = x.shape[0] * C;
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    const int64_t lo = (size_ - 1) / 2, hi = size_ - 1 - lo;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "LRN", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      const F k = static_cast<F>(alpha_) / static_cast<F>(size_), bias = bias_, beta = beta_;
      parallelFor(
          ctx.threads(), planes, std::max<int64_t>(1, 16384 / std::max<int64_t>(S * size_, 1)),
          [&](int64_t b, int64_t e) {
            std::vector<F> sq(S);
            for (int64_t p = b; p < e; ++p) {
              const int64_t c = p % C, n0 = p - c;
              std::fill(sq.begin(), sq.end(), F(0));
              for (int64_t cc = std::max<int64_t>(0, c - lo); cc <= std::min(C - 1, c + hi); ++cc) {
                const T* xr = xp + (n0 + cc) * S;
                for (int64_t i = 0; i < S; ++i) {
                  const F v = Num<T>::load(xr[i]);
                  sq[i] += v * v;
                }
              }
              const T* xr = xp + p * S;
              T* yr = yp + p * S;
              for (int64_t i = 0; i < S; ++i)
                yr[i] = Num<T>::store(static_cast<F>(Num<T>::load(xr[i])) / std::pow(bias + k * sq[i], beta));
            }
          });
    });
  }

 private:
  float alpha_, beta_, bias_;
  int64_t size_;
};

ONNX_CPU_KERNEL("LRN", 1, LrnKernel);
ONNX_CPU_KERNEL("LRN", 13, LrnKernel);

}  // namespace
}  // namespace onnxfleet
