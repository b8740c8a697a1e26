// CumProd along an axis given as an int32/int64 scalar input, with exclusive and reverse flags (opset 26).
// Same walk as CumSum: each outer slice runs down the axis keeping one running product per inner element.
// Integer products wrap modulo 2^bits (computed unsigned, so overflow is defined).
#include <type_traits>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

template <typename C>
inline C mulWrap(C a, C b) {
  if constexpr (std::is_integral_v<C> && std::is_signed_v<C>) {
    using U = std::make_unsigned_t<C>;
    return static_cast<C>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else {
    return static_cast<C>(a * b);
  }
}

class CumProdKernel : public Kernel {
 public:
  CumProdKernel(const NodeDesc& n, const CompileContext&)
      : exclusive_(n.getInt("exclusive", 0) != 0), reverse_(n.getInt("reverse", 0) != 0) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 1, "CumProd needs rank >= 1");
    const int64_t axis = normalizeAxis(readScalarInt(ctx.input(1), "axis"), x.rank());
    const int64_t outer = dimProduct(x.shape, 0, axis), len = x.shape[axis];
    const int64_t inner = dimProduct(x.shape, axis + 1, x.shape.size());
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    if (y.numel() == 0) return;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES, int32_t, int64_t, uint32_t, uint64_t>(
        x.dtype, "CumProd", [&](auto tag) {
          using T = typename decltype(tag)::type;
          using C = typename ComputeType<T>::type;
          const T* src = x.as<T>();
          T* dst = y.as<T>();
          // Work items: (outer slice, block of inner columns).
          const int64_t blk = std::min<int64_t>(inner, 1024), nb = (inner + blk - 1) / blk;
          parallelFor(ctx.threads(), outer * nb, std::max<int64_t>(1, 16384 / (len * blk)),
                      [&](int64_t b, int64_t e) {
                        std::vector<C> acc(blk);
                        for (int64_t w = b; w < e; ++w) {
                          const int64_t o = w / nb, c0 = (w % nb) * blk, c1 = std::min(inner, c0 + blk),
                                        m = c1 - c0;
                          std::fill(acc.begin(), acc.begin() + m, C(1));
                          for (int64_t step = 0; step < len; ++step) {
                            const int64_t a = reverse_ ? len - 1 - step : step;
                            const int64_t off = (o * len + a) * inner + c0;
                            if (exclusive_) {
                              for (int64_t j = 0; j < m; ++j) {
                                const C v = loadC(src[off + j]);
                                dst[off + j] = storeC<T>(acc[j]);
                                acc[j] = mulWrap(acc[j], v);
                              }
                            } else {
                              for (int64_t j = 0; j < m; ++j) {
                                acc[j] = mulWrap(acc[j], loadC(src[off + j]));
                                dst[off + j] = storeC<T>(acc[j]);
                              }
                            }
                          }
                        }
                      });
        });
  }

 private:
  bool exclusive_, reverse_;
};

ONNX_CPU_KERNEL("CumProd", 26, CumProdKernel);

}  // namespace
}  // namespace onnxfleet
