// Gather, GatherElements, GatherND. Indices are int32 or int64, negative ones count from the end, and every
// index is range-checked before anything is copied.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// Gather: out[o, j, i] = data[o, idx[j], i] (o: dims before the axis, i: dims after). Embedding lookups are
// one block copy per index.
class GatherKernel : public Kernel {
 public:
  GatherKernel(const NodeDesc& n, const CompileContext&) : axis_(n.getInt("axis", 0)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    check(x.rank() >= 1, "Gather data must have rank >= 1");
    const int64_t axis = normalizeAxis(axis_, x.rank());
    const int64_t dim = x.shape[axis], ni = ind.numel();
    Shape out(x.shape.begin(), x.shape.begin() + axis);
    out.insert(out.end(), ind.shape.begin(), ind.shape.end());
    out.insert(out.end(), x.shape.begin() + axis + 1, x.shape.end());
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis + 1, x.shape.size());
    dispatchIndex(ind.dtype, "Gather indices", [&](auto itag) {
      using I = typename decltype(itag)::type;
      const I* idx = ind.as<I>();
      checkIndices(idx, ni, dim, "Gather index");
      Tensor& y = ctx.allocOutput(0, x.dtype, out);
      dispatchStorage(x.dtype, "Gather", [&](auto tag) {
        using S = typename decltype(tag)::type;
        const S* src = x.as<S>();
        S* dst = y.as<S>();
        parallelFor(ctx.threads(), outer * ni, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)),
                    [&](int64_t b, int64_t e) {
                      for (int64_t w = b; w < e; ++w) {
                        const int64_t o = w / ni, j = w % ni;
                        int64_t v = static_cast<int64_t>(idx[j]);
                        if (v < 0) v += dim;
                        copyN(dst + w * inner, src + (o * dim + v) * inner, inner);
                      }
                    });
      });
    });
  }

 private:
  int64_t axis_;
};

// GatherElements: out has the indices' shape; out[p] = data[p with p[axis] replaced by idx[p]].
class GatherElementsKernel : public Kernel {
 public:
  GatherElementsKernel(const NodeDesc& n, const CompileContext&) : axis_(n.getInt("axis", 0)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const int r = x.rank();
    check(r >= 1 && ind.rank() == r, "data and indices must have the same rank >= 1");
    const int64_t axis = normalizeAxis(axis_, r);
    for (int d = 0; d < r; ++d)
      check(d == axis || ind.shape[d] <= x.shape[d],
            "indices dim " + std::to_string(d) + " exceeds the data's");
    const int64_t dim = x.shape[axis], n = ind.numel();
    const std::vector<int64_t> ds = contiguousStrides(x.shape);
    dispatchIndex(ind.dtype, "GatherElements indices", [&](auto itag) {
      using I = typename decltype(itag)::type;
      const I* idx = ind.as<I>();
      checkIndices(idx, n, dim, "GatherElements index");
      Tensor& y = ctx.allocOutput(0, x.dtype, ind.shape);
      dispatchStorage(x.dtype, "GatherElements", [&](auto tag) {
        using S = typename decltype(tag)::type;
        const S* src = x.as<S>();
        S* dst = y.as<S>();
        parallelFor(ctx.threads(), n, 16384, [&](int64_t b, int64_t e) {
          std::vector<int64_t> pos(r);
          int64_t base = 0, rem = b;  // base: data offset of pos without the axis term
          for (int d = r - 1; d >= 0; --d) {
            pos[d] = rem % ind.shape[d];
            rem /= ind.shape[d];
            if (d != axis) base += pos[d] * ds[d];
          }
          for (int64_t p = b; p < e; ++p) {
            int64_t v = static_cast<int64_t>(idx[p]);
            if (v < 0) v += dim;
            dst[p] = src[base + v * ds[axis]];
            for (int d = r - 1; d >= 0; --d) {
              const int64_t st = d == axis ? 0 : ds[d];
              base += st;
              if (++pos[d] < ind.shape[d]) break;
              base -= pos[d] * st;
              pos[d] = 0;
            }
          }
        });
      });
    });
  }

 private:
  int64_t axis_;
};

// GatherND: the last indices dim (k) addresses data dims [b, b+k) after b shared batch dims; each index
// tuple selects one slice of the remaining dims.
class GatherNDKernel : public Kernel {
 public:
  GatherNDKernel(const NodeDesc& n, const CompileContext&) : batchDims_(n.getInt("batch_dims", 0)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const int64_t r = x.rank(), q = ind.rank(), b = batchDims_;
    check(r >= 1 && q >= 1, "data and indices must have rank >= 1");
    check(b >= 0 && b < std::min(r, q), "batch_dims " + std::to_string(b) + " must be less than both ranks");
    for (int64_t d = 0; d < b; ++d)
      check(x.shape[d] == ind.shape[d], "batch dims of data and indices differ");
    const int64_t k = ind.shape[q - 1];
    check(k >= 1 && k <= r - b,
          "indices' last dim " + std::to_string(k) + " must be in [1, " + std::to_string(r - b) + "]");
    Shape out(ind.shape.begin(), ind.shape.end() - 1);
    out.insert(out.end(), x.shape.begin() + b + k, x.shape.end());
    const int64_t batches = dimProduct(x.shape, 0, b);
    const int64_t tuples = ind.numel() / k;  // over all batches
    const int64_t perBatch = batches ? tuples / batches : 0;
    const int64_t slice = dimProduct(x.shape, b + k, r);
    const std::vector<int64_t> ds = contiguousStrides(x.shape);
    const int64_t batchStride = b > 0 ? ds[b - 1] : 0;
    std::vector<int64_t> offs(tuples);
    dispatchIndex(ind.dtype, "GatherND indices", [&](auto itag) {
      using I = typename decltype(itag)::type;
      const I* idx = ind.as<I>();
      for (int64_t t = 0; t < tuples; ++t) {
        int64_t off = (perBatch ? t / perBatch : 0) * batchStride;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t dim = x.shape[b + j];
          int64_t v = static_cast<int64_t>(idx[t * k + j]);
          check(v >= -dim && v < dim, "GatherND index " + std::to_string(v) + " is out of range for dim " +
                                          std::to_string(b + j) + " of size " + std::to_string(dim));
          off += (v < 0 ? v + dim : v) * ds[b + j];
        }
        offs[t] = off;
      }
    });
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    dispatchStorage(x.dtype, "GatherND", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* src = x.as<S>();
      S* dst = y.as<S>();
      parallelFor(ctx.threads(), tuples, std::max<int64_t>(1, 16384 / std::max<int64_t>(slice, 1)),
                  [&](int64_t s, int64_t e) {
                    for (int64_t t = s; t < e; ++t) copyN(dst + t * slice, src + offs[t], slice);
                  });
    });
  }

 private:
  int64_t batchDims_;
};

ONNX_CPU_KERNEL("Gather", 1, GatherKernel);
ONNX_CPU_KERNEL("Gather", 11, GatherKernel);
ONNX_CPU_KERNEL("Gather", 13, GatherKernel);
ONNX_CPU_KERNEL("GatherElements", 11, GatherElementsKernel);
ONNX_CPU_KERNEL("GatherElements", 13, GatherElementsKernel);
ONNX_CPU_KERNEL("GatherND", 11, GatherNDKernel);
ONNX_CPU_KERNEL("GatherND", 12, GatherNDKernel);
ONNX_CPU_KERNEL("GatherND", 13, GatherNDKernel);

}  // namespace
}  // namespace onnxfleet
