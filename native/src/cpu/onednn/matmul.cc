// MatMul on oneDNN (float32). When B has no batch dims (the common "activations x weights" case) A's batch
// dims fold into M and a constant B is packed once into the primitive's preferred layout. Batched B goes
// through oneDNN's broadcasting matmul, or one 2-D call per batch when oneDNN declines the broadcast.
// Other dtypes use the reference loops.
#include <optional>

#include "cpu/onednn/engine.h"
#include "cpu/reference/matmul_ref.h"

namespace onnxfleet {
namespace {

using dnnl::memory;
using onednn::dims;

struct MatMulPlan {
  dnnl::matmul prim;
  memory::desc a, b, c, scratch;     // b is the packed layout when B is a packed constant
  memory packed;                     // B in layout b (empty unless B is a packed constant)
  std::optional<dnnl::reorder> toB;  // plain B -> layout b per call (packing cap reached)
  bool perBatch = false;  // one call per batch with the 2-D primitive (broadcast oneDNN would not take)
};

dnnl::matmul::primitive_desc makePd(const memory::desc& a, const memory::desc& b, const memory::desc& c) {
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), onednn::baseAttr(), onednn::cpuEngine());
}

constexpr int64_t kGuessM = 128;  // rows assumed when packing a constant B at construction

class MatMulKernel : public Kernel {
 public:
  MatMulKernel(const NodeDesc& node, const CompileContext& cc) {
    const Tensor* b = cc.constantInput(node, 1);
    if (!b || b->dtype != DType::Float || b->rank() > 2 || b->numel() == 0) return;
    const int64_t k = b->shape[0], n = b->rank() == 2 ? b->shape[1] : 1;
    packed_ = std::make_unique<onednn::PackedWeights>(*b, onednn::plainDesc({k, n}));
    try {
      onednn::ThreadBudget budget(cc.threads());
      const auto any = memory::desc({k, n}, memory::data_type::f32, memory::format_tag::any);
      auto pd = makePd(onednn::plainDesc({kGuessM, k}), any, onednn::plainDesc({kGuessM, n}));
      packed_->get(pd.weights_desc(), cc.threads(), /*markUsed=*/false);
    } catch (const dnnl::error&) {  // pack at the first run instead
    }
  }

  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    if (a.dtype != b.dtype) throw Error("A and B must have the same dtype");
    const MatMulGeometry g = resolveMatMul(a.shape, b.shape);
    Tensor& y = ctx.allocOutput(0, a.dtype, g.out);
    if (y.numel() == 0) return;
    if (a.dtype != DType::Float || g.k == 0 || g.batch.size() + 2 > DNNL_MAX_NDIMS) {
      matmulRef(g, a, b, y, ctx.threads());
      return;
    }
    try {
      run(ctx, g, a, b, y);
    } catch (const dnnl::error& e) {
      onednn::rethrow(e, "MatMul " + a.describe() + " x " + b.describe());
    }
  }

 private:
  std::shared_ptr<const MatMulPlan> plan(const MatMulGeometry& g, bool folded, int threads) {
    std::vector<int64_t> key{folded, g.batchCount(), g.m, g.k, g.n, threads};  // folded rows = batch * m
    if (!folded) key.insert(key.end(), g.aBatch.begin(), g.aBatch.end());
    if (!folded) key.insert(key.end(), g.bBatch.begin(), g.bBatch.end());
    return plans_.get(key, [&] {
      onednn::ThreadBudget budget(threads);
      auto p = std::make_shared<MatMulPlan>();
      if (folded) {  // [rows, K] x [K, N], rows = batch * M
        const int64_t rows = g.batchCount() * g.m;
        p->a = onednn::plainDesc({rows, g.k}), p->c = onednn::plainDesc({rows, g.n});
        const memory::desc b = packed_
                                   ? memory::desc({g.k, g.n}, memory::data_type::f32, memory::format_tag::any)
                                   : onednn::plainDesc({g.k, g.n});
        auto pd = makePd(p->a, b, p->c);
        p->b = pd.weights_desc(), p->scratch = pd.scratchpad_desc(), p->prim = dnnl::matmul(pd);
        if (packed_) p->packed = packed_->get(p->b, threads);
        if (packed_ && !p->packed) p->toB = onednn::makeReorder(onednn::plainDesc({g.k, g.n}), p->b);
        return std::shared_ptr<const MatMulPlan>(std::move(p));
      }
      dims ad(g.aBatch.begin(), g.aBatch.end()), bd(g.bBatch.begin(), g.bBatch.end()),
          cd(g.batch.begin(), g.batch.end());
      ad.insert(ad.end(), {g.m, g.k}), bd.insert(bd.end(), {g.k, g.n}), cd.insert(cd.end(), {g.m, g.n});
      p->a = onednn::plainDesc(ad), p->b = onednn::plainDesc(bd), p->c = onednn::plainDesc(cd);
      try {
        auto pd = makePd(p->a, p->b, p->c);
        p->scratch = pd.scratchpad_desc(), p->prim = dnnl::matmul(pd);
      } catch (const dnnl::error&) {  // broadcast shape oneDNN does not implement: loop over batches
        p->a = onednn::plainDesc({g.m, g.k}), p->b = onednn::plainDesc({g.k, g.n}),
        p->c = onednn::plainDesc({g.m, g.n});
        auto pd = makePd(p->a, p->b, p->c);
        p->scratch = pd.scratchpad_desc(), p->prim = dnnl::matmul(pd), p->perBatch = true;
      }
      return std::shared_ptr<const MatMulPlan>(std::move(p));
    });
  }

  void run(KernelContext& ctx, const MatMulGeometry& g, const Tensor& a, const Tensor& b, Tensor& y) {
    bool folded = true;
    for (int64_t d : g.bBatch) folded = folded && d == 1;
    auto p = plan(g, folded, ctx.threads());
    onednn::Call call(ctx);
    if (!p->perBatch) {
      memory bm = p->packed ? p->packed : onednn::wrap(p->b, b.data);
      if (p->toB) {
        memory packed = call.scratch(p->b);
        call.reorder(*p->toB, onednn::wrap(onednn::plainDesc({g.k, g.n}), b.data), packed);
        bm = packed;
      }
      call.run(p->prim, p->scratch,
               {{DNNL_ARG_SRC, onednn::wrap(p->a, a.data)},
                {DNNL_ARG_WEIGHTS, bm},
                {DNNL_ARG_DST, onednn::wrap(p->c, y.data)}});
    } else {
      const float* ap = a.as<float>();
      const float* bp = b.as<float>();
      float* yp = y.as<float>();
      for (int64_t i = 0; i < g.batchCount(); ++i) {
        int64_t aOff, bOff;
        g.offsets(i, aOff, bOff);
        call.run(p->prim, p->scratch,
                 {{DNNL_ARG_SRC, onednn::wrap(p->a, ap + aOff)},
                  {DNNL_ARG_WEIGHTS, onednn::wrap(p->b, bp + bOff)},
                  {DNNL_ARG_DST, onednn::wrap(p->c, yp + i * g.m * g.n)}});
      }
    }
    call.finish();
  }

  std::unique_ptr<onednn::PackedWeights> packed_;  // set when B is a float32 initializer of rank <= 2
  onednn::PlanCache<MatMulPlan> plans_;
};

ONNX_CPU_KERNEL("MatMul", 1, MatMulKernel);
ONNX_CPU_KERNEL("MatMul", 9, MatMulKernel);
ONNX_CPU_KERNEL("MatMul", 13, MatMulKernel);

}  // namespace
}  // namespace onnxfleet
