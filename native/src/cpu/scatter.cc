// ScatterElements (and legacy Scatter) and ScatterND: the output starts as a copy of data, then updates are
// applied in index order (so with reduction "none" a repeated index keeps the last update). Reductions
// add/mul (opset 16) and max/min (opset 18) compute 16-bit floats in float.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

enum class Red { None, Add, Mul, Max, Min };

Red parseReduction(const NodeDesc& n) {
  const std::string r = n.getString("reduction", "none");
  if (r == "none") return Red::None;
  if (r == "add" && n.sinceVersion >= 16) return Red::Add;
  if (r == "mul" && n.sinceVersion >= 16) return Red::Mul;
  if (r == "max" && n.sinceVersion >= 18) return Red::Max;
  if (r == "min" && n.sinceVersion >= 18) return Red::Min;
  throw Error("unsupported reduction '" + r + "' for opset " + std::to_string(n.opset));
}

// Copies data into y, then calls blocks(apply) where apply(dstOffset, updOffset, n) folds n updates in.
template <typename B>
void scatterInto(KernelContext& ctx, const Tensor& data, const Tensor& upd, Red red, const char* what,
                 B&& blocks) {
  check(upd.dtype == data.dtype,
        "updates dtype " + std::string(dtypeName(upd.dtype)) + " differs from data's");
  Tensor& y = ctx.allocOutput(0, data.dtype, data.shape);
  copyElements(data.dtype, y.data, data.data, data.numel(), ctx.threads());
  if (red == Red::None) {
    dispatchStorage(y.dtype, what, [&](auto tag) {
      using S = typename decltype(tag)::type;
      S* d = y.as<S>();
      const S* u = upd.as<S>();
      blocks([&](int64_t dOff, int64_t uOff, int64_t n) { copyN(d + dOff, u + uOff, n); });
    });
    return;
  }
  dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(y.dtype, what, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = typename ComputeType<T>::type;
    T* d = y.as<T>();
    const T* u = upd.as<T>();
    blocks([&](int64_t dOff, int64_t uOff, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const C a = loadC(d[dOff + i]), b = loadC(u[uOff + i]);
        const C r = red == Red::Add   ? static_cast<C>(a + b)
                    : red == Red::Mul ? static_cast<C>(a * b)
                    : red == Red::Max ? std::max(a, b)
                                      : std::min(a, b);
        d[dOff + i] = storeC<T>(r);
      }
    });
  });
}

class ScatterElementsKernel : public Kernel {
 public:
  ScatterElementsKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.getInt("axis", 0)), red_(parseReduction(n)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const Tensor& upd = ctx.input(2);
    const int r = x.rank();
    check(r >= 1 && ind.rank() == r, "data and indices must have the same rank >= 1");
    check(upd.shape == ind.shape,
          "updates shape " + shapeToString(upd.shape) + " differs from indices' " + shapeToString(ind.shape));
    const int64_t axis = normalizeAxis(axis_, r);
    for (int d = 0; d < r; ++d)
      check(d == axis || ind.shape[d] <= x.shape[d],
            "indices dim " + std::to_string(d) + " exceeds the data's");
    const int64_t dim = x.shape[axis], n = ind.numel();
    const std::vector<int64_t> ds = contiguousStrides(x.shape);
    std::vector<int64_t> offs(n);
    dispatchIndex(ind.dtype, "ScatterElements indices", [&](auto itag) {
      using I = typename decltype(itag)::type;
      const I* idx = ind.as<I>();
      checkIndices(idx, n, dim, "ScatterElements index");
      std::vector<int64_t> pos(r, 0);
      for (int64_t p = 0; p < n; ++p) {
        int64_t off = 0;
        for (int d = 0; d < r; ++d) {
          int64_t v = d == axis ? static_cast<int64_t>(idx[p]) : pos[d];
          off += (v < 0 ? v + dim : v) * ds[d];
        }
        offs[p] = off;
        for (int d = r - 1; d >= 0; --d) {
          if (++pos[d] < ind.shape[d]) break;
          pos[d] = 0;
        }
      }
    });
    scatterInto(ctx, x, upd, red_, "ScatterElements", [&](auto&& apply) {
      for (int64_t p = 0; p < n; ++p) apply(offs[p], p, 1);
    });
  }

 private:
  int64_t axis_;
  Red red_;
};

// ScatterND: each index tuple (last indices dim, k) addresses a slice of data's trailing r-k dims.
class ScatterNDKernel : public Kernel {
 public:
  ScatterNDKernel(const NodeDesc& n, const CompileContext&) : red_(parseReduction(n)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const Tensor& upd = ctx.input(2);
    const int64_t r = x.rank(), q = ind.rank();
    check(r >= 1 && q >= 1, "data and indices must have rank >= 1");
    const int64_t k = ind.shape[q - 1];
    check(k >= 0 && k <= r, "indices' last dim " + std::to_string(k) + " exceeds the data rank");
    Shape want(ind.shape.begin(), ind.shape.end() - 1);
    want.insert(want.end(), x.shape.begin() + k, x.shape.end());
    check(upd.shape == want, "updates shape " + shapeToString(upd.shape) + " must be " + shapeToString(want));
    const int64_t slice = dimProduct(x.shape, k, r);
    const int64_t tuples = dimProduct(ind.shape, 0, q - 1);
    const std::vector<int64_t> ds = contiguousStrides(x.shape);
    std::vector<int64_t> offs(tuples);
    dispatchIndex(ind.dtype, "ScatterND indices", [&](auto itag) {
      using I = typename decltype(itag)::type;
      const I* idx = ind.as<I>();
      for (int64_t t = 0; t < tuples; ++t) {
        int64_t off = 0;
        for (int64_t j = 0; j < k; ++j) {
          const int64_t dim = x.shape[j], v = static_cast<int64_t>(idx[t * k + j]);
          check(v >= -dim && v < dim, "ScatterND index " + std::to_string(v) + " is out of range for dim " +
                                          std::to_string(j) + " of size " + std::to_string(dim));
          off += (v < 0 ? v + dim : v) * ds[j];
        }
        offs[t] = off;
      }
    });
    scatterInto(ctx, x, upd, red_, "ScatterND", [&](auto&& apply) {
      for (int64_t t = 0; t < tuples; ++t) apply(offs[t], t * slice, slice);
    });
  }

 private:
  Red red_;
};

ONNX_CPU_KERNEL("Scatter", 9, ScatterElementsKernel);
ONNX_CPU_KERNEL("ScatterElements", 11, ScatterElementsKernel);
ONNX_CPU_KERNEL("ScatterElements", 13, ScatterElementsKernel);
ONNX_CPU_KERNEL("ScatterElements", 16, ScatterElementsKernel);
ONNX_CPU_KERNEL("ScatterElements", 18, ScatterElementsKernel);
ONNX_CPU_KERNEL("ScatterND", 11, ScatterNDKernel);
ONNX_CPU_KERNEL("ScatterND", 13, ScatterNDKernel);
ONNX_CPU_KERNEL("ScatterND", 16, ScatterNDKernel);
ONNX_CPU_KERNEL("ScatterND", 18, ScatterNDKernel);

}  // namespace
}  // namespace onnxfleet
