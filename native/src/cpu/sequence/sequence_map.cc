// SequenceMap: runs `body` once per element of the first input (a sequence). Further inputs are sequences of
// the same length (element i is passed) or tensors (passed whole each time). Output j is the sequence of the
// body's j-th output over all elements. Elements run in order, one after another.
#include "cpu/control/control_util.h"
#include "cpu/sequence/sequence_util.h"

namespace onnxfleet {
namespace {

class SequenceMapKernel : public Kernel {
 public:
  SequenceMapKernel(const NodeDesc& n, const CompileContext&) : body_(graphAttr(n, "body")) {
    check(body_->inputs.size() == n.inputs.size(), "body takes " + std::to_string(body_->inputs.size()) +
                                                       " inputs, the node has " +
                                                       std::to_string(n.inputs.size()));
    check(body_->outputs.size() == n.outputs.size(), "body returns " + std::to_string(body_->outputs.size()) +
                                                         " values, the node has " +
                                                         std::to_string(n.outputs.size()) + " outputs");
  }

  void compute(KernelContext& ctx) override {
    const Value& first = sequenceInput(ctx, 0);
    const size_t n = first.sequence.size();
    for (int i = 1; i < ctx.numInputs(); ++i) {
      const Value& v = ctx.inputValue(i);
      check(v.isTensor() || v.isSequence(), "input " + std::to_string(i) + " must be a tensor or a sequence");
      check(!v.isSequence() || v.sequence.size() == n, "input " + std::to_string(i) + " has " +
                                                           std::to_string(v.sequence.size()) +
                                                           " elements, input 0 has " + std::to_string(n));
    }
    const size_t nOut = body_->outputs.size();
    std::vector<std::vector<Tensor>> outs(nOut);
    for (auto& o : outs) o.reserve(n);
    for (size_t e = 0; e < n; ++e) {
      std::vector<Value> in;
      in.reserve(ctx.numInputs());
      for (int i = 0; i < ctx.numInputs(); ++i) {
        const Value& v = ctx.inputValue(i);
        in.push_back(v.isSequence() ? Value::of(v.sequence[e]) : v);
      }
      std::vector<Value> res = ctx.runSubgraph(*body_, std::move(in));
      if (res.size() != nOut) throw Error("body returned " + std::to_string(res.size()) + " values");
      for (size_t j = 0; j < nOut; ++j) {
        if (!res[j].isTensor())
          throw Error("body output " + std::to_string(j) + " must be a tensor, got " + res[j].describe());
        if (!outs[j].empty() && outs[j][0].dtype != res[j].tensor.dtype)
          throw Error("body output " + std::to_string(j) + " changes element type");
        outs[j].push_back(std::move(res[j].tensor));
      }
    }
    for (size_t j = 0; j < nOut; ++j) {
      // With no elements the body never ran, so the element type is unknown (left undefined).
      DType elem = outs[j].empty() ? DType::Undefined : outs[j][0].dtype;
      ctx.setOutputValue(static_cast<int>(j), Value::ofSequence(std::move(outs[j]), elem));
    }
  }

 private:
  std::shared_ptr<Graph> body_;
};

ONNX_CPU_KERNEL("SequenceMap", 17, SequenceMapKernel);

}  // namespace
}  // namespace onnxfleet
