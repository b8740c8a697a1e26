// Add, Sub, Mul, Div, Mod with numpy broadcasting (and the legacy broadcast/axis attributes before opset 7).
// Integer Div truncates toward zero; integer division or modulo by zero gives 0 and INT_MIN / -1 wraps,
// so no input can trap. float16/bfloat16 compute in float.
#include <cmath>
#include <type_traits>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

struct AddFn {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a + b);
  }
};
struct SubFn {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a - b);
  }
};
struct MulFn {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a * b);
  }
};
struct DivFn {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (b == -1)
          return static_cast<T>(std::make_unsigned_t<T>(0) - static_cast<std::make_unsigned_t<T>>(a));
      }
      return static_cast<T>(a / b);
    } else {
      return a / b;
    }
  }
};

// fmod=0: the result takes the divisor's sign (Python %); fmod=1: C fmod (the dividend's sign).
template <bool kFmod>
struct ModFn {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return 0;
        T r = static_cast<T>(a % b);
        if (!kFmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
        return r;
      } else {
        return static_cast<T>(a % b);
      }
    } else {
      T r = std::fmod(a, b);
      if (!kFmod && r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    }
  }
};

// Checks the operands' dtypes, applies the legacy broadcast when the opset is < 7 and runs Fn over Types.
template <typename Fn, typename Types>
void runArith(KernelContext& ctx, const LegacyBroadcast& legacy, const char* name) {
  const Tensor& a = ctx.input(0);
  const Tensor b = legacy.adapt(a, ctx.input(1));
  check(a.dtype == b.dtype,
        std::string("operand dtypes differ: ") + dtypeName(a.dtype) + " and " + dtypeName(b.dtype));
  const Shape shape = broadcastShapes(a.shape, b.shape);
  Types::dispatch(a.dtype, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor& out = ctx.allocOutput(0, a.dtype, shape);
    binaryBroadcastSame<T>(a, b, out, ctx.threads(), Fn{});
  });
}

template <typename Fn>
class ArithKernel : public Kernel {
 public:
  ArithKernel(const NodeDesc& n, const CompileContext&) : legacy_(n), name_(n.opType) {}
  void compute(KernelContext& ctx) override { runArith<Fn, NumericTypes>(ctx, legacy_, name_.c_str()); }

 private:
  LegacyBroadcast legacy_;
  std::string name_;
};

class ModKernel : public Kernel {
 public:
  ModKernel(const NodeDesc& n, const CompileContext&) : legacy_(n), fmod_(n.getInt("fmod", 0) != 0) {}
  void compute(KernelContext& ctx) override {
    if (fmod_) {
      runArith<ModFn<true>, NumericTypes>(ctx, legacy_, "Mod");
    } else {
      runArith<ModFn<false>, NumericTypes>(ctx, legacy_, "Mod");
    }
  }

 private:
  LegacyBroadcast legacy_;
  bool fmod_;
};

using AddKernel = ArithKernel<AddFn>;
using SubKernel = ArithKernel<SubFn>;
using MulKernel = ArithKernel<MulFn>;
using DivKernel = ArithKernel<DivFn>;

// 1 and 6: legacy broadcast attributes; 7: numpy broadcasting; 13 and 14 widen the type list.
ONNX_CPU_KERNEL("Add", 1, AddKernel);
ONNX_CPU_KERNEL("Add", 6, AddKernel);
ONNX_CPU_KERNEL("Add", 7, AddKernel);
ONNX_CPU_KERNEL("Add", 13, AddKernel);
ONNX_CPU_KERNEL("Add", 14, AddKernel);
ONNX_CPU_KERNEL("Sub", 1, SubKernel);
ONNX_CPU_KERNEL("Sub", 6, SubKernel);
ONNX_CPU_KERNEL("Sub", 7, SubKernel);
ONNX_CPU_KERNEL("Sub", 13, SubKernel);
ONNX_CPU_KERNEL("Sub", 14, SubKernel);
ONNX_CPU_KERNEL("Mul", 1, MulKernel);
ONNX_CPU_KERNEL("Mul", 6, MulKernel);
ONNX_CPU_KERNEL("Mul", 7, MulKernel);
ONNX_CPU_KERNEL("Mul", 13, MulKernel);
ONNX_CPU_KERNEL("Mul", 14, MulKernel);
ONNX_CPU_KERNEL("Div", 1, DivKernel);
ONNX_CPU_KERNEL("Div", 6, DivKernel);
ONNX_CPU_KERNEL("Div", 7, DivKernel);
ONNX_CPU_KERNEL("Div", 13, DivKernel);
ONNX_CPU_KERNEL("Div", 14, DivKernel);
ONNX_CPU_KERNEL("Mod", 10, ModKernel);
ONNX_CPU_KERNEL("Mod", 13, ModKernel);

}  // namespace
}  // namespace onnxfleet
