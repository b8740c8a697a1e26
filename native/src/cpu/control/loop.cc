// Loop: runs `body` while the trip count M (optional, int64) is not reached and the condition holds. The body
// takes (iteration number, condition, N loop-carried values) and returns (condition, N carried values,
// K scan outputs). Carried values may be tensors, sequences or optionals and may change shape between
// iterations; scan outputs are tensors of one shape, stacked along a new first axis.
// The condition the body returns is always honoured (as onnxruntime and the ONNX reference do); without a
// cond input the first iteration runs unconditionally.
#include <limits>

#include "cpu/control/control_util.h"

namespace onnxfleet {
namespace {

class LoopKernel : public Kernel {
 public:
  LoopKernel(const NodeDesc& n, const CompileContext&) : body_(graphAttr(n, "body")) {
    check(n.inputs.size() >= 2, "Loop needs the M and cond inputs (either may be empty)");
    carried_ = n.inputs.size() - 2;
    check(body_->inputs.size() == 2 + carried_, "body takes " + std::to_string(body_->inputs.size()) +
                                                    " inputs, expected 2 + " + std::to_string(carried_) +
                                                    " loop-carried values");
    check(body_->outputs.size() >= 1 + carried_, "body returns " + std::to_string(body_->outputs.size()) +
                                                     " values, expected at least 1 + " +
                                                     std::to_string(carried_));
    scans_ = body_->outputs.size() - 1 - carried_;
    check(n.outputs.size() <= carried_ + scans_, "the node has " + std::to_string(n.outputs.size()) +
                                                     " outputs, the body yields " +
                                                     std::to_string(carried_ + scans_));
  }

  void compute(KernelContext& ctx) override {
    int64_t trips = std::numeric_limits<int64_t>::max();
    if (ctx.hasInput(0)) trips = readScalarInt(ctx.input(0), "M");
    bool cond = true;
    if (ctx.hasInput(1)) cond = readCondition(ctx.inputValue(1), "cond");

    std::vector<Value> carried(carried_);
    for (size_t i = 0; i < carried_; ++i) carried[i] = ctx.inputValue(static_cast<int>(2 + i));
    std::vector<std::vector<Tensor>> scans(scans_);

    for (int64_t it = 0; it < trips && cond; ++it) {
      std::vector<Value> in;
      in.reserve(2 + carried_);
      Tensor iter = ctx.scratch(DType::Int64, {});
      iter.as<int64_t>()[0] = it;
      Tensor c = ctx.scratch(DType::Bool, {});
      c.as<uint8_t>()[0] = 1;
      in.push_back(Value::of(std::move(iter)));
      in.push_back(Value::of(std::move(c)));
      for (auto& v : carried) in.push_back(std::move(v));
      std::vector<Value> out = ctx.runSubgraph(*body_, std::move(in));
      if (out.size() != 1 + carried_ + scans_)
        throw Error("body returned " + std::to_string(out.size()) + " values");
      cond = readCondition(out[0], "the body's condition output");
      for (size_t i = 0; i < carried_; ++i) carried[i] = std::move(out[1 + i]);
      for (size_t k = 0; k < scans_; ++k) {
        Value& v = out[1 + carried_ + k];
        if (!v.isTensor())
          throw Error("scan output " + std::to_string(k) + " must be a tensor, got " + v.describe());
        scans[k].push_back(std::move(v.tensor));
      }
    }

    for (size_t i = 0; i < carried_; ++i) ctx.setOutputValue(static_cast<int>(i), std::move(carried[i]));
    for (size_t k = 0; k < scans_; ++k) {
      const int o = static_cast<int>(carried_ + k);
      if (!ctx.wantsOutput(o)) continue;
      const auto& items = scans[k];
      if (items.empty()) {  // no iteration ran: the element type and shape are unknown here
        ctx.allocOutput(o, DType::Float, {0});
        continue;
      }
      checkSameItems(items, "scan output " + std::to_string(k));
      Shape s = items[0].shape;
      s.insert(s.begin(), static_cast<int64_t>(items.size()));
      Tensor& y = ctx.allocOutput(o, items[0].dtype, s);
      stackItems(y.dtype, y.data, items[0].shape, items, static_cast<int64_t>(items.size()), 0, false,
                 ctx.threads());
    }
  }

 private:
  std::shared_ptr<Graph> body_;
  size_t carried_ = 0, scans_ = 0;
};

// Later versions only widen the type lists (sequences 13, optionals 16, more element types 19-25).
ONNX_CPU_KERNEL("Loop", 1, LoopKernel);
ONNX_CPU_KERNEL("Loop", 11, LoopKernel);
ONNX_CPU_KERNEL("Loop", 13, LoopKernel);
ONNX_CPU_KERNEL("Loop", 16, LoopKernel);
ONNX_CPU_KERNEL("Loop", 19, LoopKernel);
ONNX_CPU_KERNEL("Loop", 21, LoopKernel);
ONNX_CPU_KERNEL("Loop", 23, LoopKernel);
ONNX_CPU_KERNEL("Loop", 24, LoopKernel);
ONNX_CPU_KERNEL("Loop", 25, LoopKernel);

}  // namespace
}  // namespace onnxfleet
