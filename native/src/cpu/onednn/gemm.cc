// Gemm on oneDNN's matmul (float32): transposes are strided views, alpha is the output scale, and C enters as
// the bias when alpha = beta = 1 (the Linear-layer case) or is written to Y first (scaled by beta) and added
// by a sum post-op. A constant B is packed once. Other dtypes use the reference loops.
#include <optional>

#include "core/parallel.h"
#include "cpu/onednn/engine.h"
#include "cpu/reference/gemm_ref.h"

namespace onnxfleet {
namespace {

using dnnl::memory;

enum class CMode { None, Bias, Prefill };

struct GemmPlan {
  dnnl::matmul prim;
  memory::desc a, b, c, bias, scratch;
  memory packed;                     // B in layout b (empty unless B is a packed constant)
  std::optional<dnnl::reorder> toB;  // plain B -> layout b per call (packing cap reached)
  CMode mode = CMode::None;
};

memory::desc transposable(int64_t rows, int64_t cols, bool trans) {
  // A logical (rows, cols) matrix stored as (cols, rows) when trans.
  return trans ? onednn::stridedDesc({rows, cols}, {1, rows}) : onednn::plainDesc({rows, cols});
}

dnnl::matmul::primitive_desc makePd(const GemmAttrs& at, const GemmGeometry& g, const memory::desc& b,
                                    CMode mode) {
  dnnl::primitive_attr attr = onednn::baseAttr();
  if (at.alpha != 1.f) attr.set_output_scales(0, {at.alpha});
  if (mode == CMode::Prefill) {
    dnnl::post_ops ops;
    ops.append_sum(1.f);
    attr.set_post_ops(ops);
  }
  const memory::desc bias = mode == CMode::Bias ? onednn::plainDesc({g.cRows, g.cCols}) : memory::desc();
  dnnl::matmul::desc d(transposable(g.m, g.k, at.transA), b, bias, onednn::plainDesc({g.m, g.n}));
  return dnnl::matmul::primitive_desc(d, attr, onednn::cpuEngine());
}

class GemmKernel : public Kernel {
 public:
  GemmKernel(const NodeDesc& node, const CompileContext& cc) : attrs_(node) {
    const Tensor* b = cc.constantInput(node, 1);
    if (!b || b->dtype != DType::Float || b->rank() != 2 || b->numel() == 0) return;
    const int64_t k = attrs_.transB ? b->shape[1] : b->shape[0],
                  n = attrs_.transB ? b->shape[0] : b->shape[1];
    packed_ = std::make_unique<onednn::PackedWeights>(*b, transposable(k, n, attrs_.transB));
    try {  // pack for a guessed M of 1 (batch-1 classifier heads); a run preferring another layout repacks
      onednn::ThreadBudget budget(cc.threads());
      GemmGeometry g;
      g.m = 1, g.k = k, g.n = n;
      auto pd = makePd(attrs_, g, memory::desc({k, n}, memory::data_type::f32, memory::format_tag::any),
                       CMode::None);
      packed_->get(pd.weights_desc(), cc.threads(), /*markUsed=*/false);
    } catch (const dnnl::error&) {
    }
  }

  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* c = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    if (a.dtype != b.dtype || (c && c->dtype != a.dtype)) throw Error("A, B and C must have the same dtype");
    const GemmGeometry g = resolveGemm(attrs_, a.shape, b.shape, c ? &c->shape : nullptr);
    Tensor& y = ctx.allocOutput(0, a.dtype, {g.m, g.n});
    if (y.numel() == 0) return;
    if (a.dtype != DType::Float || g.k == 0) {
      gemmRef(attrs_, g, a, b, c, y, ctx.threads());
      return;
    }
    try {
      run(ctx, g, a, b, attrs_.beta != 0.f ? c : nullptr, y);
    } catch (const dnnl::error& e) {
      onednn::rethrow(e, "Gemm " + a.describe() + " x " + b.describe());
    }
  }

 private:
  std::shared_ptr<const GemmPlan> plan(const GemmGeometry& g, bool withC, int threads) {
    const CMode want = !withC                                      ? CMode::None
                       : attrs_.alpha == 1.f && attrs_.beta == 1.f ? CMode::Bias
                                                                   : CMode::Prefill;
    return plans_.get({g.m, g.k, g.n, static_cast<int64_t>(want), g.cRows, g.cCols, threads}, [&] {
      onednn::ThreadBudget budget(threads);
      auto p = std::make_shared<GemmPlan>();
      const memory::desc b = packed_
                                 ? memory::desc({g.k, g.n}, memory::data_type::f32, memory::format_tag::any)
                                 : transposable(g.k, g.n, attrs_.transB);
      p->mode = want;
      dnnl::matmul::primitive_desc pd;
      try {
        pd = makePd(attrs_, g, b, p->mode);
      } catch (const dnnl::error&) {
        if (p->mode != CMode::Bias) throw;
        p->mode = CMode::Prefill;  // a bias broadcast oneDNN does not take: add C through the sum post-op
        pd = makePd(attrs_, g, b, p->mode);
      }
      p->a = pd.src_desc(), p->b = pd.weights_desc(), p->c = pd.dst_desc(), p->scratch = pd.scratchpad_desc();
      if (p->mode == CMode::Bias) p->bias = pd.bias_desc();
      p->prim = dnnl::matmul(pd);
      if (packed_) p->packed = packed_->get(p->b, threads);
      if (packed_ && !p->packed) p->toB = onednn::makeReorder(transposable(g.k, g.n, attrs_.transB), p->b);
      return std::shared_ptr<const GemmPlan>(std::move(p));
    });
  }

  void run(KernelContext& ctx, const GemmGeometry& g, const Tensor& a, const Tensor& b, const Tensor* c,
           Tensor& y) {
    auto p = plan(g, c != nullptr, ctx.threads());
    float* yp = y.as<float>();
    if (p->mode == CMode::Prefill) {  // Y = beta * C, broadcast; the matmul then adds alpha * A'B'
      const float* cp = c->as<float>();
      const float beta = attrs_.beta;
      parallelFor(ctx.threads(), g.m, std::max<int64_t>(1, 16384 / g.n), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float* cr = cp + (g.cRows == 1 ? 0 : i) * g.cCols;
          float* yr = yp + i * g.n;
          if (g.cCols == 1)
            for (int64_t j = 0; j < g.n; ++j) yr[j] = beta * cr[0];
          else
            for (int64_t j = 0; j < g.n; ++j) yr[j] = beta * cr[j];
        }
      });
    }
    onednn::Call call(ctx);
    memory bm = p->packed ? p->packed : onednn::wrap(p->b, b.data);
    if (p->toB) {
      memory packed = call.scratch(p->b);
      call.reorder(*p->toB, onednn::wrap(transposable(g.k, g.n, attrs_.transB), b.data), packed);
      bm = packed;
    }
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, onednn::wrap(p->a, a.data)},
                                         {DNNL_ARG_WEIGHTS, bm},
                                         {DNNL_ARG_DST, onednn::wrap(p->c, yp)}};
    if (p->mode == CMode::Bias) args.emplace(DNNL_ARG_BIAS, onednn::wrap(p->bias, c->data));
    call.run(p->prim, p->scratch, std::move(args));
    call.finish();
  }

  GemmAttrs attrs_;
  std::unique_ptr<onednn::PackedWeights> packed_;  // set when B is a float32 initializer
  onednn::PlanCache<GemmPlan> plans_;
};

ONNX_CPU_KERNEL("Gemm", 1, GemmKernel);
ONNX_CPU_KERNEL("Gemm", 6, GemmKernel);
ONNX_CPU_KERNEL("Gemm", 7, GemmKernel);
ONNX_CPU_KERNEL("Gemm", 9, GemmKernel);
ONNX_CPU_KERNEL("Gemm", 11, GemmKernel);
ONNX_CPU_KERNEL("Gemm", 13, GemmKernel);

}  // namespace
}  // namespace onnxfleet
