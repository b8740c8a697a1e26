// ConvTranspose reference kernel: scatter each input element through the kernel, one output channel per
// task (so tasks never write the same memory), accumulating in double.
#include "cpu/reference/conv_transpose_ref.h"

#include <algorithm>

#include "core/parallel.h"
#include "cpu/reference/ref_util.h"

namespace onnxfleet {

ConvTransposeAttrs::ConvTransposeAttrs(const NodeDesc& node)
    : autoPad(node.getString("auto_pad", "NOTSET")),
      kernelShape(node.getInts("kernel_shape")),
      pads(node.getInts("pads")),
      strides(node.getInts("strides")),
      dilations(node.getInts("dilations")),
      outputPadding(node.getInts("output_padding")),
      outputShape(node.getInts("output_shape")),
      group(node.getInt("group", 1)) {
  if (!(autoPad == "NOTSET" || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" || autoPad == "VALID"))
    throw Error("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '" + autoPad + "'");
  if (group < 1) throw Error("group must be >= 1, got " + std::to_string(group));
}

Shape ConvTransposeGeometry::outShape() const {
  Shape s{n, m};
  s.insert(s.end(), out.begin(), out.end());
  return s;
}

namespace {
int64_t floorHalf(int64_t t) { return t >= 0 ? t / 2 : -((1 - t) / 2); }
}  // namespace

ConvTransposeGeometry resolveConvTranspose(const ConvTransposeAttrs& a, const Shape& x, const Shape& w,
                                           const Shape* bias) {
  if (x.size() < 3) throw Error("X must have rank >= 3 (N, C, spatial...), got " + shapeToString(x));
  if (w.size() != x.size())
    throw Error("W " + shapeToString(w) + " must have the same rank as X " + shapeToString(x));
  const int nsp = static_cast<int>(x.size()) - 2;
  ConvTransposeGeometry g;
  g.n = x[0], g.c = x[1], g.m = w[1] * a.group, g.group = a.group;
  if (w[0] != g.c)
    throw Error("X has " + std::to_string(g.c) + " channels but W " + shapeToString(w) + " expects " +
                std::to_string(w[0]) + " (W is C x M/group x k...)");
  if (g.c % a.group != 0)
    throw Error("X has " + std::to_string(g.c) +
                " channels, not divisible by group=" + std::to_string(a.group));
  if (bias && (bias->size() != 1 || (*bias)[0] != g.m))
    throw Error("B must be 1-D of size " + std::to_string(g.m) + ", got " + shapeToString(*bias));
  auto perAxis = [&](const std::vector<int64_t>& v, const char* name, int64_t dflt, int64_t min) {
    if (v.empty()) return std::vector<int64_t>(nsp, dflt);
    if (static_cast<int>(v.size()) != nsp)
      throw Error(std::string(name) + " must have " + std::to_string(nsp) + " values");
    for (int64_t e : v)
      if (e < min) throw Error(std::string(name) + " must be >= " + std::to_string(min));
    return v;
  };
  g.strides = perAxis(a.strides, "strides", 1, 1);
  g.dilations = perAxis(a.dilations, "dilations", 1, 1);
  g.outputPadding = perAxis(a.outputPadding, "output_padding", 0, 0);
  g.kernel.assign(w.begin() + 2, w.end());
  if (!a.kernelShape.empty() && a.kernelShape != g.kernel)
    throw Error("kernel_shape does not match W " + shapeToString(w));
  g.in.assign(x.begin() + 2, x.end());
  std::vector<int64_t> outShape = a.outputShape;
  if (outShape.size() == static_cast<size_t>(nsp) + 2) outShape.erase(outShape.begin(), outShape.begin() + 2);
  if (!outShape.empty() && static_cast<int>(outShape.size()) != nsp)
    throw Error("output_shape must have " + std::to_string(nsp) + " values");
  const bool same = a.autoPad == "SAME_UPPER" || a.autoPad == "SAME_LOWER";
  if (a.autoPad == "NOTSET" && outShape.empty() && !a.pads.empty())
    if (static_cast<int>(a.pads.size()) != 2 * nsp)
      throw Error("pads must have " + std::to_string(2 * nsp) + " values");
  g.padBegin.assign(nsp, 0), g.padEnd.assign(nsp, 0), g.out.resize(nsp);
  for (int i = 0; i < nsp; ++i) {
    const int64_t full =
        g.strides[i] * (g.in[i] - 1) + g.outputPadding[i] + (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (!outShape.empty() || same) {  // padding derived from the wanted output size
      g.out[i] = outShape.empty() ? g.in[i] * g.strides[i] : outShape[i];
      const int64_t total = full - g.out[i];
      g.padBegin[i] = a.autoPad == "SAME_UPPER" ? floorHalf(total) : total - floorHalf(total);
      g.padEnd[i] = total - g.padBegin[i];
    } else {
      if (a.autoPad == "NOTSET" && !a.pads.empty()) {
        g.padBegin[i] = a.pads[i], g.padEnd[i] = a.pads[i + nsp];
        if (g.padBegin[i] < 0 || g.padEnd[i] < 0) throw Error("pads must be >= 0");
      }
      g.out[i] = full - g.padBegin[i] - g.padEnd[i];
    }
    if (g.out[i] < 0) throw Error("output size is negative on spatial axis " + std::to_string(i));
  }
  return g;
}

namespace {

template <typename T>
void convTransposeTyped(const ConvTransposeGeometry& g, const T* x, const T* w, const T* b, T* y,
                        int threads) {
  using Acc = RefAcc<T>;
  const int nsp = g.spatial();
  int64_t inSize = 1, outSize = 1, kSize = 1;
  for (int i = 0; i < nsp; ++i) inSize *= g.in[i], outSize *= g.out[i], kSize *= g.kernel[i];
  const int64_t cg = g.c / g.group, mg = g.m / g.group;
  const int64_t work = std::max<int64_t>(1, inSize * cg * kSize);
  parallelFor(threads, g.n * g.m, std::max<int64_t>(1, 65536 / work), [&](int64_t begin, int64_t end) {
    std::vector<Acc> acc(outSize);
    std::vector<int64_t> ip(nsp), k(nsp);
    for (int64_t nm = begin; nm < end; ++nm) {
      const int64_t n = nm / g.m, m = nm % g.m, grp = m / mg, ml = m % mg;
      std::fill(acc.begin(), acc.end(), b ? widen(b[m]) : Acc(0));
      for (int64_t c = grp * cg; c < (grp + 1) * cg; ++c) {
        const T* xc = x + (n * g.c + c) * inSize;
        const T* wc = w + (c * mg + ml) * kSize;
        std::fill(ip.begin(), ip.end(), 0);
        for (int64_t i = 0; i < inSize; ++i) {
          const Acc xv = widen(xc[i]);
          std::fill(k.begin(), k.end(), 0);
          for (int64_t kp = 0; kp < kSize; ++kp) {
            int64_t off = 0;
            bool inside = true;
            for (int d = 0; d < nsp; ++d) {
              const int64_t o = ip[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
              inside = inside && o >= 0 && o < g.out[d];
              off = off * g.out[d] + o;
            }
            if (inside) acc[off] += xv * widen(wc[kp]);
            for (int d = nsp - 1; d >= 0 && ++k[d] == g.kernel[d]; --d) k[d] = 0;
          }
          for (int d = nsp - 1; d >= 0 && ++ip[d] == g.in[d]; --d) ip[d] = 0;
        }
      }
      T* ym = y + nm * outSize;
      for (int64_t o = 0; o < outSize; ++o) ym[o] = narrow<T>(acc[o]);
    }
  });
}

class ConvTransposeRef : public Kernel {
 public:
  ConvTransposeRef(const NodeDesc& node, const CompileContext&) : attrs_(node) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    if (w.dtype != x.dtype || (b && b->dtype != x.dtype)) throw Error("X, W and B must have the same dtype");
    const ConvTransposeGeometry g = resolveConvTranspose(attrs_, x.shape, w.shape, b ? &b->shape : nullptr);
    Tensor& y = ctx.allocOutput(0, x.dtype, g.outShape());
    convTransposeRef(g, x, w, b, y, ctx.threads());
  }

 private:
  ConvTransposeAttrs attrs_;
};

}  // namespace

void convTransposeRef(const ConvTransposeGeometry& g, const Tensor& x, const Tensor& w, const Tensor* b,
                      Tensor& y, int threads) {
  dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "ConvTranspose", [&](auto tag) {
    using T = typename decltype(tag)::type;
    convTransposeTyped<T>(g, x.as<T>(), w.as<T>(), b ? b->as<T>() : nullptr, y.as<T>(), threads);
  });
}

ONNXFLEET_KERNEL("", "ConvTranspose", 1, "reference", ConvTransposeRef);
ONNXFLEET_KERNEL("", "ConvTranspose", 11, "reference", ConvTransposeRef);
ONNXFLEET_KERNEL("", "ConvTranspose", 22, "reference", ConvTransposeRef);

}  // namespace onnxfleet
