// Conv reference kernel: direct loops over any number of spatial axes, accumulating in double.
#include "cpu/reference/conv_ref.h"

#include <algorithm>

#include "core/parallel.h"
#include "cpu/reference/ref_util.h"

namespace onnxfleet {

ConvAttrs::ConvAttrs(const NodeDesc& node)
    : autoPad(node.getString("auto_pad", "NOTSET")),
      kernelShape(node.getInts("kernel_shape")),
      pads(node.getInts("pads")),
      strides(node.getInts("strides")),
      dilations(node.getInts("dilations")),
      group(node.getInt("group", 1)) {
  if (!(autoPad == "NOTSET" || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" || autoPad == "VALID"))
    throw Error("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" + autoPad + "'");
  if (group < 1) throw Error("group must be >= 1, got " + std::to_string(group));
}

Shape ConvGeometry::outShape() const {
  Shape s{n, m};
  s.insert(s.end(), out.begin(), out.end());
  return s;
}

ConvGeometry resolveConv(const ConvAttrs& a, const Shape& x, const Shape& w, const Shape* bias) {
  if (x.size() < 3) throw Error("X must have rank >= 3 (N, C, spatial...), got " + shapeToString(x));
  if (w.size() != x.size())
    throw Error("W " + shapeToString(w) + " must have the same rank as X " + shapeToString(x));
  const int nsp = static_cast<int>(x.size()) - 2;
  ConvGeometry g;
  g.n = x[0], g.c = x[1], g.m = w[0], g.group = a.group;
  if (w[1] * a.group != g.c)
    throw Error("X has " + std::to_string(g.c) + " channels but W " + shapeToString(w) +
                " with group=" + std::to_string(a.group) + " expects " + std::to_string(w[1] * a.group));
  if (g.m % a.group != 0)
    throw Error("W has " + std::to_string(g.m) +
                " output channels, not divisible by group=" + std::to_string(a.group));
  if (bias && (bias->size() != 1 || (*bias)[0] != g.m))
    throw Error("B must be 1-D of size " + std::to_string(g.m) + ", got " + shapeToString(*bias));
  auto perAxis = [&](const std::vector<int64_t>& v, const char* name) {
    if (v.empty()) return std::vector<int64_t>(nsp, 1);
    if (static_cast<int>(v.size()) != nsp)
      throw Error(std::string(name) + " must have " + std::to_string(nsp) + " values");
    for (int64_t e : v)
      if (e < 1) throw Error(std::string(name) + " must be >= 1");
    return v;
  };
  g.strides = perAxis(a.strides, "strides");
  g.dilations = perAxis(a.dilations, "dilations");
  g.kernel.assign(w.begin() + 2, w.end());
  if (!a.kernelShape.empty() && a.kernelShape != g.kernel)
    throw Error("kernel_shape does not match W " + shapeToString(w));
  g.in.assign(x.begin() + 2, x.end());
  g.padBegin.assign(nsp, 0);
  g.padEnd.assign(nsp, 0);
  if (a.autoPad == "NOTSET" && !a.pads.empty()) {
    if (static_cast<int>(a.pads.size()) != 2 * nsp)
      throw Error("pads must have " + std::to_string(2 * nsp) + " values");
    for (int i = 0; i < nsp; ++i) {
      g.padBegin[i] = a.pads[i], g.padEnd[i] = a.pads[i + nsp];
      if (g.padBegin[i] < 0 || g.padEnd[i] < 0) throw Error("pads must be >= 0");
    }
  }
  g.out.resize(nsp);
  for (int i = 0; i < nsp; ++i) {
    const int64_t span = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (a.autoPad == "SAME_UPPER" || a.autoPad == "SAME_LOWER") {
      const int64_t out = (g.in[i] + g.strides[i] - 1) / g.strides[i];
      const int64_t total = std::max<int64_t>(0, (out - 1) * g.strides[i] + span - g.in[i]);
      g.padBegin[i] = a.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.padEnd[i] = total - g.padBegin[i];
    }
    const int64_t padded = g.in[i] + g.padBegin[i] + g.padEnd[i];
    if (padded < span)
      throw Error("kernel extent " + std::to_string(span) + " exceeds padded input " +
                  std::to_string(padded) + " on spatial axis " + std::to_string(i));
    g.out[i] = (padded - span) / g.strides[i] + 1;
  }
  return g;
}

namespace {

template <typename T>
void convTyped(const ConvGeometry& g, const T* x, const T* w, const T* b, T* y, int threads) {
  using Acc = RefAcc<T>;
  const int nsp = g.spatial();
  int64_t inSize = 1, outSize = 1, kSize = 1;
  for (int i = 0; i < nsp; ++i) inSize *= g.in[i], outSize *= g.out[i], kSize *= g.kernel[i];
  const int64_t cg = g.c / g.group, mg = g.m / g.group;
  const int64_t work = std::max<int64_t>(1, outSize * cg * kSize);
  parallelFor(threads, g.n * g.m, std::max<int64_t>(1, 65536 / work), [&](int64_t begin, int64_t end) {
    std::vector<int64_t> o(nsp), k(nsp);
    for (int64_t nm = begin; nm < end; ++nm) {
      const int64_t n = nm / g.m, m = nm % g.m, grp = m / mg;
      const T* xg = x + (n * g.c + grp * cg) * inSize;
      const T* wm = w + m * cg * kSize;
      T* ym = y + nm * outSize;
      std::fill(o.begin(), o.end(), 0);
      for (int64_t op = 0; op < outSize; ++op) {
        Acc acc = b ? widen(b[m]) : Acc(0);
        std::fill(k.begin(), k.end(), 0);
        for (int64_t kp = 0; kp < kSize; ++kp) {
          int64_t off = 0;
          bool inside = true;
          for (int d = 0; d < nsp; ++d) {
            const int64_t ix = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
            inside = inside && ix >= 0 && ix < g.in[d];
            off = off * g.in[d] + ix;
          }
          if (inside)
            for (int64_t c = 0; c < cg; ++c) acc += widen(xg[c * inSize + off]) * widen(wm[c * kSize + kp]);
          for (int d = nsp - 1; d >= 0 && ++k[d] == g.kernel[d]; --d) k[d] = 0;
        }
        ym[op] = narrow<T>(acc);
        for (int d = nsp - 1; d >= 0 && ++o[d] == g.out[d]; --d) o[d] = 0;
      }
    }
  });
}

class ConvRef : public Kernel {
 public:
  ConvRef(const NodeDesc& node, const CompileContext&) : attrs_(node), fusion_(node) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    if (w.dtype != x.dtype || (b && b->dtype != x.dtype)) throw Error("X, W and B must have the same dtype");
    const ConvGeometry g = resolveConv(attrs_, x.shape, w.shape, b ? &b->shape : nullptr);
    Tensor& y = ctx.allocOutput(0, x.dtype, g.outShape());
    const Tensor* z = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    if (z && (z->dtype != x.dtype || z->shape != y.shape))
      throw Error("Z must be " + std::string(dtypeName(x.dtype)) + shapeToString(y.shape) + ", got " +
                  z->describe());
    convRef(g, x, w, b, y, ctx.threads());
    if (z || fusion_.act != ConvFusion::Act::None) applyConvFusion(fusion_, z, y, ctx.threads());
  }

 private:
  ConvAttrs attrs_;
  ConvFusion fusion_;
};

}  // namespace

void convRef(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor* b, Tensor& y,
             int threads) {
  dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "Conv", [&](auto tag) {
    using T = typename decltype(tag)::type;
    convTyped<T>(g, x.as<T>(), w.as<T>(), b ? b->as<T>() : nullptr, y.as<T>(), threads);
  });
}

ONNXFLEET_KERNEL("com.microsoft", "FusedConv", 1, "reference", ConvRef);
ONNXFLEET_KERNEL("", "Conv", 1, "reference", ConvRef);
ONNXFLEET_KERNEL("", "Conv", 11, "reference", ConvRef);
ONNXFLEET_KERNEL("", "Conv", 22, "reference", ConvRef);

}  // namespace onnxfleet
