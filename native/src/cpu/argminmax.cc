// ArgMax / ArgMin: int64 index of the largest (smallest) element along one axis; ties go to the first
// occurrence, or the last with select_last_index (opset 12+). NaN counts as the extreme value.
#include <type_traits>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

template <bool IsMax>
class ArgKernel : public Kernel {
 public:
  ArgKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.getInt("axis", 0)),
        keepdims_(n.getInt("keepdims", 1) != 0),
        last_(n.getInt("select_last_index", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    check(r >= 1, "input must have rank >= 1");
    const int axis = normalizeAxis(axis_, r, "axis");
    const int64_t outer = dimProduct(x.shape, 0, axis), n = x.shape[axis],
                  inner = dimProduct(x.shape, axis + 1, r);
    check(n > 0 || outer * inner == 0, "cannot take an arg-extreme over an empty axis");
    Shape out = x.shape;
    if (keepdims_)
      out[axis] = 1;
    else
      out.erase(out.begin() + axis);
    Tensor& y = ctx.allocOutput(0, DType::Int64, out);
    if (outer * inner == 0) return;
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, IsMax ? "ArgMax" : "ArgMin", [&](auto tag) {
      using T = typename decltype(tag)::type;
      run<T>(x.as<T>(), y.as<int64_t>(), outer, n, inner, ctx.threads());
    });
  }

 private:
  // Whether v should replace the current best b.
  template <typename C>
  bool better(C v, C b) const {
    if (v != v) return b == b || last_;  // NaN wins; among NaNs first/last as requested
    if (b != b) return false;
    if (last_) return IsMax ? v >= b : v <= b;
    return IsMax ? v > b : v < b;
  }

  template <typename T>
  void run(const T* x, int64_t* y, int64_t outer, int64_t n, int64_t inner, int threads) const {
    using C = typename Num<T>::C;
    if (inner == 1) {
      parallelFor(threads, outer, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const T* p = x + o * n;
          C best = Num<T>::load(p[0]);
          int64_t bi = 0;
          for (int64_t i = 1; i < n; ++i) {
            const C v = Num<T>::load(p[i]);
            if (better(v, best)) best = v, bi = i;
          }
          y[o] = bi;
        }
      });
      return;
    }
    // Strided: sweep the axis once per outer block, keeping a running best for each inner position.
    parallelFor(threads, outer, std::max<int64_t>(1, 16384 / (n * inner)), [&](int64_t b, int64_t e) {
      std::vector<C> best(inner);
      for (int64_t o = b; o < e; ++o) {
        const T* p = x + o * n * inner;
        int64_t* yo = y + o * inner;
        for (int64_t j = 0; j < inner; ++j) best[j] = Num<T>::load(p[j]), yo[j] = 0;
        for (int64_t i = 1; i < n; ++i) {
          const T* row = p + i * inner;
          for (int64_t j = 0; j < inner; ++j) {
            const C v = Num<T>::load(row[j]);
            if (better(v, best[j])) best[j] = v, yo[j] = i;
          }
        }
      }
    });
  }

  int64_t axis_;
  bool keepdims_, last_;
};

// 1: axis default 0; 11: negative axis; 12: select_last_index; 13: bfloat16.
ONNX_CPU_KERNEL("ArgMax", 1, ArgKernel<true>);
ONNX_CPU_KERNEL("ArgMax", 11, ArgKernel<true>);
ONNX_CPU_KERNEL("ArgMax", 12, ArgKernel<true>);
ONNX_CPU_KERNEL("ArgMax", 13, ArgKernel<true>);
ONNX_CPU_KERNEL("ArgMin", 1, ArgKernel<false>);
ONNX_CPU_KERNEL("ArgMin", 11, ArgKernel<false>);
ONNX_CPU_KERNEL("ArgMin", 12, ArgKernel<false>);
ONNX_CPU_KERNEL("ArgMin", 13, ArgKernel<false>);

}  // namespace
}  // namespace onnxfleet
