// MatMul reference kernel: row-by-row loops (i, k, j order so the inner loop is contiguous).
#include "cpu/reference/matmul_ref.h"

#include <algorithm>
#include <vector>

#include "core/parallel.h"
#include "cpu/reference/ref_util.h"

namespace onnxfleet {

MatMulGeometry resolveMatMul(const Shape& a, const Shape& b) {
  auto both = [&] { return "A " + shapeToString(a) + " and B " + shapeToString(b); };
  if (a.empty() || b.empty()) throw Error("MatMul operands must have rank >= 1, got " + both());
  MatMulGeometry g;
  Shape a2 = a, b2 = b;
  if (a.size() == 1) a2.insert(a2.begin(), 1);  // [K] -> [1, K]
  if (b.size() == 1) b2.push_back(1);           // [K] -> [K, 1]
  g.m = a2[a2.size() - 2], g.k = a2.back(), g.n = b2.back();
  if (b2[b2.size() - 2] != g.k)
    throw Error("MatMul inner dimensions differ: " + both() + " (K " + std::to_string(g.k) + " vs " +
                std::to_string(b2[b2.size() - 2]) + ")");
  const size_t ra = a2.size() - 2, rb = b2.size() - 2, r = std::max(ra, rb);
  g.aBatch.assign(r - ra, 1), g.bBatch.assign(r - rb, 1);
  g.aBatch.insert(g.aBatch.end(), a2.begin(), a2.end() - 2);
  g.bBatch.insert(g.bBatch.end(), b2.begin(), b2.end() - 2);
  g.batch.resize(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = g.aBatch[i], db = g.bBatch[i];
    if (da != db && da != 1 && db != 1) throw Error("MatMul batch dimensions do not broadcast: " + both());
    g.batch[i] = da == 1 ? db : da;
  }
  g.out = g.batch;
  if (a.size() > 1) g.out.push_back(g.m);
  if (b.size() > 1) g.out.push_back(g.n);
  return g;
}

void MatMulGeometry::offsets(int64_t i, int64_t& aOff, int64_t& bOff) const {
  int64_t ai = 0, bi = 0, as = 1, bs = 1;
  for (size_t d = batch.size(); d-- > 0;) {
    const int64_t idx = i % batch[d];
    i /= batch[d];
    if (aBatch[d] != 1) ai += idx * as;
    if (bBatch[d] != 1) bi += idx * bs;
    as *= aBatch[d], bs *= bBatch[d];
  }
  aOff = ai * m * k, bOff = bi * k * n;
}

namespace {

template <typename T>
void matmulTyped(const MatMulGeometry& g, const T* a, const T* b, T* y, int threads) {
  using Acc = RefAcc<T>;
  const int64_t rows = g.batchCount() * g.m;
  parallelFor(threads, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.k * g.n)),
              [&](int64_t begin, int64_t end) {
                std::vector<Acc> acc(g.n);
                for (int64_t row = begin; row < end; ++row) {
                  const int64_t bi = row / g.m, i = row % g.m;
                  int64_t aOff, bOff;
                  g.offsets(bi, aOff, bOff);
                  const T* ar = a + aOff + i * g.k;
                  const T* bm = b + bOff;
                  std::fill(acc.begin(), acc.end(), Acc(0));
                  for (int64_t kk = 0; kk < g.k; ++kk) {
                    const Acc av = widen(ar[kk]);
                    const T* br = bm + kk * g.n;
                    for (int64_t j = 0; j < g.n; ++j) acc[j] += av * widen(br[j]);
                  }
                  T* yr = y + row * g.n;
                  for (int64_t j = 0; j < g.n; ++j) yr[j] = narrow<T>(acc[j]);
                }
              });
}

class MatMulRef : public Kernel {
 public:
  MatMulRef(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    if (a.dtype != b.dtype) throw Error("A and B must have the same dtype");
    const MatMulGeometry g = resolveMatMul(a.shape, b.shape);
    Tensor& y = ctx.allocOutput(0, a.dtype, g.out);
    matmulRef(g, a, b, y, ctx.threads());
  }
};

}  // namespace

void matmulRef(const MatMulGeometry& g, const Tensor& a, const Tensor& b, Tensor& y, int threads) {
  dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(a.dtype, "MatMul", [&](auto tag) {
    using T = typename decltype(tag)::type;
    matmulTyped<T>(g, a.as<T>(), b.as<T>(), y.as<T>(), threads);
  });
}

ONNXFLEET_KERNEL("", "MatMul", 1, "reference", MatMulRef);
ONNXFLEET_KERNEL("", "MatMul", 9, "reference", MatMulRef);
ONNXFLEET_KERNEL("", "MatMul", 13, "reference", MatMulRef);

}  // namespace onnxfleet
