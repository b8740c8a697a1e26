// StridedMatMul: oneDNN matmul with strided source/weights descriptors and output scales for alpha; plain
// loops when the primitive cannot be created for a view.
#include "cpu/contrib/dense_gemm.h"

#include <cstring>

#include "core/parallel.h"

namespace onnxfleet {
namespace contrib {

using dnnl::memory;

onednn::dims denseStrides(const onednn::dims& d) {
  onednn::dims s(d.size());
  int64_t acc = 1;
  for (size_t i = d.size(); i-- > 0;) s[i] = acc, acc *= d[i] > 0 ? d[i] : 1;
  return s;
}

namespace {

// Reference loops: one output row (batch, m) per task.
void loops(const MatView& a, const MatView& b, const onednn::dims& cd, float* c, float alpha, int threads) {
  const int r = static_cast<int>(cd.size());
  const int64_t M = cd[r - 2], N = cd[r - 1], K = a.dims[r - 1];
  int64_t batches = 1;
  for (int d = 0; d < r - 2; ++d) batches *= cd[d];
  parallelFor(threads, batches * M, std::max<int64_t>(1, 4096 / std::max<int64_t>(N * K, 1)),
              [&](int64_t b0, int64_t e0) {
                std::vector<double> acc(N);
                for (int64_t t = b0; t < e0; ++t) {
                  int64_t bi = t / M, m = t % M, ao = m * a.strides[r - 2], bo = 0;
                  for (int d = r - 3; d >= 0; --d) {
                    const int64_t idx = bi % cd[d];
                    bi /= cd[d];
                    if (a.dims[d] != 1) ao += idx * a.strides[d];
                    if (b.dims[d] != 1) bo += idx * b.strides[d];
                  }
                  std::fill(acc.begin(), acc.end(), 0.0);
                  for (int64_t k = 0; k < K; ++k) {
                    const double av = a.data[ao + k * a.strides[r - 1]];
                    const float* brow = b.data + bo + k * b.strides[r - 2];
                    for (int64_t n = 0; n < N; ++n) acc[n] += av * brow[n * b.strides[r - 1]];
                  }
                  float* crow = c + t * N;
                  for (int64_t n = 0; n < N; ++n) crow[n] = static_cast<float>(alpha * acc[n]);
                }
              });
}

}  // namespace

void StridedMatMul::run(KernelContext& ctx, const MatView& a, const MatView& b, const onednn::dims& cd,
                        float* c, float alpha) {
  const int threads = ctx.threads();
  uint32_t alphaBits;
  std::memcpy(&alphaBits, &alpha, 4);
  std::vector<int64_t> key{threads, alphaBits};
  for (const onednn::dims* v : {&a.dims, &a.strides, &b.dims, &b.strides, &cd})
    key.insert(key.end(), v->begin(), v->end());
  if (cd.size() > DNNL_MAX_NDIMS) {
    loops(a, b, cd, c, alpha, threads);
    return;
  }
  auto plan = plans_.get(key, [&] {
    auto p = std::make_shared<Plan>();
    try {
      onednn::ThreadBudget budget(threads);
      p->a = onednn::stridedDesc(a.dims, a.strides), p->b = onednn::stridedDesc(b.dims, b.strides);
      p->c = onednn::plainDesc(cd);
      dnnl::primitive_attr attr = onednn::baseAttr();
      if (alpha != 1.f) attr.set_output_scales(0, {alpha});
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(p->a, p->b, p->c), attr, onednn::cpuEngine());
      p->scratch = pd.scratchpad_desc(), p->prim = dnnl::matmul(pd), p->ok = true;
    } catch (const dnnl::error&) {
      p->ok = false;
    }
    return std::shared_ptr<const Plan>(std::move(p));
  });
  if (!plan->ok) {
    loops(a, b, cd, c, alpha, threads);
    return;
  }
  try {
    onednn::Call call(ctx);
    call.run(plan->prim, plan->scratch,
             {{DNNL_ARG_SRC, onednn::wrap(plan->a, a.data)},
              {DNNL_ARG_WEIGHTS, onednn::wrap(plan->b, b.data)},
              {DNNL_ARG_DST, onednn::wrap(plan->c, c)}});
    call.finish();
  } catch (const dnnl::error& e) {
    onednn::rethrow(e, "matmul");
  }
}

}  // namespace contrib
}  // namespace onnxfleet
