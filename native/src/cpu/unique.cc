// Unique: the distinct elements (no axis: of the flattened input) or distinct slices along `axis`, sorted
// ascending (lexicographically for slices) or in order of first occurrence, with first-occurrence indices,
// inverse indices and counts (all int64).
#include <numeric>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class UniqueKernel : public Kernel {
 public:
  UniqueKernel(const NodeDesc& n, const CompileContext&)
      : hasAxis_(n.has("axis")), axis_(n.getInt("axis", 0)), sorted_(n.getInt("sorted", 1) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Shape shape = hasAxis_ ? x.shape : Shape{x.numel()};
    check(!shape.empty(), "Unique with an axis needs rank >= 1");
    const int64_t axis = hasAxis_ ? normalizeAxis(axis_, x.rank()) : 0;
    const int64_t m = shape[axis];
    const int64_t outer = dimProduct(shape, 0, axis), inner = dimProduct(shape, axis + 1, shape.size());
    std::vector<int64_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::vector<int64_t> groupStart;  // positions in `order` where a new distinct slice begins
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES, bool, std::string>(x.dtype, "Unique", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* p = x.as<T>();
      auto key = [&](int64_t s, int64_t o, int64_t i) {
        if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
          return toFloat(p[(o * m + s) * inner + i]);
        else
          return p[(o * m + s) * inner + i];
      };
      auto cmp = [&](int64_t a, int64_t b) {  // -1, 0, 1, slice a vs slice b
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t i = 0; i < inner; ++i) {
            const auto va = key(a, o, i), vb = key(b, o, i);
            if constexpr (std::is_floating_point_v<decltype(va)>) {  // NaNs sort last and equal each other
              const bool na = va != va, nb = vb != vb;
              if (na || nb) {
                if (na != nb) return na ? 1 : -1;
                continue;
              }
            }
            if (va < vb) return -1;
            if (vb < va) return 1;
          }
        return 0;
      };
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cmp(a, b) < 0; });
      for (int64_t j = 0; j < m; ++j)
        if (j == 0 || cmp(order[j - 1], order[j]) != 0) groupStart.push_back(j);
    });
    const int64_t u = static_cast<int64_t>(groupStart.size());
    // Group g covers order[groupStart[g] .. next); its first occurrence is order[groupStart[g]] (stable
    // sort).
    std::vector<int64_t> groups(u);
    std::iota(groups.begin(), groups.end(), 0);
    if (!sorted_)
      std::sort(groups.begin(), groups.end(),
                [&](int64_t a, int64_t b) { return order[groupStart[a]] < order[groupStart[b]]; });
    Shape out = shape;
    out[axis] = u;
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    Tensor& first = ctx.allocOutput(1, DType::Int64, {u});
    Tensor& inverse = ctx.allocOutput(2, DType::Int64, {m});
    Tensor& counts = ctx.allocOutput(3, DType::Int64, {u});
    for (int64_t k = 0; k < u; ++k) {
      const int64_t g = groups[k], b = groupStart[g], e = g + 1 < u ? groupStart[g + 1] : m;
      first.as<int64_t>()[k] = order[b];
      counts.as<int64_t>()[k] = e - b;
      for (int64_t j = b; j < e; ++j) inverse.as<int64_t>()[order[j]] = k;
    }
    dispatchStorage(x.dtype, "Unique", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* s = x.as<S>();
      S* d = y.as<S>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t k = 0; k < u; ++k)
          copyN(d + (o * u + k) * inner, s + (o * m + first.as<int64_t>()[k]) * inner, inner);
    });
  }

 private:
  bool hasAxis_;
  int64_t axis_;
  bool sorted_;
};

ONNX_CPU_KERNEL("Unique", 11, UniqueKernel);

}  // namespace
}  // namespace onnxfleet
