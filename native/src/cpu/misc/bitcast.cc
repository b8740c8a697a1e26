// BitCast (opset 26): reinterprets the bytes of a tensor as another type of the same bit width. The output
// aliases the input's memory (no copy); only the dtype changes. Strings are rejected both ways.
#include <string>

#include "core/kernel.h"

namespace onnxfleet {
namespace {

class BitCastKernel : public Kernel {
 public:
  BitCastKernel(const NodeDesc& n, const CompileContext&) {
    const int64_t to = n.required("to").i;
    check(to >= 0 && to <= INT32_MAX && dtypeValid(static_cast<int32_t>(to)) && to != 0,
          "BitCast: invalid 'to' data type " + std::to_string(to));
    to_ = static_cast<DType>(to);
    check(to_ != DType::String, "BitCast: cannot bitcast to string");
  }
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.dtype != DType::String, "BitCast: cannot bitcast from string");
    check(dtypeBits(x.dtype) == dtypeBits(to_), std::string("BitCast: ") + dtypeName(x.dtype) + " (" +
                                                    std::to_string(dtypeBits(x.dtype)) + " bits) and " +
                                                    dtypeName(to_) + " (" + std::to_string(dtypeBits(to_)) +
                                                    " bits) differ in width");
    Tensor y = x;
    y.dtype = to_;
    ctx.setOutput(0, std::move(y));
  }

 private:
  DType to_ = DType::Undefined;
};

ONNX_CPU_KERNEL("BitCast", 26, BitCastKernel);

}  // namespace
}  // namespace onnxfleet
