// OneHot: inserts a depth-sized axis; out = on where the (wrapped, if negative) index equals the position,
// off elsewhere. Indices outside [-depth, depth) give an all-off row. values = [off, on] of any type.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// Reads element i of a numeric tensor as int64 (floats truncate toward zero).
std::vector<int64_t> readAsInts(const Tensor& t, const char* what) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(t.dtype, what, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (int64_t i = 0; i < t.numel(); ++i) {
      const auto c = loadC(t.as<T>()[i]);
      if constexpr (std::is_floating_point_v<decltype(c)>)
        v[i] = std::isfinite(c) ? static_cast<int64_t>(c) : INT64_MIN;
      else
        v[i] = static_cast<int64_t>(c);
    }
  });
  return v;
}

class OneHotKernel : public Kernel {
 public:
  OneHotKernel(const NodeDesc& n, const CompileContext&) : axis_(n.getInt("axis", -1)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& ind = ctx.input(0);
    const Tensor& dt = ctx.input(1);
    const Tensor& vals = ctx.input(2);
    check(dt.numel() == 1, "depth must be a scalar");
    check(vals.numel() == 2, "values must hold [off_value, on_value]");
    const int64_t depth = readAsInts(dt, "OneHot depth")[0];
    check(depth > 0, "depth must be positive, got " + std::to_string(depth));
    const std::vector<int64_t> idx = readAsInts(ind, "OneHot indices");
    const int64_t r = ind.rank() + 1;
    const int64_t axis = normalizeAxis(axis_, r);
    Shape out = ind.shape;
    out.insert(out.begin() + axis, depth);
    const int64_t outer = dimProduct(ind.shape, 0, axis),
                  inner = dimProduct(ind.shape, axis, ind.shape.size());
    checkedNumel(out, "OneHot");
    Tensor& y = ctx.allocOutput(0, vals.dtype, out);
    dispatchStorage(vals.dtype, "OneHot", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S off = vals.as<S>()[0], on = vals.as<S>()[1];
      S* o = y.as<S>();
      std::fill(o, o + y.numel(), off);
      for (int64_t a = 0; a < outer; ++a)
        for (int64_t i = 0; i < inner; ++i) {
          int64_t v = idx[a * inner + i];
          if (v < -depth || v >= depth) continue;
          if (v < 0) v += depth;
          o[(a * depth + v) * inner + i] = on;
        }
    });
  }

 private:
  int64_t axis_;
};

ONNX_CPU_KERNEL("OneHot", 9, OneHotKernel);
ONNX_CPU_KERNEL("OneHot", 11, OneHotKernel);

}  // namespace
}  // namespace onnxfleet
