// If: runs then_branch or else_branch on a one-element bool condition and forwards the branch's outputs
// (tensors, sequences or optionals; the two branches may produce different shapes). Outer-scope values
// reach the branch through the node's implicit inputs.
#include "cpu/control/control_util.h"

namespace onnxfleet {
namespace {

class IfKernel : public Kernel {
 public:
  IfKernel(const NodeDesc& n, const CompileContext&)
      : then_(graphAttr(n, "then_branch")), else_(graphAttr(n, "else_branch")) {
    check(then_->outputs.size() == else_->outputs.size(),
          "then_branch has " + std::to_string(then_->outputs.size()) + " outputs, else_branch has " +
              std::to_string(else_->outputs.size()));
    check(n.outputs.size() <= then_->outputs.size(), "the node has " + std::to_string(n.outputs.size()) +
                                                         " outputs, the branches " +
                                                         std::to_string(then_->outputs.size()));
  }

  void compute(KernelContext& ctx) override {
    const bool cond = readCondition(ctx.inputValue(0), "cond");
    std::vector<Value> outs = ctx.runSubgraph(cond ? *then_ : *else_, {});
    check(outs.size() >= static_cast<size_t>(ctx.numOutputs()),
          "the branch returned " + std::to_string(outs.size()) + " values");
    for (int i = 0; i < ctx.numOutputs(); ++i) ctx.setOutputValue(i, std::move(outs[i]));
  }

 private:
  std::shared_ptr<Graph> then_, else_;
};

// Later versions only widen the type lists (sequences 13, optionals 16, more element types 19-25).
ONNX_CPU_KERNEL("If", 1, IfKernel);
ONNX_CPU_KERNEL("If", 11, IfKernel);
ONNX_CPU_KERNEL("If", 13, IfKernel);
ONNX_CPU_KERNEL("If", 16, IfKernel);
ONNX_CPU_KERNEL("If", 19, IfKernel);
ONNX_CPU_KERNEL("If", 21, IfKernel);
ONNX_CPU_KERNEL("If", 23, IfKernel);
ONNX_CPU_KERNEL("If", 24, IfKernel);
ONNX_CPU_KERNEL("If", 25, IfKernel);

}  // namespace
}  // namespace onnxfleet
