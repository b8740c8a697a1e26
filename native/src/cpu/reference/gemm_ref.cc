// Gemm reference kernel: Y = alpha * A' x B' + beta * C with plain loops (transposes read through strides).
#include "cpu/reference/gemm_ref.h"

#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "cpu/reference/ref_util.h"

namespace onnxfleet {

GemmAttrs::GemmAttrs(const NodeDesc& node)
    : alpha(node.getFloat("alpha", 1.f)),
      beta(node.getFloat("beta", 1.f)),
      transA(node.getInt("transA", 0) != 0),
      transB(node.getInt("transB", 0) != 0),
      exactC(node.opset < 7 && node.getInt("broadcast", 0) == 0),
      requireC(node.opset < 11) {}

GemmGeometry resolveGemm(const GemmAttrs& a, const Shape& sa, const Shape& sb, const Shape* sc) {
  if (sa.size() != 2 || sb.size() != 2)
    throw Error("Gemm needs 2-D A and B, got A " + shapeToString(sa) + " and B " + shapeToString(sb));
  GemmGeometry g;
  g.m = a.transA ? sa[1] : sa[0];
  g.k = a.transA ? sa[0] : sa[1];
  g.n = a.transB ? sb[0] : sb[1];
  const int64_t kb = a.transB ? sb[1] : sb[0];
  if (kb != g.k)
    throw Error("Gemm inner dimensions differ: A " + shapeToString(sa) + (a.transA ? " (transA)" : "") +
                " and B " + shapeToString(sb) + (a.transB ? " (transB)" : "") + " (K " + std::to_string(g.k) +
                " vs " + std::to_string(kb) + ")");
  if (!sc && a.requireC) throw Error("Gemm before opset 11 requires input C");
  if (!sc) return g;
  const Shape& c = *sc;
  auto bad = [&] {
    return "C " + shapeToString(c) + " does not broadcast to (M, N) = (" + std::to_string(g.m) + ", " +
           std::to_string(g.n) + ")";
  };
  if (c.size() > 2) throw Error(bad());
  g.hasC = true;
  g.cRows = c.size() == 2 ? c[0] : 1;
  g.cCols = c.empty() ? 1 : c.back();
  if (!((g.cRows == 1 || g.cRows == g.m) && (g.cCols == 1 || g.cCols == g.n))) throw Error(bad());
  if (a.exactC && (c.size() != 2 || g.cRows != g.m || g.cCols != g.n)) throw Error(bad() + " (broadcast=0)");
  return g;
}

namespace {

template <typename T>
void gemmTyped(const GemmAttrs& at, const GemmGeometry& g, const T* a, const T* b, const T* c, T* y,
               int threads) {
  using Acc = RefAcc<T>;
  const int64_t lda = at.transA ? g.m : g.k, ldb = at.transB ? g.k : g.n;
  const bool exactInt = std::is_integral_v<T> && at.alpha == 1.f && at.beta == 1.f;
  const bool useC = c && at.beta != 0.f;
  parallelFor(threads, g.m, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.k * g.n)),
              [&](int64_t begin, int64_t end) {
                std::vector<Acc> acc(g.n);
                for (int64_t i = begin; i < end; ++i) {
                  std::fill(acc.begin(), acc.end(), Acc(0));
                  for (int64_t kk = 0; kk < g.k; ++kk) {
                    const Acc av = widen(at.transA ? a[kk * lda + i] : a[i * lda + kk]);
                    if (at.transB)
                      for (int64_t j = 0; j < g.n; ++j) acc[j] += av * widen(b[j * ldb + kk]);
                    else
                      for (int64_t j = 0; j < g.n; ++j) acc[j] += av * widen(b[kk * ldb + j]);
                  }
                  const T* cr = useC ? c + (g.cRows == 1 ? 0 : i) * g.cCols : nullptr;
                  for (int64_t j = 0; j < g.n; ++j) {
                    const Acc cv = cr ? widen(cr[g.cCols == 1 ? 0 : j]) : Acc(0);
                    if (exactInt)
                      y[i * g.n + j] = narrow<T>(acc[j] + cv);
                    else
                      y[i * g.n + j] = narrow<T>(static_cast<double>(at.alpha) * static_cast<double>(acc[j]) +
                                                 static_cast<double>(at.beta) * static_cast<double>(cv));
                  }
                }
              });
}

class GemmRef : public Kernel {
 public:
  GemmRef(const NodeDesc& node, const CompileContext&) : attrs_(node) {}
  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* c = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    if (a.dtype != b.dtype || (c && c->dtype != a.dtype)) throw Error("A, B and C must have the same dtype");
    const GemmGeometry g = resolveGemm(attrs_, a.shape, b.shape, c ? &c->shape : nullptr);
    Tensor& y = ctx.allocOutput(0, a.dtype, {g.m, g.n});
    gemmRef(attrs_, g, a, b, c, y, ctx.threads());
  }

 private:
  GemmAttrs attrs_;
};

}  // namespace

void gemmRef(const GemmAttrs& attrs, const GemmGeometry& g, const Tensor& a, const Tensor& b, const Tensor* c,
             Tensor& y, int threads) {
  dispatchTypes<ONNXFLEET_FLOAT_TYPES, int32_t, int64_t, uint32_t, uint64_t>(a.dtype, "Gemm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    gemmTyped<T>(attrs, g, a.as<T>(), b.as<T>(), c ? c->as<T>() : nullptr, y.as<T>(), threads);
  });
}

ONNXFLEET_KERNEL("", "Gemm", 1, "reference", GemmRef);
ONNXFLEET_KERNEL("", "Gemm", 6, "reference", GemmRef);
ONNXFLEET_KERNEL("", "Gemm", 7, "reference", GemmRef);
ONNXFLEET_KERNEL("", "Gemm", 9, "reference", GemmRef);
ONNXFLEET_KERNEL("", "Gemm", 11, "reference", GemmRef);
ONNXFLEET_KERNEL("", "Gemm", 13, "reference", GemmRef);

}  // namespace onnxfleet
