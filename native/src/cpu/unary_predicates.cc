// Not (bool), IsNaN and IsInf (float types, detect_negative/detect_positive): elementwise, bool output.
#include <cmath>

#include "cpu/util/elementwise.h"

namespace onnxfleet {
namespace {

// out[i] = pred(x[i]) as 0/1 over a contiguous tensor; float16/bfloat16 are tested as float.
template <typename T, typename Pred>
void predicateMap(const Tensor& x, Tensor& out, int threads, const Pred& pred) {
  const T* px = x.as<T>();
  uint8_t* po = out.as<uint8_t>();
  parallelFor(threads, x.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if constexpr (kIsHalfLike<T>) {
        po[i] = pred(toFloat(px[i]));
      } else {
        po[i] = pred(px[i]);
      }
    }
  });
}

class NotKernel : public Kernel {
 public:
  NotKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.dtype == DType::Bool, std::string("Not expects bool, got ") + dtypeName(x.dtype));
    Tensor& out = ctx.allocOutput(0, DType::Bool, x.shape);
    predicateMap<uint8_t>(x, out, ctx.threads(), [](uint8_t v) -> uint8_t { return v == 0; });
  }
};

class IsNaNKernel : public Kernel {
 public:
  IsNaNKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "IsNaN", [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.allocOutput(0, DType::Bool, x.shape);
      predicateMap<T>(x, out, ctx.threads(), [](auto v) -> uint8_t { return v != v; });
    });
  }
};

class IsInfKernel : public Kernel {
 public:
  IsInfKernel(const NodeDesc& n, const CompileContext&)
      : negative_(n.getInt("detect_negative", 1) != 0), positive_(n.getInt("detect_positive", 1) != 0) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const bool neg = negative_, pos = positive_;
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "IsInf", [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor& out = ctx.allocOutput(0, DType::Bool, x.shape);
      predicateMap<T>(x, out, ctx.threads(), [neg, pos](auto v) -> uint8_t {
        return std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg));
      });
    });
  }

 private:
  bool negative_, positive_;
};

ONNX_CPU_KERNEL("Not", 1, NotKernel);
ONNX_CPU_KERNEL("IsNaN", 9, IsNaNKernel);
ONNX_CPU_KERNEL("IsNaN", 13, IsNaNKernel);
ONNX_CPU_KERNEL("IsNaN", 20, IsNaNKernel);
ONNX_CPU_KERNEL("IsInf", 10, IsInfKernel);
ONNX_CPU_KERNEL("IsInf", 20, IsInfKernel);

}  // namespace
}  // namespace onnxfleet
