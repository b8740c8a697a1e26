// FusedMatMul (com.microsoft): Y = alpha * op(A) x op(B) with numpy-style batch broadcasting, where op
// swaps the last two dims (transA/transB) and/or moves the first dim next to the last one (transBatchA/B:
// [d0, d1.., dk, dn] is read as [d1.., dk, d0, dn]). Both become strides of a view, so nothing is copied for
// float32; other float types go through float32 buffers.
#include "core/kernel.h"
#include "cpu/contrib/dense_gemm.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

using onednn::dims;

// The matrix view of an operand: (batch dims..., rows, cols) with strides into the original tensor.
void viewOf(const Shape& s, bool trans, bool transBatch, dims& d, dims& st) {
  const dims dense = contrib::denseStrides(dims(s.begin(), s.end()));
  const int r = static_cast<int>(s.size());
  std::vector<int> perm;
  if (transBatch) {
    for (int i = 1; i < r - 1; ++i) perm.push_back(i);
    perm.push_back(0);
  } else {
    for (int i = 0; i < r - 1; ++i) perm.push_back(i);
  }
  perm.push_back(r - 1);
  if (trans) std::swap(perm[r - 2], perm[r - 1]);
  d.clear(), st.clear();
  for (int p : perm) d.push_back(s[p]), st.push_back(dense[p]);
}

class FusedMatMulKernel : public Kernel {
 public:
  FusedMatMulKernel(const NodeDesc& n, const CompileContext&)
      : alpha_(n.getFloat("alpha", 1.f)),
        transA_(n.getInt("transA", 0) != 0),
        transB_(n.getInt("transB", 0) != 0),
        batchA_(n.getInt("transBatchA", 0) != 0),
        batchB_(n.getInt("transBatchB", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    check(a.dtype == b.dtype, "A and B must have one element type");
    check(a.rank() >= 1 && b.rank() >= 1, "A and B must have rank >= 1");
    dims ad, as, bd, bs;
    // A 1-D operand is a row (A) or a column (B) vector; transposes do not apply to it.
    if (a.rank() == 1)
      ad = {1, a.shape[0]}, as = {a.shape[0], 1};
    else
      viewOf(a.shape, transA_, batchA_, ad, as);
    if (b.rank() == 1)
      bd = {b.shape[0], 1}, bs = {1, 1};
    else
      viewOf(b.shape, transB_, batchB_, bd, bs);
    check(ad.back() == bd[bd.size() - 2], "inner dims differ: A " + shapeToString(a.shape) + " and B " +
                                              shapeToString(b.shape) + " (after the transposes)");
    // Broadcast the batch dims.
    const size_t rank = std::max(ad.size(), bd.size());
    while (ad.size() < rank) ad.insert(ad.begin(), 1), as.insert(as.begin(), 0);
    while (bd.size() < rank) bd.insert(bd.begin(), 1), bs.insert(bs.begin(), 0);
    dims cd(rank);
    for (size_t i = 0; i + 2 < rank; ++i) {
      check(ad[i] == bd[i] || ad[i] == 1 || bd[i] == 1, "batch dims of A " + shapeToString(a.shape) +
                                                            " and B " + shapeToString(b.shape) +
                                                            " do not broadcast");
      cd[i] = std::max(ad[i], bd[i]);
      if (ad[i] == 1) as[i] = 0;
      if (bd[i] == 1) bs[i] = 0;
    }
    cd[rank - 2] = ad[rank - 2], cd[rank - 1] = bd[rank - 1];
    Shape out(cd.begin(), cd.end() - 2);
    if (a.rank() != 1) out.push_back(cd[rank - 2]);
    if (b.rank() != 1) out.push_back(cd[rank - 1]);
    Tensor& y = ctx.allocOutput(0, a.dtype, out);
    if (y.numel() == 0) return;
    const int64_t K = ad.back();
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(a.dtype, "FusedMatMul", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const float* af;
      const float* bf;
      float* yf;
      Tensor at, bt, yt;
      if constexpr (std::is_same_v<T, float>) {
        af = a.as<float>(), bf = b.as<float>(), yf = y.as<float>();
      } else {
        at = ctx.scratch(DType::Float, a.shape), bt = ctx.scratch(DType::Float, b.shape);
        yt = ctx.scratch(DType::Float, y.shape);
        for (int64_t i = 0; i < a.numel(); ++i)
          at.as<float>()[i] = static_cast<float>(Num<T>::load(a.as<T>()[i]));
        for (int64_t i = 0; i < b.numel(); ++i)
          bt.as<float>()[i] = static_cast<float>(Num<T>::load(b.as<T>()[i]));
        af = at.as<float>(), bf = bt.as<float>(), yf = yt.as<float>();
      }
      if (K == 0) {
        std::fill(yf, yf + y.numel(), 0.f);
      } else {
        // Broadcast batch dims of size 1 keep stride 0 and their dim of 1, as oneDNN expects.
        mm_.run(ctx, {ad, as, af}, {bd, bs, bf}, cd, yf, alpha_);
      }
      if constexpr (!std::is_same_v<T, float>) {
        T* yp = y.as<T>();
        for (int64_t i = 0; i < y.numel(); ++i) yp[i] = Num<T>::store(static_cast<typename Num<T>::C>(yf[i]));
      }
    });
  }

 private:
  float alpha_;
  bool transA_, transB_, batchA_, batchB_;
  contrib::StridedMatMul mm_;
};

ONNXFLEET_KERNEL("com.microsoft", "FusedMatMul", 1, "cpu", FusedMatMulKernel);

}  // namespace
}  // namespace onnxfleet
