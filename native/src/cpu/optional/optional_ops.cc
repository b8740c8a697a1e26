// Optional, OptionalHasElement, OptionalGetElement. The executor has no separate optional wrapper: an empty
// optional (or an absent input) is Value::Kind::Empty, and an optional holding a tensor or sequence is that
// tensor or sequence itself. So wrapping and unwrapping forward the value unchanged.
#include "core/kernel.h"

namespace onnxfleet {
namespace {

// Optional's `type` attribute crosses as "tensor:<code>", "sequence:...", "optional:..." or "map:...".
bool validTypeString(const std::string& s) {
  for (const char* p : {"tensor:", "sequence:", "optional:", "map:"})
    if (s.rfind(p, 0) == 0) return true;
  return false;
}

class OptionalKernel : public Kernel {
 public:
  OptionalKernel(const NodeDesc& n, const CompileContext&) {
    const bool hasInput = !n.inputs.empty() && n.inputs[0] >= 0;
    check(hasInput || n.has("type"), "an Optional without input needs the 'type' attribute");
    if (n.has("type")) {
      const std::string t = n.getString("type", "");
      check(validTypeString(t), "attribute 'type' is not a tensor, sequence or optional type: '" + t + "'");
    }
  }
  void compute(KernelContext& ctx) override { ctx.setOutputValue(0, ctx.inputValue(0)); }
};

class OptionalHasElementKernel : public Kernel {
 public:
  OptionalHasElementKernel(const NodeDesc& n, const CompileContext&) {
    // Version 15 requires the input; 18 also accepts none (and answers false).
    check(n.sinceVersion >= 18 || (!n.inputs.empty() && n.inputs[0] >= 0),
          "OptionalHasElement-15 needs an input");
  }
  void compute(KernelContext& ctx) override {
    ctx.allocOutput(0, DType::Bool, {}).as<uint8_t>()[0] = ctx.inputValue(0).isEmpty() ? 0 : 1;
  }
};

class OptionalGetElementKernel : public Kernel {
 public:
  OptionalGetElementKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Value& v = ctx.inputValue(0);
    check(!v.isEmpty(), "the optional input has no element");
    ctx.setOutputValue(0, v);
  }
};

ONNX_CPU_KERNEL("Optional", 15, OptionalKernel);
ONNX_CPU_KERNEL("OptionalHasElement", 15, OptionalHasElementKernel);
ONNX_CPU_KERNEL("OptionalHasElement", 18, OptionalHasElementKernel);
// 15 takes an optional; 18 also takes a plain tensor or sequence (returned as is). Both are a pass-through
// here.
ONNX_CPU_KERNEL("OptionalGetElement", 15, OptionalGetElementKernel);
ONNX_CPU_KERNEL("OptionalGetElement", 18, OptionalGetElementKernel);

}  // namespace
}  // namespace onnxfleet
