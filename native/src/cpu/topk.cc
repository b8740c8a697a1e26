// TopK: the k largest (or smallest) elements along an axis with their int64 indices, sorted; equal values
// keep ascending index order. k is an attribute in opset 1 and a 1-element int64 input from 10.
// NaN orders above every number (first for largest, last for smallest).
#include <algorithm>
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class TopKKernel : public Kernel {
 public:
  TopKKernel(const NodeDesc& n, const CompileContext&)
      : axis_(n.getInt("axis", -1)),
        kAttr_(n.getInt("k", -1)),
        largest_(n.getInt("largest", 1) != 0),
        kFromInput_(n.opset >= 10) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    check(r >= 1, "input must have rank >= 1");
    const int axis = normalizeAxis(axis_, r, "axis");
    int64_t k = kAttr_;
    if (kFromInput_) {
      const std::vector<int64_t> kv = readIntTensor(ctx.input(1), "K");
      check(kv.size() == 1, "K must have exactly one element");
      k = kv[0];
    }
    const int64_t n = x.shape[axis];
    check(k >= 0 && k <= n,
          "k = " + std::to_string(k) + " is out of range for axis size " + std::to_string(n));
    Shape out = x.shape;
    out[axis] = k;
    Tensor& vals = ctx.allocOutput(0, x.dtype, out);
    Tensor& idx = ctx.allocOutput(1, DType::Int64, out);
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis + 1, r);
    if (k == 0 || outer * inner == 0) return;
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "TopK", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename Num<T>::C;
      const T* xp = x.as<T>();
      T* vp = vals.as<T>();
      int64_t* ip = idx.as<int64_t>();
      const bool largest = largest_;
      // Strict weak order on (value, index): the wanted end first; NaN is the largest value.
      auto before = [largest](const std::pair<C, int64_t>& a, const std::pair<C, int64_t>& b) {
        const bool an = isNan(a.first), bn = isNan(b.first);
        if (an || bn) {
          if (an && bn) return a.second < b.second;
          return largest ? an : bn;
        }
        if (a.first != b.first) return largest ? a.first > b.first : a.first < b.first;
        return a.second < b.second;
      };
      parallelFor(ctx.threads(), outer * inner, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
        std::vector<std::pair<C, int64_t>> buf(n);
        for (int64_t s = b; s < e; ++s) {
          const int64_t o = s / inner, j = s % inner;
          const T* xs = xp + o * n * inner + j;
          if (k <= 16 && k * 8 <= n) {
            // Small k: keep the best k sorted in buf[0..k) and insert only elements that beat the k-th;
            // scanning in index order keeps ties in ascending index order.
            int64_t have = 0;
            auto scan = [&](auto largestTag) {
              constexpr bool L = decltype(largestTag)::value;
              C t = C(0);  // value of the current k-th (valid once have == k)
              for (int64_t i = 0; i < n; ++i) {
                const C v = Num<T>::load(xs[i * inner]);
                if (have == k) {
                  if (!(L ? v > t : v < t) && !isNan(v) && !isNan(t))
                    continue;  // common case: not better, no NaN
                  if (!before({v, i}, buf[k - 1])) continue;
                }
                int64_t at = have < k ? have++ : k - 1;
                while (at > 0 && before({v, i}, buf[at - 1])) buf[at] = buf[at - 1], --at;
                buf[at] = {v, i};
                t = buf[have - 1].first;
              }
            };
            if (largest)
              scan(std::true_type{});
            else
              scan(std::false_type{});
          } else {
            for (int64_t i = 0; i < n; ++i) buf[i] = {Num<T>::load(xs[i * inner]), i};
            if (k * 4 > n)
              std::sort(buf.begin(), buf.end(), before);
            else
              std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), before);
          }
          T* vs = vp + o * k * inner + j;
          int64_t* is = ip + o * k * inner + j;
          for (int64_t i = 0; i < k; ++i)
            vs[i * inner] = Num<T>::store(buf[i].first), is[i * inner] = buf[i].second;
        }
      });
    });
  }

 private:
  int64_t axis_, kAttr_;
  bool largest_, kFromInput_;
};

// 1: k attribute; 10: k input; 11: largest/sorted, negative axis; 24: more types.
ONNX_CPU_KERNEL("TopK", 1, TopKKernel);
ONNX_CPU_KERNEL("TopK", 10, TopKKernel);
ONNX_CPU_KERNEL("TopK", 11, TopKKernel);
ONNX_CPU_KERNEL("TopK", 24, TopKKernel);

}  // namespace
}  // namespace onnxfleet
