// SoftmaxCrossEntropyLoss (opsets 12, 13; 13 adds bfloat16): scores [N, C, d1..dk], labels [N, d1..dk],
// optional weights [C]. log_prob = LogSoftmax over C (optional output 1, the scores' shape); the loss is the
// NegativeLogLikelihoodLoss of log_prob with the same weights, ignore_index and reduction.
// Work is split in blocks of up to 64 consecutive positions d of one sample n, so the loops over a block run
// on contiguous memory; the log-softmax is x - (max + log(sum(exp(x - max)))).
#include <algorithm>
#include <cmath>

#include "core/kernel.h"
#include "core/parallel.h"
#include "cpu/loss/loss_common.h"

namespace onnxfleet {
namespace {

constexpr int64_t kBlock = 64;

template <typename T>
void logSoftmaxBlock(const T* x, T* logProb, double* picked, const int64_t* labels, const LossAttrs& attrs,
                     int64_t c, int64_t stride, int64_t len) {
  using C = FloatCompute<T>;
  C m[kBlock], s[kBlock];
  for (int64_t j = 0; j < len; ++j) m[j] = Num<T>::load(x[j]), s[j] = C(0);
  for (int64_t k = 1; k < c; ++k) {
    const T* r = x + k * stride;
    for (int64_t j = 0; j < len; ++j) m[j] = std::max(m[j], static_cast<C>(Num<T>::load(r[j])));
  }
  for (int64_t k = 0; k < c; ++k) {
    const T* r = x + k * stride;
    for (int64_t j = 0; j < len; ++j) s[j] += std::exp(static_cast<C>(Num<T>::load(r[j])) - m[j]);
  }
  for (int64_t j = 0; j < len; ++j) s[j] = m[j] + std::log(s[j]);  // the shift: log(sum(exp(x)))
  if (logProb) {
    for (int64_t k = 0; k < c; ++k) {
      const T* r = x + k * stride;
      T* w = logProb + k * stride;
      for (int64_t j = 0; j < len; ++j) w[j] = Num<T>::store(static_cast<C>(Num<T>::load(r[j])) - s[j]);
    }
  }
  for (int64_t j = 0; j < len; ++j) {
    if (attrs.ignored(labels[j])) continue;
    picked[j] = static_cast<double>(static_cast<C>(Num<T>::load(x[labels[j] * stride + j])) - s[j]);
  }
}

class SoftmaxCrossEntropyLossKernel : public Kernel {
 public:
  SoftmaxCrossEntropyLossKernel(const NodeDesc& node, const CompileContext&) : attrs_(node) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& labelsT = ctx.input(1);
    const Tensor* weights = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    const LossDims dims = lossDims(x, labelsT, weights);
    const std::vector<int64_t> labels = readLabels(labelsT, dims.c, attrs_);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "SoftmaxCrossEntropyLoss", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* px = x.as<T>();
      T* lp = ctx.wantsOutput(1) ? ctx.allocOutput(1, x.dtype, x.shape).template as<T>() : nullptr;
      std::vector<double> picked(labels.size(), 0.0);
      const int64_t blocksPerN = (dims.d + kBlock - 1) / kBlock;
      const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dims.c * kBlock));
      parallelFor(ctx.threads(), dims.n * blocksPerN, grain, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const int64_t n = b / blocksPerN, d0 = (b % blocksPerN) * kBlock;
          const int64_t len = std::min(kBlock, dims.d - d0);
          const int64_t off = n * dims.c * dims.d + d0;
          const size_t at = static_cast<size_t>(n * dims.d + d0);
          logSoftmaxBlock<T>(px + off, lp ? lp + off : nullptr, picked.data() + at, labels.data() + at,
                             attrs_, dims.c, dims.d, len);
        }
      });
      writeLoss<T>(ctx, attrs_, labelsT, labels, picked, weights);
    });
  }

 private:
  LossAttrs attrs_;
};

ONNX_CPU_KERNEL("SoftmaxCrossEntropyLoss", 12, SoftmaxCrossEntropyLossKernel);
ONNX_CPU_KERNEL("SoftmaxCrossEntropyLoss", 13, SoftmaxCrossEntropyLossKernel);

}  // namespace
}  // namespace onnxfleet
