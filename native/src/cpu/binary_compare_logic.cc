// Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual) and logic (And, Or, Xor) with numpy
// broadcasting (legacy broadcast/axis before opset 7); outputs are bool. Equal also compares strings.
// Bool inputs are read as bytes (nonzero = true) and bool outputs are written as 0/1.
#include <string>
#include <type_traits>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

struct EqFn {
  template <typename T>
  bool operator()(const T& a, const T& b) const {
    return a == b;
  }
};
struct LessFn {
  template <typename T>
  bool operator()(T a, T b) const {
    return a < b;
  }
};
struct GreaterFn {
  template <typename T>
  bool operator()(T a, T b) const {
    return a > b;
  }
};
struct LessEqFn {
  template <typename T>
  bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct GreaterEqFn {
  template <typename T>
  bool operator()(T a, T b) const {
    return a >= b;
  }
};

// Compares float16/bfloat16 as floats; bool tensors arrive as uint8_t.
template <typename T, typename Fn>
struct CompareLift {
  uint8_t operator()(const T& a, const T& b) const {
    if constexpr (kIsHalfLike<T>) {
      return Fn{}(toFloat(a), toFloat(b));
    } else {
      return Fn{}(a, b);
    }
  }
};

// Every numeric type, with bool read as uint8_t (0/1 compares correctly as long as inputs are canonical).
using CompareTypes = TypeList<ONNXFLEET_NUMERIC_TYPES>;
using EqualTypes = TypeList<ONNXFLEET_NUMERIC_TYPES, std::string>;

template <typename Fn, typename Types>
class CompareKernel : public Kernel {
 public:
  CompareKernel(const NodeDesc& n, const CompileContext&) : legacy_(n), name_(n.opType) {}
  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor b = legacy_.adapt(a, ctx.input(1));
    check(a.dtype == b.dtype,
          std::string("operand dtypes differ: ") + dtypeName(a.dtype) + " and " + dtypeName(b.dtype));
    const Shape shape = broadcastShapes(a.shape, b.shape);
    if (a.dtype == DType::Bool) {  // only Equal allows bool: compare truth values
      Tensor& out = ctx.allocOutput(0, DType::Bool, shape);
      binaryBroadcast<uint8_t, uint8_t, uint8_t>(
          a, b, out, ctx.threads(), [](uint8_t x, uint8_t y) -> uint8_t { return Fn{}(x != 0, y != 0); });
      return;
    }
    Types::dispatch(a.dtype, name_.c_str(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.allocOutput(0, DType::Bool, shape);
      binaryBroadcast<T, T, uint8_t>(a, b, out, ctx.threads(), CompareLift<T, Fn>{});
    });
  }

 private:
  LegacyBroadcast legacy_;
  std::string name_;
};

struct AndFn {
  uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) & (b != 0); }
};
struct OrFn {
  uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) | (b != 0); }
};
struct XorFn {
  uint8_t operator()(uint8_t a, uint8_t b) const { return (a != 0) ^ (b != 0); }
};

template <typename Fn>
class LogicKernel : public Kernel {
 public:
  LogicKernel(const NodeDesc& n, const CompileContext&) : legacy_(n) {}
  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor b = legacy_.adapt(a, ctx.input(1));
    check(a.dtype == DType::Bool && b.dtype == DType::Bool,
          std::string("expected bool operands, got ") + dtypeName(a.dtype) + " and " + dtypeName(b.dtype));
    Tensor& out = ctx.allocOutput(0, DType::Bool, broadcastShapes(a.shape, b.shape));
    binaryBroadcast<uint8_t, uint8_t, uint8_t>(a, b, out, ctx.threads(), Fn{});
  }

 private:
  LegacyBroadcast legacy_;
};

using EqualKernel = CompareKernel<EqFn, EqualTypes>;
using LessKernel = CompareKernel<LessFn, CompareTypes>;
using GreaterKernel = CompareKernel<GreaterFn, CompareTypes>;
using LessOrEqualKernel = CompareKernel<LessEqFn, CompareTypes>;
using GreaterOrEqualKernel = CompareKernel<GreaterEqFn, CompareTypes>;

ONNX_CPU_KERNEL("Equal", 1, EqualKernel);
ONNX_CPU_KERNEL("Equal", 7, EqualKernel);
ONNX_CPU_KERNEL("Equal", 11, EqualKernel);
ONNX_CPU_KERNEL("Equal", 13, EqualKernel);
ONNX_CPU_KERNEL("Equal", 19, EqualKernel);
ONNX_CPU_KERNEL("Less", 1, LessKernel);
ONNX_CPU_KERNEL("Less", 7, LessKernel);
ONNX_CPU_KERNEL("Less", 9, LessKernel);
ONNX_CPU_KERNEL("Less", 13, LessKernel);
ONNX_CPU_KERNEL("Greater", 1, GreaterKernel);
ONNX_CPU_KERNEL("Greater", 7, GreaterKernel);
ONNX_CPU_KERNEL("Greater", 9, GreaterKernel);
ONNX_CPU_KERNEL("Greater", 13, GreaterKernel);
ONNX_CPU_KERNEL("LessOrEqual", 12, LessOrEqualKernel);
ONNX_CPU_KERNEL("LessOrEqual", 16, LessOrEqualKernel);
ONNX_CPU_KERNEL("GreaterOrEqual", 12, GreaterOrEqualKernel);
ONNX_CPU_KERNEL("GreaterOrEqual", 16, GreaterOrEqualKernel);
ONNX_CPU_KERNEL("And", 1, LogicKernel<AndFn>);
ONNX_CPU_KERNEL("And", 7, LogicKernel<AndFn>);
ONNX_CPU_KERNEL("Or", 1, LogicKernel<OrFn>);
ONNX_CPU_KERNEL("Or", 7, LogicKernel<OrFn>);
ONNX_CPU_KERNEL("Xor", 1, LogicKernel<XorFn>);
ONNX_CPU_KERNEL("Xor", 7, LogicKernel<XorFn>);

}  // namespace
}  // namespace onnxfleet
