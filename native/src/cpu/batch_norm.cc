// BatchNormalization. Inference: y = (x - mean) / sqrt(var + eps) * scale + B per channel, folded into one
// multiply-add. Training (opset 14+: training_mode=1; earlier: when more than Y is requested) normalizes with
// the batch statistics and returns running_mean/var = input * momentum + batch * (1 - momentum); before 14 it
// also returns the saved batch mean and variance. Legacy spatial=0 takes parameters per (C, D1..Dn) element.
#include <algorithm>
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class BatchNormKernel : public Kernel {
 public:
  BatchNormKernel(const NodeDesc& n, const CompileContext&)
      : eps_(n.getFloat("epsilon", 1e-5f)),
        momentum_(n.getFloat("momentum", 0.9f)),
        spatial_(n.getInt("spatial", 1) != 0),
        training_(n.opset >= 14
                      ? n.getInt("training_mode", 0) != 0
                      : std::count_if(n.outputs.begin(), n.outputs.end(), [](int s) { return s >= 0; }) > 1) {
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 1, "input must have rank >= 1");
    const int64_t N = x.shape[0], C = x.rank() > 1 ? x.shape[1] : 1;
    int64_t S = x.rank() > 2 ? dimProduct(x.shape, 2, x.rank()) : 1;
    int64_t channels = C;  // parameter count
    if (!spatial_ && ctx.input(1).numel() == C * S && S > 1) channels = C * S, S = 1;
    for (int i = 1; i <= 4; ++i)
      check(ctx.input(i).numel() == channels, "input " + std::to_string(i) + " has " +
                                                  std::to_string(ctx.input(i).numel()) +
                                                  " elements, expected " + std::to_string(channels));
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "BatchNormalization", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      const std::vector<F> scale = loadFloats<F>(ctx.input(1), "scale"),
                           bias = loadFloats<F>(ctx.input(2), "B");
      std::vector<F> mean = loadFloats<F>(ctx.input(3), "mean"), var = loadFloats<F>(ctx.input(4), "var");
      const T* xp = x.as<T>();
      if (training_) {
        std::vector<F> bm(channels), bv(channels);
        const int64_t cnt = N * S;
        parallelFor(ctx.threads(), channels, std::max<int64_t>(1, 16384 / std::max<int64_t>(cnt, 1)),
                    [&](int64_t b, int64_t e) {
                      for (int64_t c = b; c < e; ++c) {
                        F s = 0, ss = 0;
                        for (int64_t n = 0; n < N; ++n) {
                          F m, v;
                          meanVar(xp + (n * channels + c) * S, S, m, v);
                          s += m * S, ss += (v + m * m) * S;
                        }
                        bm[c] = cnt ? s / F(cnt) : F(0);
                        bv[c] = cnt ? std::max(F(0), ss / F(cnt) - bm[c] * bm[c]) : F(0);
                      }
                    });
        const F mom = static_cast<F>(momentum_);
        std::vector<F> rm(channels), rv(channels);
        for (int64_t c = 0; c < channels; ++c)
          rm[c] = mean[c] * mom + bm[c] * (F(1) - mom), rv[c] = var[c] * mom + bv[c] * (F(1) - mom);
        const std::vector<F>* outs[4] = {&rm, &rv, &bm, &bv};
        for (int i = 1; i < 5 && i < ctx.numOutputs(); ++i) {
          if (!ctx.wantsOutput(i)) continue;
          const Tensor& like = ctx.input(3 + (i - 1) % 2);  // mean-like or var-like
          Tensor& o = ctx.allocOutput(i, like.dtype, like.shape);
          dispatchTypes<ONNXFLEET_FLOAT_TYPES>(o.dtype, "running statistics", [&](auto ot) {
            using O = typename decltype(ot)::type;
            for (int64_t c = 0; c < channels; ++c)
              o.as<O>()[c] = Num<O>::store(static_cast<typename Num<O>::C>((*outs[i - 1])[c]));
          });
        }
        mean.swap(bm), var.swap(bv);
      }
      std::vector<F> a(channels), b(channels);
      for (int64_t c = 0; c < channels; ++c) {
        a[c] = scale[c] / std::sqrt(var[c] + static_cast<F>(eps_));
        b[c] = bias[c] - mean[c] * a[c];
      }
      T* yp = y.as<T>();
      const int64_t rows = N * channels;
      parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(S, 1)),
                  [&](int64_t lo, int64_t hi) {
                    for (int64_t rr = lo; rr < hi; ++rr) {
                      const int64_t c = rr % channels;
                      const F ac = a[c], bc = b[c];
                      const T* xr = xp + rr * S;
                      T* yr = yp + rr * S;
                      for (int64_t i = 0; i < S; ++i)
                        yr[i] = Num<T>::store(static_cast<F>(Num<T>::load(xr[i])) * ac + bc);
                    }
                  });
    });
  }

 private:
  float eps_, momentum_;
  bool spatial_, training_;
};

// 1/6: is_test, spatial; 7: no is_test; 9: any rank, no spatial; 14: training_mode; 15: mixed param types.
ONNX_CPU_KERNEL("BatchNormalization", 1, BatchNormKernel);
ONNX_CPU_KERNEL("BatchNormalization", 6, BatchNormKernel);
ONNX_CPU_KERNEL("BatchNormalization", 7, BatchNormKernel);
ONNX_CPU_KERNEL("BatchNormalization", 9, BatchNormKernel);
ONNX_CPU_KERNEL("BatchNormalization", 14, BatchNormKernel);
ONNX_CPU_KERNEL("BatchNormalization", 15, BatchNormKernel);

}  // namespace
}  // namespace onnxfleet
