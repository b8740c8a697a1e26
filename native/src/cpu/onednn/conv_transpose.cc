// ConvTranspose on oneDNN's deconvolution (float32, 1-3 spatial axes): same scheme as Conv (constant weights
// packed once, plain activations reordered around the call). output_padding becomes less right padding.
// Other dtypes, and paddings oneDNN rejects (negative begin padding from output_shape), use the reference.
#include <optional>

#include "cpu/onednn/engine.h"
#include "cpu/reference/conv_transpose_ref.h"

namespace onnxfleet {
namespace {

using dnnl::memory;
using onednn::dims;

// ONNX W is (C, M/group, k...), i.e. (group, C/group, M/group, k...). oneDNN's logical deconvolution weights
// are (M, C, k...) or (group, M/group, C/group, k...): the same bytes seen with the two channel axes swapped.
memory::desc userWeights(const Shape& w, int64_t group) {
  const int64_t cg = w[0] / group, mg = w[1];
  int64_t k = 1;
  dims sp(w.begin() + 2, w.end()), spStrides(sp.size());
  for (size_t i = sp.size(); i-- > 0;) spStrides[i] = k, k *= sp[i];
  dims d, s;
  if (group > 1) d.push_back(group), s.push_back(cg * mg * k);
  d.insert(d.end(), {mg, cg}), s.insert(s.end(), {k, mg * k});
  d.insert(d.end(), sp.begin(), sp.end()), s.insert(s.end(), spStrides.begin(), spStrides.end());
  return onednn::stridedDesc(d, s);
}

struct DeconvPlan {
  bool reference = false;  // oneDNN declined this geometry
  dnnl::deconvolution_forward prim;
  memory::desc src, wei, dst, scratch, userSrc, userWei, userDst, bias;
  std::optional<dnnl::reorder> toSrc, toWei, fromDst;
  memory packed;
};

dnnl::deconvolution_forward::primitive_desc makePd(const ConvTransposeGeometry& g, const memory::desc& wUser,
                                                   bool hasBias) {
  dims src{g.n, g.c}, dst{g.n, g.m}, strides, dil, pl, pr;
  for (int i = 0; i < g.spatial(); ++i) {
    src.push_back(g.in[i]), dst.push_back(g.out[i]), strides.push_back(g.strides[i]);
    dil.push_back(g.dilations[i] - 1), pl.push_back(g.padBegin[i]);
    pr.push_back(g.padEnd[i] - g.outputPadding[i]);
  }
  const auto f32 = memory::data_type::f32;
  const auto any = memory::format_tag::any;
  const memory::desc bias = hasBias ? memory::desc({g.m}, f32, memory::format_tag::a) : memory::desc();
  dnnl::deconvolution_forward::desc d(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, memory::desc(src, f32, any),
      memory::desc(wUser.dims(), f32, any), bias, memory::desc(dst, f32, any), strides, dil, pl, pr);
  return dnnl::deconvolution_forward::primitive_desc(d, onednn::baseAttr(), onednn::cpuEngine());
}

class ConvTransposeKernel : public Kernel {
 public:
  ConvTransposeKernel(const NodeDesc& node, const CompileContext& cc) : attrs_(node) {
    const Tensor* w = cc.constantInput(node, 1);
    if (!w) return;
    check(w->rank() >= 3, "W must have rank >= 3, got " + shapeToString(w->shape));
    check(w->shape[0] % attrs_.group == 0,
          "W has " + std::to_string(w->shape[0]) +
              " input channels, not divisible by group=" + std::to_string(attrs_.group));
    if (w->dtype != DType::Float || w->rank() > 5 || w->numel() == 0) return;
    packed_ = std::make_unique<onednn::PackedWeights>(*w, userWeights(w->shape, attrs_.group));
    Shape x{
        1, w->shape[0]};  // pack now for a guessed 16-per-axis input; a run preferring another layout repacks
    for (int i = 2; i < w->rank(); ++i) x.push_back(16);
    try {
      const ConvTransposeGeometry g = resolveConvTranspose(attrs_, x, w->shape, nullptr);
      onednn::ThreadBudget budget(cc.threads());
      packed_->get(makePd(g, userWeights(w->shape, attrs_.group), false).weights_desc(), cc.threads(), false);
    } catch (const dnnl::error&) {
    } catch (const Error&) {
    }
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    if (w.dtype != x.dtype || (b && b->dtype != x.dtype)) throw Error("X, W and B must have the same dtype");
    const ConvTransposeGeometry g = resolveConvTranspose(attrs_, x.shape, w.shape, b ? &b->shape : nullptr);
    Tensor& y = ctx.allocOutput(0, x.dtype, g.outShape());
    if (y.numel() == 0) return;
    std::shared_ptr<const DeconvPlan> p;
    if (x.dtype == DType::Float && g.spatial() <= 3 && x.numel() > 0 && w.numel() > 0) {
      try {
        p = plan(g, x, w, b != nullptr, ctx.threads());
        if (!p->reference) return run(ctx, *p, x, w, b, y);
      } catch (const dnnl::error& e) {
        onednn::rethrow(e, "ConvTranspose " + x.describe() + " * " + w.describe());
      }
    }
    convTransposeRef(g, x, w, b, y, ctx.threads());
  }

 private:
  std::shared_ptr<const DeconvPlan> plan(const ConvTransposeGeometry& g, const Tensor& x, const Tensor& w,
                                         bool hasBias, int threads) {
    std::vector<int64_t> key(x.shape);
    key.insert(key.end(), w.shape.begin(), w.shape.end());
    key.push_back(hasBias);
    key.push_back(threads);
    return plans_.get(key, [&] {
      onednn::ThreadBudget budget(threads);
      auto p = std::make_shared<DeconvPlan>();
      p->userWei = userWeights(w.shape, g.group);
      dnnl::deconvolution_forward::primitive_desc pd;
      try {
        pd = makePd(g, p->userWei, hasBias);
      } catch (const dnnl::error&) {
        p->reference = true;
        return std::shared_ptr<const DeconvPlan>(std::move(p));
      }
      p->prim = dnnl::deconvolution_forward(pd);
      p->src = pd.src_desc(), p->wei = pd.weights_desc(), p->dst = pd.dst_desc();
      p->scratch = pd.scratchpad_desc();
      p->userSrc = onednn::plainDesc(onednn::toDims(x.shape));
      p->userDst = onednn::plainDesc(pd.dst_desc().dims());
      if (hasBias) p->bias = pd.bias_desc();
      if (p->src != p->userSrc) p->toSrc = onednn::makeReorder(p->userSrc, p->src);
      if (p->dst != p->userDst) p->fromDst = onednn::makeReorder(p->dst, p->userDst);
      if (packed_) p->packed = packed_->get(p->wei, threads);
      if (!p->packed && p->wei != p->userWei) p->toWei = onednn::makeReorder(p->userWei, p->wei);
      return std::shared_ptr<const DeconvPlan>(std::move(p));
    });
  }

  void run(KernelContext& ctx, const DeconvPlan& p, const Tensor& x, const Tensor& w, const Tensor* b,
           Tensor& y) {
    onednn::Call call(ctx);
    memory src = onednn::wrap(p.userSrc, x.data);
    if (p.toSrc) {
      memory blocked = call.scratch(p.src);
      call.reorder(*p.toSrc, src, blocked);
      src = blocked;
    }
    memory wei = p.packed;
    if (!wei) {
      wei = onednn::wrap(p.userWei, w.data);
      if (p.toWei) {
        memory blocked = call.scratch(p.wei);
        call.reorder(*p.toWei, wei, blocked);
        wei = blocked;
      }
    }
    memory out = onednn::wrap(p.userDst, y.data);
    memory dst = p.fromDst ? call.scratch(p.dst) : out;
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (b) args.emplace(DNNL_ARG_BIAS, onednn::wrap(p.bias, b->data));
    call.run(p.prim, p.scratch, std::move(args));
    if (p.fromDst) call.reorder(*p.fromDst, dst, out);
    call.finish();
  }

  ConvTransposeAttrs attrs_;
  std::unique_ptr<onednn::PackedWeights> packed_;
  onednn::PlanCache<DeconvPlan> plans_;
};

ONNX_CPU_KERNEL("ConvTranspose", 1, ConvTransposeKernel);
ONNX_CPU_KERNEL("ConvTranspose", 11, ConvTransposeKernel);
ONNX_CPU_KERNEL("ConvTranspose", 22, ConvTransposeKernel);

}  // namespace
}  // namespace onnxfleet
