// ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare. Axes come from the `axes` attribute (old
// opsets) or the optional second input (ReduceSum 13+, the others 18+); empty axes reduce everything unless
// noop_with_empty_axes is set, in which case only the element-wise part (abs, square, log...) is applied.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

enum class Kind { Sum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare };

// Accumulator type: float for 16-bit floats, the float type itself, 64-bit for integers.
template <typename T>
using AccOf = std::conditional_t<std::is_floating_point<typename Num<T>::C>::value, typename Num<T>::C,
                                 std::conditional_t<std::is_signed<T>::value, int64_t, uint64_t>>;

// Reductions share one interface: Acc init(); step(Acc&, C); merge(Acc&, const Acc&); T finish(Acc, count).
template <typename T, Kind K>
struct SumLike {  // Sum, Mean, L1, L2, LogSum, SumSquare, Prod
  using C = typename Num<T>::C;
  using Acc = AccOf<T>;
  using F = std::conditional_t<std::is_same<Acc, double>::value, double,
                               std::conditional_t<std::is_floating_point<Acc>::value, float, double>>;
  Acc init() const { return K == Kind::Prod ? Acc(1) : Acc(0); }
  void step(Acc& a, C v) const {
    const Acc x = static_cast<Acc>(v);
    if (K == Kind::Prod)
      a *= x;
    else if (K == Kind::L1)
      a += (x < 0 ? -x : x);
    else if (K == Kind::L2 || K == Kind::SumSquare)
      a += x * x;
    else
      a += x;
  }
  void merge(Acc& a, const Acc& b) const {
    if (K == Kind::Prod)
      a *= b;
    else
      a += b;
  }
  T finish(Acc a, int64_t n) const {
    if constexpr (K == Kind::Mean) {
      if constexpr (std::is_floating_point<Acc>::value)
        return Num<T>::store(static_cast<C>(a / Acc(n)));
      else
        return static_cast<T>(n == 0 ? Acc(0) : static_cast<Acc>(a / static_cast<Acc>(n)));
    }
    if constexpr (K == Kind::L2) return Num<T>::store(static_cast<C>(std::sqrt(static_cast<F>(a))));
    if constexpr (K == Kind::LogSum) return Num<T>::store(static_cast<C>(std::log(static_cast<F>(a))));
    return Num<T>::store(static_cast<C>(a));
  }
};

template <typename T, bool IsMax>
struct MinMax {
  using C = typename Num<T>::C;
  using Acc = C;
  Acc init() const {
    if (std::numeric_limits<C>::has_infinity)
      return IsMax ? -std::numeric_limits<C>::infinity() : std::numeric_limits<C>::infinity();
    return IsMax ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
  }
  void step(Acc& a, C v) const { a = ((IsMax ? v > a : v < a) || v != v) ? v : a; }
  void merge(Acc& a, const Acc& b) const { step(a, b); }
  T finish(Acc a, int64_t) const { return Num<T>::store(a); }
};

template <typename T>
struct LogSumExp {  // online (max, scaled sum) pairs, so one pass is numerically safe
  using C = typename Num<T>::C;
  using F =
      std::conditional_t<std::is_same<C, double>::value || !std::is_floating_point<C>::value, double, float>;
  struct Acc {
    F m, s;
  };
  Acc init() const { return {-std::numeric_limits<F>::infinity(), F(0)}; }
  void step(Acc& a, C cv) const {
    const F v = static_cast<F>(cv);
    if (v <= a.m) {
      a.s += std::exp(v - a.m);
    } else {  // also taken for NaN, which then propagates
      a.s = a.s * std::exp(a.m - v) + F(1);
      a.m = v;
    }
  }
  void merge(Acc& a, const Acc& b) const {
    if (b.s == F(0) && b.m == -std::numeric_limits<F>::infinity()) return;
    if (a.s == F(0) && a.m == -std::numeric_limits<F>::infinity()) {
      a = b;
      return;
    }
    const F m = std::max(a.m, b.m);
    a.s = a.s * std::exp(a.m - m) + b.s * std::exp(b.m - m);
    a.m = m;
  }
  T finish(Acc a, int64_t) const { return Num<T>::store(static_cast<C>(a.m + std::log(a.s))); }
};

template <Kind K>
class ReduceKernel : public Kernel {
 public:
  ReduceKernel(const NodeDesc& n, const CompileContext&)
      : axes_(n.getInts("axes")),
        keepdims_(n.getInt("keepdims", 1) != 0),
        noop_(n.getInt("noop_with_empty_axes", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    std::vector<int64_t> axes = axes_;
    if (ctx.hasInput(1)) axes = readIntTensor(ctx.input(1), "axes");
    std::vector<bool> red(r, false);
    if (axes.empty()) {
      if (!noop_) red.assign(r, true);
    } else {
      for (int64_t a : axes) {
        check(a >= -r && a < r,
              "axis " + std::to_string(a) + " is out of range for rank " + std::to_string(r));
        red[a < 0 ? a + r : a] = true;
      }
    }
    Shape out;
    for (int d = 0; d < r; ++d) {
      if (!red[d])
        out.push_back(x.shape[d]);
      else if (keepdims_)
        out.push_back(1);
    }
    const ReducePlan plan = makeReducePlan(x.shape, red);
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    const int threads = ctx.threads();
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      if constexpr (K == Kind::Max)
        runReduce(plan, xp, yp, threads, MinMax<T, true>{});
      else if constexpr (K == Kind::Min)
        runReduce(plan, xp, yp, threads, MinMax<T, false>{});
      else if constexpr (K == Kind::LogSumExp)
        runReduce(plan, xp, yp, threads, LogSumExp<T>{});
      else
        runReduce(plan, xp, yp, threads, SumLike<T, K>{});
    };
    if constexpr (K == Kind::Max || K == Kind::Min) {
      dispatchTypes<ONNXFLEET_NUMERIC_TYPES, bool>(x.dtype, "reduction", [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_same<T, bool>::value) {
          runReduce(plan, x.as<uint8_t>(), y.as<uint8_t>(), threads, MinMax<uint8_t, K == Kind::Max>{});
          // Over an empty set the bool max is false and the bool min is true (not uint8's 255).
          if (plan.count == 0)
            std::fill(y.as<uint8_t>(), y.as<uint8_t>() + y.numel(), K == Kind::Max ? 0 : 1);
        } else {
          run(tag);
        }
      });
    } else {
      dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "reduction", run);
    }
  }

 private:
  std::vector<int64_t> axes_;
  bool keepdims_, noop_;
};

using ReduceSum = ReduceKernel<Kind::Sum>;
using ReduceMean = ReduceKernel<Kind::Mean>;
using ReduceMax = ReduceKernel<Kind::Max>;
using ReduceMin = ReduceKernel<Kind::Min>;
using ReduceProd = ReduceKernel<Kind::Prod>;
using ReduceL1 = ReduceKernel<Kind::L1>;
using ReduceL2 = ReduceKernel<Kind::L2>;
using ReduceLogSum = ReduceKernel<Kind::LogSum>;
using ReduceLogSumExp = ReduceKernel<Kind::LogSumExp>;
using ReduceSumSquare = ReduceKernel<Kind::SumSquare>;

// 1: axes attribute; 11: negative axes; 13: ReduceSum takes axes as an input; 18: the others do too.
// ReduceMax/Min add 8-bit types at 12 and bool at 20. One kernel serves every version.
ONNX_CPU_KERNEL("ReduceSum", 1, ReduceSum);
ONNX_CPU_KERNEL("ReduceSum", 11, ReduceSum);
ONNX_CPU_KERNEL("ReduceSum", 13, ReduceSum);
#define ONNXFLEET_REDUCE_VERSIONS(OP) \
  ONNX_CPU_KERNEL(#OP, 1, OP);        \
  ONNX_CPU_KERNEL(#OP, 11, OP);       \
  ONNX_CPU_KERNEL(#OP, 13, OP);       \
  ONNX_CPU_KERNEL(#OP, 18, OP)
ONNXFLEET_REDUCE_VERSIONS(ReduceMean);
ONNXFLEET_REDUCE_VERSIONS(ReduceMax);
ONNXFLEET_REDUCE_VERSIONS(ReduceMin);
ONNXFLEET_REDUCE_VERSIONS(ReduceProd);
ONNXFLEET_REDUCE_VERSIONS(ReduceL1);
ONNXFLEET_REDUCE_VERSIONS(ReduceL2);
ONNXFLEET_REDUCE_VERSIONS(ReduceLogSum);
ONNXFLEET_REDUCE_VERSIONS(ReduceLogSumExp);
ONNXFLEET_REDUCE_VERSIONS(ReduceSumSquare);
#undef ONNXFLEET_REDUCE_VERSIONS
ONNX_CPU_KERNEL("ReduceMax", 12, ReduceMax);
ONNX_CPU_KERNEL("ReduceMax", 20, ReduceMax);
ONNX_CPU_KERNEL("ReduceMin", 12, ReduceMin);
ONNX_CPU_KERNEL("ReduceMin", 20, ReduceMin);
ONNX_CPU_KERNEL("ReduceLogSum", 28, ReduceLogSum);
ONNX_CPU_KERNEL("ReduceLogSumExp", 28, ReduceLogSumExp);

}  // namespace
}  // namespace onnxfleet
