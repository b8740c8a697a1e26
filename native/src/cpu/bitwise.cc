// BitShift (unsigned types, direction LEFT/RIGHT; shifting by the bit width or more gives 0),
// BitwiseAnd/Or/Xor (integer types, numpy broadcasting) and BitwiseNot.
#include <string>
#include <type_traits>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

using IntTypes = TypeList<ONNXFLEET_INT_TYPES>;
using UIntTypes = TypeList<uint8_t, uint16_t, uint32_t, uint64_t>;

template <bool kLeft>
struct ShiftFn {
  template <typename T>
  T operator()(T a, T b) const {
    if (b >= sizeof(T) * 8) return 0;
    return static_cast<T>(kLeft ? a << b : a >> b);
  }
};
struct AndFn {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a & b);
  }
};
struct OrFn {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a | b);
  }
};
struct XorFn {
  template <typename T>
  T operator()(T a, T b) const {
    return static_cast<T>(a ^ b);
  }
};

template <typename Fn, typename Types>
void runBitwise(KernelContext& ctx, const char* name) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  check(a.dtype == b.dtype,
        std::string("operand dtypes differ: ") + dtypeName(a.dtype) + " and " + dtypeName(b.dtype));
  const Shape shape = broadcastShapes(a.shape, b.shape);
  Types::dispatch(a.dtype, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor& out = ctx.allocOutput(0, a.dtype, shape);
    binaryBroadcast<T, T, T>(a, b, out, ctx.threads(), Fn{});
  });
}

class BitShiftKernel : public Kernel {
 public:
  BitShiftKernel(const NodeDesc& n, const CompileContext&) {
    const std::string d = n.getString("direction", "");
    check(d == "LEFT" || d == "RIGHT", "BitShift direction must be LEFT or RIGHT, got '" + d + "'");
    left_ = d == "LEFT";
  }
  void compute(KernelContext& ctx) override {
    if (left_) {
      runBitwise<ShiftFn<true>, UIntTypes>(ctx, "BitShift");
    } else {
      runBitwise<ShiftFn<false>, UIntTypes>(ctx, "BitShift");
    }
  }

 private:
  bool left_ = true;
};

template <typename Fn>
class BitwiseKernel : public Kernel {
 public:
  BitwiseKernel(const NodeDesc& n, const CompileContext&) : name_(n.opType) {}
  void compute(KernelContext& ctx) override { runBitwise<Fn, IntTypes>(ctx, name_.c_str()); }

 private:
  std::string name_;
};

struct NotOp {
  explicit NotOp(const NodeDesc&) {}
  template <typename T>
  T operator()(T x) const {
    return static_cast<T>(~x);
  }
};

using BitwiseNotKernel = UnaryKernel<NotOp, IntTypes>;

ONNX_CPU_KERNEL("BitShift", 11, BitShiftKernel);
ONNX_CPU_KERNEL("BitwiseAnd", 18, BitwiseKernel<AndFn>);
ONNX_CPU_KERNEL("BitwiseOr", 18, BitwiseKernel<OrFn>);
ONNX_CPU_KERNEL("BitwiseXor", 18, BitwiseKernel<XorFn>);
ONNX_CPU_KERNEL("BitwiseNot", 18, BitwiseNotKernel);

}  // namespace
}  // namespace onnxfleet
