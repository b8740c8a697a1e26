// DynamicQuantizeLinear (opset 11): uint8 quantization with a scale and zero point computed from x's range
// (widened to include 0): scale = (max - min) / 255 (1 / 255 when max == min),
// zero_point = round(clamp(-min / scale, 0, 255)), y = clamp(round(x / scale) + zero_point, 0, 255),
// rounding half to even throughout.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/parallel.h"
#include "cpu/quant/quant_util.h"

namespace onnxfleet {
namespace {

class DynamicQuantizeLinearKernel : public Kernel {
 public:
  DynamicQuantizeLinearKernel(const NodeDesc&, const CompileContext&) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.dtype == DType::Float, std::string("x must be float, got ") + dtypeName(x.dtype));
    const float* xp = x.as<float>();
    const int64_t n = x.numel();

    // Range of x, including 0. NaN elements are ignored.
    const int threads = ctx.threads();
    const int64_t chunk = 65536, chunks = std::max<int64_t>(1, (n + chunk - 1) / chunk);
    std::vector<float> mins(chunks, 0.f), maxs(chunks, 0.f);
    parallelFor(threads, chunks, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        float lo = 0.f, hi = 0.f;
        for (int64_t i = c * chunk, e = std::min(n, i + chunk); i < e; ++i)
          lo = std::min(lo, xp[i]), hi = std::max(hi, xp[i]);
        mins[c] = lo, maxs[c] = hi;
      }
    });
    const float minx = *std::min_element(mins.begin(), mins.end());
    const float maxx = *std::max_element(maxs.begin(), maxs.end());
    const float scale = (maxx == minx ? 1.0f : maxx - minx) / 255.0f;
    const float zpf = std::nearbyint(std::min(255.0f, std::max(0.0f, 0.0f - minx / scale)));
    const int32_t zp = static_cast<int32_t>(zpf);

    Tensor& y = ctx.allocOutput(0, DType::UInt8, x.shape);
    ctx.allocOutput(1, DType::Float, {}).as<float>()[0] = scale;
    ctx.allocOutput(2, DType::UInt8, {}).as<uint8_t>()[0] = static_cast<uint8_t>(zp);
    uint8_t* yp = y.as<uint8_t>();
    parallelFor(threads, n, 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) yp[i] = static_cast<uint8_t>(roundClamp(xp[i] / scale, zp, 0, 255));
    });
  }
};

ONNX_CPU_KERNEL("DynamicQuantizeLinear", 11, DynamicQuantizeLinearKernel);

}  // namespace
}  // namespace onnxfleet
