#include "cpu/quant/int_gemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include "core/parallel.h"
#include "cpu/onednn/engine.h"

namespace onnxfleet {

namespace {

inline int32_t zaOf(const IntGemmArgs& g, int64_t i) { return g.za ? g.za[i * g.zaStep] : 0; }
inline int32_t zbOf(const IntGemmArgs& g, int64_t j) { return g.zb ? g.zb[j * g.zbStep] : 0; }

template <typename T>
int32_t at(const Int8Matrix& m, int64_t r, int64_t c) {
  return static_cast<const T*>(m.data)[r * m.ld + c];
}

// Rows in blocks of 4 against B - zb held as int16 (every product fits int32; sums wrap in uint32).
template <typename TA>
void loopsTyped(const IntGemmArgs& g, const int16_t* bs, int threads) {
  constexpr int64_t R = 4;
  const int64_t blocks = (g.m + R - 1) / R, k = g.k, n = g.n;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, R * k * n));
  parallelFor(threads, blocks, grain, [&](int64_t bb, int64_t be) {
    std::vector<int32_t> a(R * k);
    std::vector<uint32_t> acc(R * n);
    for (int64_t blk = bb; blk < be; ++blk) {
      const int64_t r0 = blk * R, rows = std::min(R, g.m - r0);
      std::fill(a.begin(), a.end(), 0);
      for (int64_t r = 0; r < rows; ++r) {
        const int32_t za = zaOf(g, r0 + r);
        for (int64_t kk = 0; kk < k; ++kk) a[r * k + kk] = at<TA>(g.a, r0 + r, kk) - za;
      }
      std::fill(acc.begin(), acc.end(), 0u);
      uint32_t *c0 = acc.data(), *c1 = c0 + n, *c2 = c1 + n, *c3 = c2 + n;
      for (int64_t kk = 0; kk < k; ++kk) {
        const int16_t* br = bs + kk * n;
        const int32_t a0 = a[kk], a1 = a[k + kk], a2 = a[2 * k + kk], a3 = a[3 * k + kk];
        for (int64_t j = 0; j < n; ++j) {
          const int32_t b = br[j];
          c0[j] += static_cast<uint32_t>(a0 * b), c1[j] += static_cast<uint32_t>(a1 * b);
          c2[j] += static_cast<uint32_t>(a2 * b), c3[j] += static_cast<uint32_t>(a3 * b);
        }
      }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < n; ++j) g.c[(r0 + r) * g.ldc + j] = static_cast<int32_t>(acc[r * n + j]);
    }
  });
}

template <typename TB>
void subtractB(const IntGemmArgs& g, int16_t* bs, int threads) {
  parallelFor(threads, g.k, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, g.n)),
              [&](int64_t b, int64_t e) {
                for (int64_t kk = b; kk < e; ++kk)
                  for (int64_t j = 0; j < g.n; ++j)
                    bs[kk * g.n + j] = static_cast<int16_t>(at<TB>(g.b, kk, j) - zbOf(g, j));
              });
}

bool hasVnni() {
  static const bool v =
      (static_cast<int>(dnnl::get_effective_cpu_isa()) & 0x440) != 0;  // avx512_vnni|avx2_vnni
  return v;
}

struct GemmPlan {
  dnnl::matmul prim;
  dnnl::memory::desc a, b, c, scratch;
};

}  // namespace

void intGemmLoops(const IntGemmArgs& g, int threads) {
  if (g.m <= 0 || g.n <= 0) return;
  std::vector<int16_t> bs(static_cast<size_t>(g.k * g.n));
  if (g.b.isSigned)
    subtractB<int8_t>(g, bs.data(), threads);
  else
    subtractB<uint8_t>(g, bs.data(), threads);
  if (g.a.isSigned)
    loopsTyped<int8_t>(g, bs.data(), threads);
  else
    loopsTyped<uint8_t>(g, bs.data(), threads);
}

namespace {

std::vector<int64_t> columnSums(const int8_t* b, int64_t k, int64_t n, int64_t ldb, int threads) {
  std::vector<int64_t> sums(static_cast<size_t>(n), 0);
  parallelFor(threads, (n + 255) / 256, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t r = 0; r < k; ++r)
      for (int64_t j = cb * 256; j < std::min(n, ce * 256); ++j) sums[j] += b[r * ldb + j];
  });
  return sums;
}

// A constant B as int8 (shifted when uint8), its column sums and its packings for oneDNN.
struct PreparedB {
  const void* src = nullptr;
  int64_t k = 0, n = 0, ld = 0;
  bool isSigned = false;
  Tensor s8;
  std::vector<int64_t> colSum;
  std::unique_ptr<onednn::PackedWeights> packed;
};

}  // namespace

struct IntGemm::Impl {
  onednn::PlanCache<GemmPlan> plans;
  std::mutex prepMu;
  std::shared_ptr<PreparedB> prepared;

  std::shared_ptr<PreparedB> prepare(const IntGemmArgs& g, int threads) {
    std::lock_guard<std::mutex> lock(prepMu);
    const std::shared_ptr<PreparedB>& p = prepared;
    if (p && p->src == g.b.data && p->k == g.k && p->n == g.n && p->ld == g.b.ld &&
        p->isSigned == g.b.isSigned)
      return p;
    auto q = std::make_shared<PreparedB>();
    q->src = g.b.data, q->k = g.k, q->n = g.n, q->ld = g.b.ld, q->isSigned = g.b.isSigned;
    q->s8 = allocateHeapTensor(DType::Int8, {g.k, g.n});
    int8_t* d = q->s8.as<int8_t>();
    const uint8_t* src = static_cast<const uint8_t*>(g.b.data);
    const uint8_t flip = g.b.isSigned ? 0 : 0x80;
    for (int64_t r = 0; r < g.k; ++r)
      for (int64_t j = 0; j < g.n; ++j) d[r * g.n + j] = static_cast<int8_t>(src[r * g.b.ld + j] ^ flip);
    q->colSum = columnSums(d, g.k, g.n, g.n, threads);
    q->packed = std::make_unique<onednn::PackedWeights>(
        q->s8, onednn::plainDesc({g.k, g.n}, dnnl::memory::data_type::s8));
    prepared = q;
    return q;
  }

  std::atomic<bool> disabled{false};  // oneDNN declined this kernel's shapes once: stay on the loops

  void run(KernelContext& ctx, const IntGemmArgs& g) {
    using dt = dnnl::memory::data_type;
    const int threads = ctx.threads();
    const int64_t m = g.m, n = g.n, k = g.k;
    // B as s8: uint8 B is shifted by -128 (and its zero points with it). A constant B is converted, summed
    // and packed into the primitive's layout once.
    const std::shared_ptr<PreparedB> prep = g.bConstant ? prepare(g, threads) : nullptr;
    std::vector<int8_t> shifted;
    const int8_t* b = static_cast<const int8_t*>(g.b.data);
    int64_t ldb = g.b.ld;
    const int32_t shift = g.b.isSigned ? 0 : 128;
    if (prep) {
      b = prep->s8.as<int8_t>(), ldb = n;
    } else if (!g.b.isSigned) {
      shifted.resize(static_cast<size_t>(k * n));
      const uint8_t* src = static_cast<const uint8_t*>(g.b.data);
      parallelFor(threads, k, std::max<int64_t>(1, 65536 / n), [&](int64_t rb, int64_t re) {
        for (int64_t r = rb; r < re; ++r)
          for (int64_t j = 0; j < n; ++j)
            shifted[r * n + j] = static_cast<int8_t>(src[r * g.b.ld + j] ^ 0x80);
      });
      b = shifted.data(), ldb = n;
    }
    const std::vector<int64_t> key{m, n, k, g.a.isSigned, g.a.ld, ldb, g.ldc, threads, prep != nullptr};
    auto plan = plans.get(key, [&] {
      onednn::ThreadBudget budget(threads);
      auto p = std::make_shared<GemmPlan>();
      p->a = onednn::stridedDesc({m, k}, {g.a.ld, 1}, g.a.isSigned ? dt::s8 : dt::u8);
      p->b = prep ? dnnl::memory::desc({k, n}, dt::s8, dnnl::memory::format_tag::any)
                  : onednn::stridedDesc({k, n}, {ldb, 1}, dt::s8);
      p->c = onednn::stridedDesc({m, n}, {g.ldc, 1}, dt::s32);
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(p->a, p->b, p->c), onednn::baseAttr(),
                                      onednn::cpuEngine());
      p->b = pd.weights_desc(), p->scratch = pd.scratchpad_desc(), p->prim = dnnl::matmul(pd);
      return std::shared_ptr<const GemmPlan>(std::move(p));
    });
    onednn::Call call(ctx);
    call.run(plan->prim, plan->scratch,
             {{DNNL_ARG_SRC, onednn::wrap(plan->a, g.a.data)},
              {DNNL_ARG_WEIGHTS, prep ? prep->packed->get(plan->b, threads) : onednn::wrap(plan->b, b)},
              {DNNL_ARG_DST, onednn::wrap(plan->c, g.c)}});
    call.finish();

    // Zero points: (A - za)(B' - zb') = AB' - rowA * zb' - za * colB' + k * za * zb'.
    bool anyZa = false, anyZb = shift != 0;
    for (int64_t i = 0; i < (g.zaStep ? m : 1) && g.za; ++i) anyZa = anyZa || g.za[i * g.zaStep] != 0;
    for (int64_t j = 0; j < (g.zbStep ? n : 1) && g.zb; ++j) anyZb = anyZb || g.zb[j * g.zbStep] != 0;
    if (!anyZa && !anyZb) return;
    std::vector<int64_t> colB, zb(static_cast<size_t>(n));
    for (int64_t j = 0; j < n; ++j) zb[j] = static_cast<int64_t>(zbOf(g, j)) - shift;
    if (prep)
      colB = prep->colSum;
    else if (anyZa)
      colB = columnSums(b, k, n, ldb, threads);
    else
      colB.assign(static_cast<size_t>(n), 0);
    parallelFor(threads, m, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, k + n)),
                [&](int64_t ib, int64_t ie) {
                  for (int64_t i = ib; i < ie; ++i) {
                    int64_t rowA = 0;
                    if (g.a.isSigned)
                      for (int64_t kk = 0; kk < k; ++kk) rowA += at<int8_t>(g.a, i, kk);
                    else
                      for (int64_t kk = 0; kk < k; ++kk) rowA += at<uint8_t>(g.a, i, kk);
                    const int64_t za = zaOf(g, i);
                    int32_t* c = g.c + i * g.ldc;
                    for (int64_t j = 0; j < n; ++j) {
                      const int64_t fix = -rowA * zb[j] - za * colB[j] + k * za * zb[j];
                      c[j] = static_cast<int32_t>(static_cast<uint32_t>(c[j]) + static_cast<uint32_t>(fix));
                    }
                  }
                });
  }
};

IntGemm::IntGemm() : impl_(std::make_unique<Impl>()) {}
IntGemm::~IntGemm() = default;

void IntGemm::run(KernelContext& ctx, const IntGemmArgs& g) {
  if (g.m <= 0 || g.n <= 0) return;
  if (g.k == 0) {
    for (int64_t i = 0; i < g.m; ++i) std::memset(g.c + i * g.ldc, 0, sizeof(int32_t) * g.n);
    return;
  }
  const bool big = g.m * g.n * g.k >= (int64_t{1} << 18);
  if (big && hasVnni() && !impl_->disabled) {
    try {
      impl_->run(ctx, g);
      return;
    } catch (const dnnl::error&) {
      impl_->disabled.store(true);
    }
  }
  intGemmLoops(g, ctx.threads());
}

MatParam resolveMatParam(const Shape& p, int64_t lines, int64_t batches, const char* what) {
  MatParam r;
  r.lines = lines;
  const int64_t n = shapeNumel(p);
  if (n == 1) return r;
  if (n == lines) {
    r.mode = MatParam::Mode::PerLine;
  } else if (n == lines * batches) {
    r.mode = MatParam::Mode::PerBatchLine;
  } else {
    throw Error(std::string(what) + " " + shapeToString(p) + " must have 1 or " + std::to_string(lines) +
                (batches > 1 ? " (or " + std::to_string(lines * batches) + ")" : std::string()) +
                " elements");
  }
  return r;
}

namespace {

// The operands' own batch-matrix indices for broadcast batch i.
void batchIndices(const MatMulGeometry& g, int64_t i, int64_t& ai, int64_t& bi) {
  ai = 0, bi = 0;
  int64_t as = 1, bs = 1;
  for (size_t d = g.batch.size(); d-- > 0;) {
    const int64_t idx = i % g.batch[d];
    i /= g.batch[d];
    if (g.aBatch[d] != 1) ai += idx * as;
    if (g.bBatch[d] != 1) bi += idx * bs;
    as *= g.aBatch[d], bs *= g.bBatch[d];
  }
}

}  // namespace

void batchedIntMatMul(IntGemm& gemm, KernelContext& ctx, const MatMulGeometry& g, const Tensor& a,
                      const Tensor& b, const int32_t* za, const MatParam& zaP, const int32_t* zb,
                      const MatParam& zbP, int32_t* y, bool bConstant) {
  check(isInt8Type(a.dtype) && isInt8Type(b.dtype), "A and B must be int8 or uint8");
  const int64_t batches = g.batchCount();
  IntGemmArgs args;
  args.m = g.m, args.n = g.n, args.k = g.k;
  args.a = Int8Matrix{a.data, a.dtype == DType::Int8, g.k};
  args.b = Int8Matrix{b.data, b.dtype == DType::Int8, g.n};
  args.zaStep = zaP.step(), args.zbStep = zbP.step();
  args.ldc = g.n;
  args.bConstant = bConstant && shapeNumel(g.bBatch) == 1;
  if (shapeNumel(g.bBatch) == 1 && zaP.mode != MatParam::Mode::PerLine) {
    // B is one matrix: fold A's batches into rows (a per-batch-row za is then simply per row).
    args.m = batches * g.m;
    args.za = za, args.zb = zb, args.c = y;
    gemm.run(ctx, args);
    return;
  }
  for (int64_t i = 0; i < batches; ++i) {
    int64_t ai, bi;
    batchIndices(g, i, ai, bi);
    args.a.data = static_cast<const uint8_t*>(a.data) + ai * g.m * g.k;
    args.b.data = static_cast<const uint8_t*>(b.data) + bi * g.k * g.n;
    args.za = za ? za + zaP.offset(ai) : nullptr;
    args.zb = zb ? zb + zbP.offset(bi) : nullptr;
    args.c = y + i * g.m * g.n;
    gemm.run(ctx, args);
  }
}

}  // namespace onnxfleet
