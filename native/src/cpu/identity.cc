// Identity: the output aliases the input (tensors, sequences and optionals alike); no copy.
#include "core/kernel.h"

namespace onnxfleet {
namespace {

class IdentityKernel : public Kernel {
 public:
  IdentityKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override { ctx.setOutputValue(0, ctx.inputValue(0)); }
};

ONNX_CPU_KERNEL("Identity", 1, IdentityKernel);

}  // namespace
}  // namespace onnxfleet
