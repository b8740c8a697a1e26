// Channels-last pooling for the nhwc-layout pass (domain com.ms.internal.nhwc, as onnxruntime names it):
// MaxPool / AveragePool over 2-D float32 input [N, H, W, C] and GlobalAveragePool / GlobalMaxPool over
// [N, spatial..., C] (output [N, 1..., C]). Attributes mean what they mean for the ai.onnx ops. The inner
// loops run over C, which is contiguous, so they vectorize; work is split over output rows.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

// One spatial axis of a pooling window: output size and padding, as the ai.onnx pooling ops resolve them.
struct PoolAxis {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, dil = 1, padBegin = 0, padEnd = 0;
};

class NhwcPoolKernel : public Kernel {
 public:
  NhwcPoolKernel(const NodeDesc& n, const CompileContext&)
      : max_(n.opType == "MaxPool"),
        kernel_(n.required("kernel_shape").ints),
        strides_(n.getInts("strides", {1, 1})),
        dilations_(n.getInts("dilations", {1, 1})),
        pads_(n.getInts("pads", {0, 0, 0, 0})),
        autoPad_(n.getString("auto_pad", "NOTSET")),
        ceil_(n.getInt("ceil_mode", 0) != 0),
        includePad_(n.getInt("count_include_pad", 0) != 0) {
    check(kernel_.size() == 2 && strides_.size() == 2 && dilations_.size() == 2 && pads_.size() == 4,
          "channels-last pooling takes a 2-D kernel_shape with matching strides, dilations and pads");
    check(n.getInt("storage_order", 0) == 0, "channels-last MaxPool has no storage_order");
    check(n.outputs.size() < 2 || n.outputs[1] < 0, "channels-last MaxPool has no Indices output");
    for (int i = 0; i < 2; ++i)
      check(kernel_[i] > 0 && strides_[i] > 0 && dilations_[i] > 0 && pads_[i] >= 0 && pads_[i + 2] >= 0,
            "kernel_shape, strides and dilations must be positive and pads non-negative");
    if (autoPad_.empty()) autoPad_ = "NOTSET";
    check(autoPad_ == "NOTSET" || autoPad_ == "VALID" || autoPad_ == "SAME_UPPER" || autoPad_ == "SAME_LOWER",
          "unknown auto_pad '" + autoPad_ + "'");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 4, "X must be [N, H, W, C], got " + shapeToString(x.shape));
    check(x.dtype == DType::Float, "channels-last pooling supports float32 only, got " + x.describe());
    const PoolAxis ah = axis(0, x.shape[1]), aw = axis(1, x.shape[2]);
    const int64_t N = x.shape[0], C = x.shape[3];
    Tensor& y = ctx.allocOutput(0, x.dtype, {N, ah.out, aw.out, C});
    if (y.numel() == 0) return;
    const float* xp = x.as<float>();
    float* yp = y.as<float>();
    const int64_t rows = N * ah.out;
    parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, aw.out * C)),
                [&](int64_t b, int64_t e) {
                  for (int64_t r = b; r < e; ++r) {
                    const int64_t n = r / ah.out, oh = r % ah.out;
                    for (int64_t ow = 0; ow < aw.out; ++ow)
                      window(xp + n * x.shape[1] * x.shape[2] * C, yp + (r * aw.out + ow) * C, ah, aw, oh, ow,
                             x.shape[2], C);
                  }
                });
  }

 private:
  PoolAxis axis(int d, int64_t in) const {
    PoolAxis a;
    a.in = in, a.kernel = kernel_[d], a.stride = strides_[d], a.dil = dilations_[d];
    const int64_t ext = (a.kernel - 1) * a.dil + 1;
    if (autoPad_ == "SAME_UPPER" || autoPad_ == "SAME_LOWER") {
      a.out = (in + a.stride - 1) / a.stride;
      const int64_t total = std::max<int64_t>(0, (a.out - 1) * a.stride + ext - in);
      a.padBegin = autoPad_ == "SAME_UPPER" ? total / 2 : total - total / 2;
      a.padEnd = total - a.padBegin;
    } else {
      if (autoPad_ == "NOTSET") a.padBegin = pads_[d], a.padEnd = pads_[d + 2];
      const int64_t span = in + a.padBegin + a.padEnd - ext;
      check(span >= 0, "kernel extent " + std::to_string(ext) + " exceeds padded input size " +
                           std::to_string(in + a.padBegin + a.padEnd));
      a.out = (ceil_ ? (span + a.stride - 1) / a.stride : span / a.stride) + 1;
      if (ceil_ && (a.out - 1) * a.stride >= in + a.padBegin) --a.out;  // no window starting in the end pad
    }
    return a;
  }

  // Taps [k0, k1) of output index o that land inside the input; `padded` counts those inside the pads.
  static void taps(const PoolAxis& a, int64_t o, int64_t& k0, int64_t& k1, int64_t& padded) {
    const int64_t s = o * a.stride - a.padBegin;
    k0 = 0, k1 = a.kernel, padded = 0;
    while (k0 < a.kernel && s + k0 * a.dil < 0) ++k0;
    while (k1 > k0 && s + (k1 - 1) * a.dil >= a.in) --k1;
    for (int64_t k = 0; k < a.kernel; ++k) padded += s + k * a.dil < a.in + a.padEnd;
  }

  // One output pixel (all C channels) from the image at `x` ([H, W, C]).
  void window(const float* x, float* y, const PoolAxis& ah, const PoolAxis& aw, int64_t oh, int64_t ow,
              int64_t W, int64_t C) const {
    int64_t h0, h1, hp, w0, w1, wp;
    taps(ah, oh, h0, h1, hp);
    taps(aw, ow, w0, w1, wp);
    const float init = max_ ? -std::numeric_limits<float>::infinity() : 0.f;
    for (int64_t c = 0; c < C; ++c) y[c] = init;
    for (int64_t kh = h0; kh < h1; ++kh) {
      const int64_t ih = oh * ah.stride - ah.padBegin + kh * ah.dil;
      for (int64_t kw = w0; kw < w1; ++kw) {
        const int64_t iw = ow * aw.stride - aw.padBegin + kw * aw.dil;
        const float* xr = x + (ih * W + iw) * C;
        if (max_)
          for (int64_t c = 0; c < C; ++c) y[c] = (xr[c] > y[c] || xr[c] != xr[c]) ? xr[c] : y[c];
        else
          for (int64_t c = 0; c < C; ++c) y[c] += xr[c];
      }
    }
    if (!max_) {
      const int64_t n = includePad_ ? hp * wp : (h1 - h0) * (w1 - w0);
      const float inv = n > 0 ? 1.f / static_cast<float>(n) : std::numeric_limits<float>::quiet_NaN();
      for (int64_t c = 0; c < C; ++c) y[c] *= inv;
    }
  }

  bool max_;
  std::vector<int64_t> kernel_, strides_, dilations_, pads_;
  std::string autoPad_;
  bool ceil_, includePad_;
};

// Global pooling: a reduction over the spatial axes (1 .. rank-2), keeping N and C.
struct GlobalAvg {
  using Acc = float;
  float init() const { return 0.f; }
  void step(float& a, float v) const { a += v; }
  void merge(float& a, float b) const { a += b; }
  float finish(float a, int64_t n) const { return a / static_cast<float>(n); }
};
struct GlobalMax {
  using Acc = float;
  float init() const { return -std::numeric_limits<float>::infinity(); }
  void step(float& a, float v) const { a = (v > a || v != v) ? v : a; }
  void merge(float& a, float b) const { a = (b > a || b != b) ? b : a; }
  float finish(float a, int64_t) const { return a; }
};

template <typename Op>
class NhwcGlobalPoolKernel : public Kernel {
 public:
  NhwcGlobalPoolKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 3, "X must be [N, spatial..., C], got " + shapeToString(x.shape));
    check(x.dtype == DType::Float, "channels-last pooling supports float32 only, got " + x.describe());
    Shape out = x.shape;
    std::vector<bool> red(x.rank(), false);
    for (int d = 1; d + 1 < x.rank(); ++d) out[d] = 1, red[d] = true;
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    const ReducePlan plan = makeReducePlan(x.shape, red);
    check(plan.count > 0 || plan.outputs == 0, "global pooling over an empty image");
    runReduce(plan, x.as<float>(), y.as<float>(), ctx.threads(), Op());
  }
};

#define NHWC_KERNEL(OP, K) ONNXFLEET_KERNEL("com.ms.internal.nhwc", OP, 1, "cpu", K)
NHWC_KERNEL("MaxPool", NhwcPoolKernel);
NHWC_KERNEL("AveragePool", NhwcPoolKernel);
NHWC_KERNEL("GlobalAveragePool", NhwcGlobalPoolKernel<GlobalAvg>);
NHWC_KERNEL("GlobalMaxPool", NhwcGlobalPoolKernel<GlobalMax>);
#undef NHWC_KERNEL

}  // namespace
}  // namespace onnxfleet
