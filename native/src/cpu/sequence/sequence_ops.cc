// The basic sequence ops: SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceAt, SequenceErase and
// SequenceLength. Sequences hold tensors by reference (shared holders), so building a new sequence from an
// old one copies no element data; values are never written in place.
#include "cpu/sequence/sequence_util.h"

namespace onnxfleet {
namespace {

class SequenceEmptyKernel : public Kernel {
 public:
  SequenceEmptyKernel(const NodeDesc& n, const CompileContext&) {
    const int64_t dt = n.getInt("dtype", static_cast<int64_t>(DType::Float));
    check(dtypeValid(static_cast<int32_t>(dt)), "dtype " + std::to_string(dt) + " is not an element type");
    dtype_ = static_cast<DType>(dt);
  }
  void compute(KernelContext& ctx) override { ctx.setOutputValue(0, Value::ofSequence({}, dtype_)); }

 private:
  DType dtype_;
};

class SequenceConstructKernel : public Kernel {
 public:
  SequenceConstructKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    check(ctx.numInputs() >= 1, "SequenceConstruct needs at least one input");
    std::vector<Tensor> items;
    items.reserve(ctx.numInputs());
    for (int i = 0; i < ctx.numInputs(); ++i) {
      const Tensor& t = ctx.input(i);
      if (!items.empty() && t.dtype != items[0].dtype)
        throw Error("inputs differ in element type: " + items[0].describe() + " and " + t.describe());
      items.push_back(t);
    }
    const DType elem = items[0].dtype;
    ctx.setOutputValue(0, Value::ofSequence(std::move(items), elem));
  }
};

class SequenceInsertKernel : public Kernel {
 public:
  SequenceInsertKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Value& seq = sequenceInput(ctx, 0);
    const Tensor& t = ctx.input(1);
    check(seq.elemType == DType::Undefined || t.dtype == seq.elemType,
          std::string("cannot insert ") + t.describe() + " into a sequence of " + dtypeName(seq.elemType));
    const int64_t n = static_cast<int64_t>(seq.sequence.size());
    const int64_t pos = ctx.hasInput(2) ? readPosition(ctx.input(2), n, 1) : n;
    std::vector<Tensor> items;
    items.reserve(n + 1);
    items.insert(items.end(), seq.sequence.begin(), seq.sequence.begin() + pos);
    items.push_back(t);
    items.insert(items.end(), seq.sequence.begin() + pos, seq.sequence.end());
    ctx.setOutputValue(0, Value::ofSequence(std::move(items), t.dtype));
  }
};

class SequenceAtKernel : public Kernel {
 public:
  SequenceAtKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Value& seq = sequenceInput(ctx, 0);
    const int64_t pos = readPosition(ctx.input(1), static_cast<int64_t>(seq.sequence.size()), 0);
    ctx.setOutput(0, seq.sequence[pos]);
  }
};

class SequenceEraseKernel : public Kernel {
 public:
  SequenceEraseKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Value& seq = sequenceInput(ctx, 0);
    const int64_t n = static_cast<int64_t>(seq.sequence.size());
    check(n > 0, "cannot erase from an empty sequence");
    const int64_t pos = ctx.hasInput(1) ? readPosition(ctx.input(1), n, 0) : n - 1;
    std::vector<Tensor> items;
    items.reserve(n - 1);
    for (int64_t i = 0; i < n; ++i)
      if (i != pos) items.push_back(seq.sequence[i]);
    ctx.setOutputValue(0, Value::ofSequence(std::move(items), seq.elemType));
  }
};

class SequenceLengthKernel : public Kernel {
 public:
  SequenceLengthKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Value& seq = sequenceInput(ctx, 0);
    ctx.allocOutput(0, DType::Int64, {}).as<int64_t>()[0] = static_cast<int64_t>(seq.sequence.size());
  }
};

// All six are unchanged since opset 11 apart from wider type lists.
ONNX_CPU_KERNEL("SequenceEmpty", 11, SequenceEmptyKernel);
ONNX_CPU_KERNEL("SequenceConstruct", 11, SequenceConstructKernel);
ONNX_CPU_KERNEL("SequenceInsert", 11, SequenceInsertKernel);
ONNX_CPU_KERNEL("SequenceAt", 11, SequenceAtKernel);
ONNX_CPU_KERNEL("SequenceErase", 11, SequenceEraseKernel);
ONNX_CPU_KERNEL("SequenceLength", 11, SequenceLengthKernel);

}  // namespace
}  // namespace onnxfleet
