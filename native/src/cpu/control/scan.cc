// Scan: iterates `body` over slices of M scan inputs, carrying N state tensors and stacking K per-iteration
// scan outputs. Scan-8 has a leading optional sequence_lens input and a batch axis 0 (sequence axis 1): each
// batch entry is scanned on its own and scan outputs are zero-padded to the longest sequence. Scan-9+ has no
// batch axis; scan_input_axes/_directions and scan_output_axes/_directions pick the axes and directions.
#include "cpu/control/control_util.h"

namespace onnxfleet {
namespace {

class ScanKernel : public Kernel {
 public:
  ScanKernel(const NodeDesc& n, const CompileContext&)
      : batched_(n.sinceVersion < 9), body_(graphAttr(n, "body")) {
    const int64_t m = n.required("num_scan_inputs").i;
    const int64_t lead = batched_ ? 1 : 0;
    check(m >= 1 && static_cast<int64_t>(n.inputs.size()) >= lead + m,
          "num_scan_inputs " + std::to_string(m) + " does not fit " + std::to_string(n.inputs.size()) +
              " inputs");
    m_ = static_cast<size_t>(m);
    states_ = n.inputs.size() - lead - m_;
    check(body_->inputs.size() == states_ + m_, "body takes " + std::to_string(body_->inputs.size()) +
                                                    " inputs, expected " + std::to_string(states_ + m_));
    check(body_->outputs.size() >= states_, "body returns fewer values than there are states");
    k_ = body_->outputs.size() - states_;
    inAxes_ = n.getInts("scan_input_axes", std::vector<int64_t>(m_, batched_ ? 1 : 0));
    inDirs_ = n.getInts(batched_ ? "directions" : "scan_input_directions", std::vector<int64_t>(m_, 0));
    outAxes_ = n.getInts("scan_output_axes", std::vector<int64_t>(k_, batched_ ? 1 : 0));
    outDirs_ = n.getInts("scan_output_directions", std::vector<int64_t>(k_, 0));
    check(inAxes_.size() == m_ && inDirs_.size() == m_,
          "scan input axes/directions need one entry per scan input");
    check(outAxes_.size() == k_ && outDirs_.size() == k_,
          "scan output axes/directions need one entry per output");
  }

  void compute(KernelContext& ctx) override {
    const int lead = batched_ ? 1 : 0;
    std::vector<Tensor> xs;
    for (size_t j = 0; j < m_; ++j) xs.push_back(ctx.input(static_cast<int>(lead + states_ + j)));
    std::vector<Tensor> init;
    for (size_t i = 0; i < states_; ++i) init.push_back(ctx.input(static_cast<int>(lead + i)));
    if (!batched_) {
      std::vector<std::vector<Tensor>> items;
      std::vector<Tensor> st = scanOne(ctx, init, xs, -1, items);
      for (size_t i = 0; i < states_; ++i) ctx.setOutput(static_cast<int>(i), st[i]);
      for (size_t k = 0; k < k_; ++k) {
        const int o = static_cast<int>(states_ + k);
        if (!ctx.wantsOutput(o)) continue;
        if (items[k].empty()) {  // zero iterations: the element type and shape are unknown here
          ctx.allocOutput(o, DType::Float, {0});
          continue;
        }
        checkSameItems(items[k], "scan output " + std::to_string(k));
        const Shape& is = items[k][0].shape;
        const int64_t axis =
            normalizeAxis(outAxes_[k], static_cast<int64_t>(is.size()) + 1, "scan_output_axes");
        Shape s = is;
        s.insert(s.begin() + axis, static_cast<int64_t>(items[k].size()));
        Tensor& y = ctx.allocOutput(o, items[k][0].dtype, s);
        stackItems(y.dtype, y.data, is, items[k], s[axis], axis, outDirs_[k] != 0, ctx.threads());
      }
      return;
    }
    // Scan-8: batch axis 0 on every state and scan input.
    for (const Tensor& x : xs)
      check(x.rank() >= 2, "scan inputs need batch and sequence axes: " + x.describe());
    const int64_t batch = xs[0].shape[0], maxLen = xs[0].shape[1];
    for (const Tensor& t : init)
      check(t.rank() >= 1 && t.shape[0] == batch,
            "state " + t.describe() + " lacks batch " + std::to_string(batch));
    std::vector<int64_t> lens(batch, maxLen);
    if (ctx.hasInput(0)) {
      lens = readInts(ctx.input(0), "sequence_lens");
      check(static_cast<int64_t>(lens.size()) == batch, "sequence_lens must have one entry per batch");
      for (int64_t l : lens)
        check(l >= 0 && l <= maxLen, "sequence length " + std::to_string(l) + " is out of range");
    }
    std::vector<std::vector<Tensor>> finals(states_);               // [state][batch]
    std::vector<std::vector<std::vector<Tensor>>> perBatch(batch);  // [batch][output][iteration]
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<Tensor> st, bx;
      for (const Tensor& t : init) st.push_back(sliceAt(ctx, t, 0, b));
      for (const Tensor& x : xs) bx.push_back(sliceAt(ctx, x, 0, b));
      st = scanOne(ctx, st, bx, lens[b], perBatch[b]);
      for (size_t i = 0; i < states_; ++i) finals[i].push_back(st[i]);
    }
    for (size_t i = 0; i < states_; ++i) writeBatched(ctx, static_cast<int>(i), finals[i], init[i], "state");
    for (size_t k = 0; k < k_; ++k) {
      const Tensor* first = nullptr;
      for (int64_t b = 0; b < batch; ++b) {
        checkSameItems(perBatch[b][k], "scan output " + std::to_string(k));
        if (!first && !perBatch[b][k].empty()) first = &perBatch[b][k][0];
      }
      const int o = static_cast<int>(states_ + k);
      if (!ctx.wantsOutput(o)) continue;
      Shape is = first ? first->shape : Shape{};
      Shape s = is;
      s.insert(s.begin(), {batch, maxLen});
      Tensor& y = ctx.allocOutput(o, first ? first->dtype : DType::Float, s);
      const int64_t row = maxLen * shapeNumel(is);
      for (int64_t b = 0; b < batch; ++b) {
        for (const Tensor& t : perBatch[b][k])
          if (t.dtype != y.dtype || t.shape != is)
            throw Error("scan output " + std::to_string(k) + " differs across batches");
        stackItems(y.dtype, static_cast<char*>(y.data) + dtypeBytes(y.dtype, b * row), is, perBatch[b][k],
                   maxLen, 0, false, ctx.threads());
      }
    }
  }

 private:
  // Runs the scan over xs (scan axis inAxes_ less the batch axis); len < 0 means the full length. Returns the
  // final states and fills items[k] with the k-th scan output of every iteration.
  std::vector<Tensor> scanOne(KernelContext& ctx, std::vector<Tensor> st, const std::vector<Tensor>& xs,
                              int64_t len, std::vector<std::vector<Tensor>>& items) {
    std::vector<int64_t> axes(m_);
    int64_t seqLen = -1;
    for (size_t j = 0; j < m_; ++j) {
      const int64_t a = batched_ ? 0 : normalizeAxis(inAxes_[j], xs[j].rank(), "scan_input_axes");
      axes[j] = a;
      check(xs[j].rank() >= 1, "scan input " + std::to_string(j) + " is a scalar");
      const int64_t l = xs[j].shape[a];
      check(seqLen < 0 || l == seqLen, "scan inputs have different sequence lengths");
      seqLen = l;
    }
    if (len < 0) len = seqLen;
    items.assign(k_, {});
    for (int64_t t = 0; t < len; ++t) {
      std::vector<Value> in;
      for (Tensor& s : st) in.push_back(Value::of(std::move(s)));
      for (size_t j = 0; j < m_; ++j)
        in.push_back(Value::of(sliceAt(ctx, xs[j], axes[j], inDirs_[j] ? len - 1 - t : t)));
      std::vector<Value> out = ctx.runSubgraph(*body_, std::move(in));
      if (out.size() != states_ + k_) throw Error("body returned " + std::to_string(out.size()) + " values");
      for (size_t i = 0; i < out.size(); ++i)
        if (!out[i].isTensor())
          throw Error("body output " + std::to_string(i) + " must be a tensor, got " + out[i].describe());
      for (size_t i = 0; i < states_; ++i) st[i] = std::move(out[i].tensor);
      for (size_t k = 0; k < k_; ++k) items[k].push_back(std::move(out[states_ + k].tensor));
    }
    return st;
  }

  // Output o = the per-batch tensors stacked along a new axis 0 (the initial value when the batch is empty).
  void writeBatched(KernelContext& ctx, int o, const std::vector<Tensor>& rows, const Tensor& init,
                    const char* what) {
    if (!ctx.wantsOutput(o)) return;
    if (rows.empty()) {
      ctx.setOutput(o, init);
      return;
    }
    checkSameItems(rows, what);
    Shape s = rows[0].shape;
    s.insert(s.begin(), static_cast<int64_t>(rows.size()));
    Tensor& y = ctx.allocOutput(o, rows[0].dtype, s);
    stackItems(y.dtype, y.data, rows[0].shape, rows, s[0], 0, false, ctx.threads());
  }

  bool batched_;
  std::shared_ptr<Graph> body_;
  size_t m_ = 0, states_ = 0, k_ = 0;
  std::vector<int64_t> inAxes_, inDirs_, outAxes_, outDirs_;
};

// Scan-8 (batched, sequence_lens); 9 (axes and directions); 11+ only widen axis ranges and type lists.
ONNX_CPU_KERNEL("Scan", 8, ScanKernel);
ONNX_CPU_KERNEL("Scan", 9, ScanKernel);
ONNX_CPU_KERNEL("Scan", 11, ScanKernel);
ONNX_CPU_KERNEL("Scan", 16, ScanKernel);
ONNX_CPU_KERNEL("Scan", 19, ScanKernel);
ONNX_CPU_KERNEL("Scan", 21, ScanKernel);
ONNX_CPU_KERNEL("Scan", 23, ScanKernel);
ONNX_CPU_KERNEL("Scan", 24, ScanKernel);
ONNX_CPU_KERNEL("Scan", 25, ScanKernel);

}  // namespace
}  // namespace onnxfleet
