// Max, Min, Sum, Mean over one or more inputs with numpy broadcasting: the first pair is combined into the
// output, every further input is folded into it in place. Max/Min propagate NaN like numpy.
#include <type_traits>
#include <vector>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

struct MaxFn {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return (b > a || b != b) ? b : a;
    return b > a ? b : a;
  }
};
struct MinFn {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) return (b < a || b != b) ? b : a;
    return b < a ? b : a;
  }
};
struct SumFn {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a + b);
  }
};
struct FirstFn {
  template <typename T>
  T operator()(T a, T) const {
    return a;
  }
};

template <typename Fn, typename Types, bool kMean>
class VariadicKernel : public Kernel {
 public:
  VariadicKernel(const NodeDesc& n, const CompileContext&) : name_(n.opType) {}
  void compute(KernelContext& ctx) override {
    const int n = ctx.numInputs();
    check(n >= 1, name_ + " needs at least one input");
    std::vector<const Tensor*> ins;
    std::vector<const Shape*> shapes;
    for (int i = 0; i < n; ++i) {
      ins.push_back(&ctx.input(i));
      shapes.push_back(&ins.back()->shape);
      check(ins.back()->dtype == ins[0]->dtype, "input " + std::to_string(i) + " has dtype " +
                                                    dtypeName(ins.back()->dtype) + ", input 0 has " +
                                                    dtypeName(ins[0]->dtype));
    }
    const Shape shape = broadcastShapes(shapes);
    Types::dispatch(ins[0]->dtype, name_.c_str(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.allocOutput(0, ins[0]->dtype, shape);
      const int threads = ctx.threads();
      if (n == 1) {
        binaryBroadcastSame<T>(*ins[0], *ins[0], out, threads, FirstFn{});
      } else {
        binaryBroadcastSame<T>(*ins[0], *ins[1], out, threads, Fn{});
        for (int i = 2; i < n; ++i) binaryBroadcastSame<T>(out, *ins[i], out, threads, Fn{});
      }
      if constexpr (kMean) {
        using C = typename ComputeType<T>::type;
        const C scale = C(1) / static_cast<C>(n);
        unaryMap(out.as<T>(), out.as<T>(), out.numel(), threads, [scale](C v) { return v * scale; });
      }
    });
  }

 private:
  std::string name_;
};

using MaxKernel = VariadicKernel<MaxFn, NumericTypes, false>;
using MinKernel = VariadicKernel<MinFn, NumericTypes, false>;
using SumKernel = VariadicKernel<SumFn, FloatTypes, false>;
using MeanKernel = VariadicKernel<SumFn, FloatTypes, true>;

// 1 and 6: same shapes only (a subset of what we do); 8: broadcasting; 12/13: more types.
ONNX_CPU_KERNEL("Max", 1, MaxKernel);
ONNX_CPU_KERNEL("Max", 6, MaxKernel);
ONNX_CPU_KERNEL("Max", 8, MaxKernel);
ONNX_CPU_KERNEL("Max", 12, MaxKernel);
ONNX_CPU_KERNEL("Max", 13, MaxKernel);
ONNX_CPU_KERNEL("Min", 1, MinKernel);
ONNX_CPU_KERNEL("Min", 6, MinKernel);
ONNX_CPU_KERNEL("Min", 8, MinKernel);
ONNX_CPU_KERNEL("Min", 12, MinKernel);
ONNX_CPU_KERNEL("Min", 13, MinKernel);
ONNX_CPU_KERNEL("Sum", 1, SumKernel);
ONNX_CPU_KERNEL("Sum", 6, SumKernel);
ONNX_CPU_KERNEL("Sum", 8, SumKernel);
ONNX_CPU_KERNEL("Sum", 13, SumKernel);
ONNX_CPU_KERNEL("Mean", 1, MeanKernel);
ONNX_CPU_KERNEL("Mean", 6, MeanKernel);
ONNX_CPU_KERNEL("Mean", 8, MeanKernel);
ONNX_CPU_KERNEL("Mean", 13, MeanKernel);

}  // namespace
}  // namespace onnxfleet
