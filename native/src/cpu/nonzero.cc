// NonZero: int64 [rank, count] coordinates of the non-zero elements in row-major order (a scalar counts as
// a 1-D tensor of one element).
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class NonZeroKernel : public Kernel {
 public:
  NonZeroKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Shape shape = x.rank() == 0 ? Shape{1} : x.shape;
    const int64_t r = static_cast<int64_t>(shape.size()), n = x.numel();
    std::vector<int64_t> hits;
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES, bool>(x.dtype, "NonZero", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* p = x.as<T>();
      for (int64_t i = 0; i < n; ++i) {
        bool nz;
        if constexpr (std::is_same_v<T, bool>)
          nz = p[i];
        else
          nz = loadC(p[i]) != 0;
        if (nz) hits.push_back(i);
      }
    });
    const int64_t count = static_cast<int64_t>(hits.size());
    Tensor& y = ctx.allocOutput(0, DType::Int64, {r, count});
    int64_t* o = y.as<int64_t>();
    for (int64_t j = 0; j < count; ++j) {
      int64_t rem = hits[j];
      for (int64_t d = r - 1; d >= 0; --d) {
        o[d * count + j] = rem % shape[d];
        rem /= shape[d];
      }
    }
  }
};

ONNX_CPU_KERNEL("NonZero", 9, NonZeroKernel);

}  // namespace
}  // namespace onnxfleet
