// Conv on oneDNN (float32, 1-3 spatial axes). Constant weights are packed once into the layout the primitive
// prefers; activations arrive and leave in plain NCHW and are reordered to the primitive's blocked layout
// around the call (cheaper than running a plain-layout convolution). Other dtypes use the reference loops.
// The same kernel runs FusedConv (com.microsoft): the activation and the added Z become oneDNN post-ops.
// NhwcConv / NhwcFusedConv (com.microsoft, emitted by the nhwc-layout pass) take X, Z and Y channels-last
// ([N, spatial..., C]; W stays [M, C/group, k...]) and hand them to oneDNN as they are: no reorders at all.
#include <cstring>
#include <optional>

#include "cpu/onednn/engine.h"
#include "cpu/reference/conv_ref.h"

namespace onnxfleet {
namespace {

using dnnl::memory;
using onednn::dims;

// ONNX W is (M, C/group, k...); oneDNN wants (group, M/group, C/group, k...) when grouped: same bytes.
dims weightDims(const Shape& w, int64_t group) {
  dims d = onednn::toDims(w);
  if (group == 1) return d;
  d[0] /= group;
  d.insert(d.begin(), group);
  return d;
}

struct ConvPlan {
  dnnl::convolution_forward prim;
  memory::desc src, wei, dst, scratch;  // the primitive's layouts
  memory::desc userSrc, userWei, userDst, bias;
  std::optional<dnnl::reorder> toSrc, toWei, fromDst, toDst;  // present when layouts differ
  memory packed;                                              // constant weights in `wei` (else empty)
  bool manualFusion = false;  // Z and activation applied after the primitive (see hasFullyPaddedRows)
};

// oneDNN 2.6's brgconv mishandles post-ops on output rows that see only padding (e.g. a 1x1 kernel with
// pads): sum + eltwise crashes, sum alone is skipped there. Such geometries apply FusedConv's epilogue by
// hand.
bool hasFullyPaddedRows(const ConvGeometry& g) {
  for (int i = 0; i < g.spatial(); ++i) {
    const int64_t span = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (span <= g.padBegin[i] || (g.out[i] - 1) * g.strides[i] - g.padBegin[i] >= g.in[i]) return true;
  }
  return false;
}

// Post-ops for FusedConv: Y = act(conv + Z), Z summed into a dst that already holds it.
dnnl::primitive_attr fusionAttr(const ConvFusion& f, bool sumZ) {
  using Act = ConvFusion::Act;
  using alg = dnnl::algorithm;
  dnnl::primitive_attr attr = onednn::baseAttr();
  dnnl::post_ops ops;
  if (sumZ) ops.append_sum(1.f);
  switch (f.act) {
    case Act::None:
      break;
    case Act::Relu:
      ops.append_eltwise(1.f, alg::eltwise_relu, 0.f, 0.f);
      break;
    case Act::LeakyRelu:
      ops.append_eltwise(1.f, alg::eltwise_relu, f.alpha, 0.f);
      break;
    case Act::Tanh:
      ops.append_eltwise(1.f, alg::eltwise_tanh, 0.f, 0.f);
      break;
    case Act::Sigmoid:
      ops.append_eltwise(1.f, alg::eltwise_logistic, 0.f, 0.f);
      break;
    case Act::Clip:
      ops.append_eltwise(1.f, alg::eltwise_clip, f.alpha, f.beta);
      break;
    case Act::HardSigmoid:
      ops.append_eltwise(1.f, alg::eltwise_linear, f.alpha, f.beta);
      ops.append_eltwise(1.f, alg::eltwise_clip, 0.f, 1.f);
      break;
    case Act::QuickGelu:
      ops.append_eltwise(1.f, alg::eltwise_swish, f.alpha, 0.f);
      break;
  }
  if (ops.len() > 0) attr.set_post_ops(ops);
  return attr;
}

// The channels-last tag for a tensor of rank 3-5.
memory::format_tag channelsLast(int rank) {
  return rank == 3   ? memory::format_tag::nwc
         : rank == 4 ? memory::format_tag::nhwc
                     : memory::format_tag::ndhwc;
}

// NCHW-ordered dims of a channels-last shape ([N, spatial..., C] -> [N, C, spatial...]) and back.
Shape channelsFirst(const Shape& s) {
  Shape r{s[0], s.back()};
  r.insert(r.end(), s.begin() + 1, s.end() - 1);
  return r;
}
Shape channelsLastShape(const Shape& s) {
  Shape r{s[0]};
  r.insert(r.end(), s.begin() + 2, s.end());
  r.push_back(s[1]);
  return r;
}

// Activations in `any` layout (the primitive picks; plain tensors are reordered around it), or fixed to
// channels-last when the graph already holds them that way.
dnnl::convolution_forward::primitive_desc makePd(const ConvGeometry& g, const Shape& w, bool hasBias,
                                                 const dnnl::primitive_attr& attr, bool nhwc) {
  const int nsp = g.spatial();
  dims src{g.n, g.c}, dst{g.n, g.m}, strides, dil, pl, pr;
  for (int i = 0; i < nsp; ++i) {
    src.push_back(g.in[i]), dst.push_back(g.out[i]), strides.push_back(g.strides[i]);
    dil.push_back(g.dilations[i] - 1), pl.push_back(g.padBegin[i]), pr.push_back(g.padEnd[i]);
  }
  const auto f32 = memory::data_type::f32;
  const auto any = memory::format_tag::any;
  const auto act = nhwc ? channelsLast(nsp + 2) : any;
  memory::desc biasMd = hasBias ? memory::desc({g.m}, f32, memory::format_tag::a) : memory::desc();
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                    memory::desc(src, f32, act),
                                    memory::desc(weightDims(w, g.group), f32, any), biasMd,
                                    memory::desc(dst, f32, act), strides, dil, pl, pr);
  return dnnl::convolution_forward::primitive_desc(d, attr, onednn::cpuEngine());
}

class ConvKernel : public Kernel {
 public:
  ConvKernel(const NodeDesc& node, const CompileContext& cc)
      : attrs_(node), fusion_(node), nhwc_(node.opType.rfind("Nhwc", 0) == 0) {
    const Tensor* w = cc.constantInput(node, 1);
    if (!w) return;
    check(w->rank() >= 3, "W must have rank >= 3, got " + shapeToString(w->shape));
    check(w->shape[0] % attrs_.group == 0,
          "W has " + std::to_string(w->shape[0]) +
              " output channels, not divisible by group=" + std::to_string(attrs_.group));
    if (w->dtype != DType::Float || w->rank() > 5 || w->numel() == 0) return;
    packed_ =
        std::make_unique<onednn::PackedWeights>(*w, onednn::plainDesc(weightDims(w->shape, attrs_.group)));
    // Pack now for a guessed input (batch 1, 32 per spatial axis); a run whose primitive prefers another
    // layout packs again (once) and the unused guess is dropped.
    Shape x{1, w->shape[1] * attrs_.group};
    for (int i = 2; i < w->rank(); ++i) x.push_back(std::max<int64_t>(32, (w->shape[i] - 1) * 4 + 1));
    try {
      const ConvGeometry g = resolveConv(attrs_, x, w->shape, nullptr);
      onednn::ThreadBudget budget(cc.threads());
      packed_->get(makePd(g, w->shape, false, fusionAttr(fusion_, false), nhwc_).weights_desc(), cc.threads(),
                   /*markUsed=*/false);
    } catch (const dnnl::error&) {  // the guess did not fit this node: pack at the first run instead
    } catch (const Error&) {
    }
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    if (w.dtype != x.dtype || (b && b->dtype != x.dtype)) throw Error("X, W and B must have the same dtype");
    if (nhwc_) {
      check(x.rank() >= 3 && x.rank() <= 5,
            "X must be [N, spatial..., C] with 1-3 spatial axes, got " + shapeToString(x.shape));
      check(x.dtype == DType::Float, "channels-last Conv supports float32 only, got " + x.describe());
    }
    const ConvGeometry g =
        resolveConv(attrs_, nhwc_ ? channelsFirst(x.shape) : x.shape, w.shape, b ? &b->shape : nullptr);
    Tensor& y = ctx.allocOutput(0, x.dtype, nhwc_ ? channelsLastShape(g.outShape()) : g.outShape());
    const Tensor* z = ctx.hasInput(3) ? &ctx.input(3) : nullptr;  // FusedConv's addend
    if (z && (z->dtype != x.dtype || z->shape != y.shape))
      throw Error("Z must be " + std::string(dtypeName(x.dtype)) + shapeToString(y.shape) + ", got " +
                  z->describe());
    if (y.numel() == 0) return;
    if (x.dtype != DType::Float || g.spatial() > 3 || x.numel() == 0 || w.numel() == 0) {
      check(!nhwc_, "channels-last Conv needs non-empty X and W");  // convRef is channels-first only
      convRef(g, x, w, b, y, ctx.threads());
      if (z || fusion_.act != ConvFusion::Act::None) applyConvFusion(fusion_, z, y, ctx.threads());
      return;
    }
    try {
      run(ctx, g, x, w, b, z, y);
    } catch (const dnnl::error& e) {
      onednn::rethrow(e, "Conv " + x.describe() + " * " + w.describe());
    }
  }

 private:
  std::shared_ptr<const ConvPlan> plan(const ConvGeometry& g, const Tensor& x, const Tensor& w, bool hasBias,
                                       bool hasZ, int threads) {
    std::vector<int64_t> key(x.shape);
    key.insert(key.end(), w.shape.begin(), w.shape.end());
    key.push_back(hasBias * 2 + hasZ);
    key.push_back(threads);
    return plans_.get(key, [&] {
      onednn::ThreadBudget budget(threads);
      auto p = std::make_shared<ConvPlan>();
      p->manualFusion = (hasZ || fusion_.act != ConvFusion::Act::None) && hasFullyPaddedRows(g);
      auto pd = makePd(g, w.shape, hasBias, p->manualFusion ? onednn::baseAttr() : fusionAttr(fusion_, hasZ),
                       nhwc_);
      p->prim = dnnl::convolution_forward(pd);
      p->src = pd.src_desc(), p->wei = pd.weights_desc(), p->dst = pd.dst_desc();
      p->scratch = pd.scratchpad_desc();
      if (nhwc_) {
        const auto tag = channelsLast(x.rank());
        p->userSrc = memory::desc(onednn::toDims(channelsFirst(x.shape)), memory::data_type::f32, tag);
        p->userDst = memory::desc(pd.dst_desc().dims(), memory::data_type::f32, tag);
      } else {
        p->userSrc = onednn::plainDesc(onednn::toDims(x.shape));
        p->userDst = onednn::plainDesc(pd.dst_desc().dims());
      }
      p->userWei = onednn::plainDesc(weightDims(w.shape, g.group));
      if (hasBias) p->bias = pd.bias_desc();
      if (p->src != p->userSrc) p->toSrc = onednn::makeReorder(p->userSrc, p->src);
      if (p->dst != p->userDst) p->fromDst = onednn::makeReorder(p->dst, p->userDst);
      if (p->fromDst && hasZ && !p->manualFusion) p->toDst = onednn::makeReorder(p->userDst, p->dst);
      if (packed_) p->packed = packed_->get(p->wei, threads);
      if (!p->packed && p->wei != p->userWei) p->toWei = onednn::makeReorder(p->userWei, p->wei);
      return std::shared_ptr<const ConvPlan>(std::move(p));
    });
  }

  void run(KernelContext& ctx, const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor* b,
           const Tensor* z, Tensor& y) {
    auto p = plan(g, x, w, b != nullptr, z != nullptr, ctx.threads());
    onednn::Call call(ctx);
    memory src = onednn::wrap(p->userSrc, x.data);
    if (p->toSrc) {
      memory blocked = call.scratch(p->src);
      call.reorder(*p->toSrc, src, blocked);
      src = blocked;
    }
    memory wei = p->packed;
    if (!wei) {
      wei = onednn::wrap(p->userWei, w.data);
      if (p->toWei) {
        memory blocked = call.scratch(p->wei);
        call.reorder(*p->toWei, wei, blocked);
        wei = blocked;
      }
    }
    memory out = onednn::wrap(p->userDst, y.data);
    memory dst = p->fromDst ? call.scratch(p->dst) : out;
    if (z && p->toDst)  // the sum post-op adds to what dst holds: start it as Z
      call.reorder(*p->toDst, onednn::wrap(p->userDst, z->data), dst);
    else if (z && !p->manualFusion && z->data != y.data)
      std::memcpy(y.data, z->data, y.bytes());
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    if (b) args.emplace(DNNL_ARG_BIAS, onednn::wrap(p->bias, b->data));
    call.run(p->prim, p->scratch, std::move(args));
    if (p->fromDst) call.reorder(*p->fromDst, dst, out);
    call.finish();
    if (p->manualFusion) applyConvFusion(fusion_, z, y, ctx.threads());
  }

  ConvAttrs attrs_;
  ConvFusion fusion_;
  bool nhwc_;                                      // NhwcConv / NhwcFusedConv
  std::unique_ptr<onednn::PackedWeights> packed_;  // set when W is a float32 initializer
  onednn::PlanCache<ConvPlan> plans_;
};

ONNX_CPU_KERNEL("Conv", 1, ConvKernel);
ONNXFLEET_KERNEL("com.microsoft", "FusedConv", 1, "cpu", ConvKernel);
ONNXFLEET_KERNEL("com.microsoft", "NhwcConv", 1, "cpu", ConvKernel);
ONNXFLEET_KERNEL("com.microsoft", "NhwcFusedConv", 1, "cpu", ConvKernel);
ONNX_CPU_KERNEL("Conv", 11, ConvKernel);
ONNX_CPU_KERNEL("Conv", 22, ConvKernel);

}  // namespace
}  // namespace onnxfleet
