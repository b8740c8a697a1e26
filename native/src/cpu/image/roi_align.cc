// RoiAlign (10, 16, 22): pools each region of interest of X [N, C, H, W] into [output_height, output_width]
// bins, averaging (or taking the max of) bilinear samples on a regular grid inside each bin. Opset 10 has no
// coordinate_transformation_mode and behaves as 'output_half_pixel'.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// One bilinear sample: four input offsets and their weights (all-zero weights for a sample off the map).
struct Sample {
  int64_t pos[4];
  double w[4];
};

class RoiAlignKernel : public Kernel {
 public:
  RoiAlignKernel(const NodeDesc& n, const CompileContext&)
      : outH_(n.getInt("output_height", 1)),
        outW_(n.getInt("output_width", 1)),
        sampling_(n.getInt("sampling_ratio", 0)),
        scale_(n.getFloat("spatial_scale", 1.f)) {
    const std::string mode = n.getString("mode", "avg");
    check(mode == "avg" || mode == "max", "RoiAlign: mode must be 'avg' or 'max', got '" + mode + "'");
    max_ = mode == "max";
    const std::string ct = n.getString("coordinate_transformation_mode",
                                       n.sinceVersion < 16 ? "output_half_pixel" : "half_pixel");
    check(ct == "half_pixel" || ct == "output_half_pixel",
          "RoiAlign: unsupported coordinate_transformation_mode '" + ct + "'");
    halfPixel_ = ct == "half_pixel";
    check(outH_ > 0 && outW_ > 0, "RoiAlign: output_height and output_width must be positive");
    check(sampling_ >= 0, "RoiAlign: sampling_ratio must be non-negative");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& rois = ctx.input(1);
    const Tensor& bi = ctx.input(2);
    check(x.rank() == 4, "RoiAlign input must be 4-D [N, C, H, W], got " + x.describe());
    check(rois.rank() == 2 && rois.shape[1] == 4,
          "RoiAlign rois must be [num_rois, 4], got " + rois.describe());
    check(rois.dtype == x.dtype, "RoiAlign rois must have X's dtype");
    check(bi.rank() == 1 && bi.shape[0] == rois.shape[0],
          "RoiAlign batch_indices must be [num_rois], got " + bi.describe());
    check(bi.dtype == DType::Int64 || bi.dtype == DType::Int32, "RoiAlign batch_indices must be int64");
    const int64_t numRois = rois.shape[0], chans = x.shape[1], height = x.shape[2], width = x.shape[3];
    std::vector<int64_t> batchIdx(static_cast<size_t>(numRois));
    for (int64_t i = 0; i < numRois; ++i) {
      batchIdx[i] = bi.dtype == DType::Int64 ? bi.as<int64_t>()[i] : bi.as<int32_t>()[i];
      check(batchIdx[i] >= 0 && batchIdx[i] < x.shape[0],
            "RoiAlign batch index " + std::to_string(batchIdx[i]) + " out of range");
    }
    Tensor& y = ctx.allocOutput(0, x.dtype, {numRois, chans, outH_, outW_});
    if (y.numel() == 0) return;
    check(height > 0 && width > 0, "RoiAlign input has an empty spatial dim");
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "RoiAlign", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const T* src = x.as<T>();
      const T* roi = rois.as<T>();
      T* dst = y.as<T>();
      parallelFor(ctx.threads(), numRois, 1, [&](int64_t b, int64_t e) {
        std::vector<Sample> samples;
        for (int64_t n = b; n < e; ++n) {
          int64_t gridH = 0, gridW = 0;
          buildSamples(roi + n * 4, height, width, samples, gridH, gridW);
          const double count = static_cast<double>(std::max<int64_t>(gridH * gridW, 1));
          const int64_t per = gridH * gridW;
          for (int64_t c = 0; c < chans; ++c) {
            const T* plane = src + (batchIdx[n] * chans + c) * height * width;
            T* out = dst + (n * chans + c) * outH_ * outW_;
            for (int64_t bin = 0; bin < outH_ * outW_; ++bin) {
              double acc = 0;
              bool first = true;
              for (int64_t s = 0; s < per; ++s) {
                const Sample& sp = samples[bin * per + s];
                if (max_) {
                  double v = sp.w[0] * loadC(plane[sp.pos[0]]);
                  for (int k = 1; k < 4; ++k) v = std::max(v, sp.w[k] * loadC(plane[sp.pos[k]]));
                  acc = first ? v : std::max(acc, v);
                  first = false;
                } else {
                  for (int k = 0; k < 4; ++k) acc += sp.w[k] * loadC(plane[sp.pos[k]]);
                }
              }
              out[bin] = storeC<T>(static_cast<C>(max_ ? acc : acc / count));
            }
          }
        }
      });
    });
  }

 private:
  // Sample positions and bilinear weights for every bin of one roi, bin-major.
  template <typename T>
  void buildSamples(const T* roi, int64_t height, int64_t width, std::vector<Sample>& out, int64_t& gridH,
                    int64_t& gridW) const {
    const double off = halfPixel_ ? 0.5 : 0.0;
    const double x0 = loadC(roi[0]) * scale_ - off, y0 = loadC(roi[1]) * scale_ - off;
    const double x1 = loadC(roi[2]) * scale_ - off, y1 = loadC(roi[3]) * scale_ - off;
    double rw = x1 - x0, rh = y1 - y0;
    if (!halfPixel_) rw = std::max(rw, 1.0), rh = std::max(rh, 1.0);
    const double binH = rh / outH_, binW = rw / outW_;
    auto gridOf = [&](double extent, int64_t bins) -> int64_t {
      if (sampling_ > 0) return sampling_;
      const double g = std::ceil(extent / bins);
      return g > 0 && g < 1e6 ? static_cast<int64_t>(g) : 0;
    };
    gridH = gridOf(rh, outH_);
    gridW = gridOf(rw, outW_);
    out.clear();
    for (int64_t ph = 0; ph < outH_; ++ph)
      for (int64_t pw = 0; pw < outW_; ++pw)
        for (int64_t iy = 0; iy < gridH; ++iy)
          for (int64_t ix = 0; ix < gridW; ++ix) {
            double yy = y0 + ph * binH + (iy + 0.5) * binH / gridH;
            double xx = x0 + pw * binW + (ix + 0.5) * binW / gridW;
            Sample s{{0, 0, 0, 0}, {0, 0, 0, 0}};
            if (yy >= -1.0 && yy <= height && xx >= -1.0 && xx <= width) {  // false for NaN too
              yy = std::max(yy, 0.0), xx = std::max(xx, 0.0);
              int64_t yl = static_cast<int64_t>(yy), xl = static_cast<int64_t>(xx), yh, xh;
              if (yl >= height - 1)
                yh = yl = height - 1, yy = static_cast<double>(yl);
              else
                yh = yl + 1;
              if (xl >= width - 1)
                xh = xl = width - 1, xx = static_cast<double>(xl);
              else
                xh = xl + 1;
              const double ly = yy - yl, lx = xx - xl, hy = 1 - ly, hx = 1 - lx;
              s = Sample{{yl * width + xl, yl * width + xh, yh * width + xl, yh * width + xh},
                         {hy * hx, hy * lx, ly * hx, ly * lx}};
            }
            out.push_back(s);
          }
  }

  int64_t outH_, outW_, sampling_;
  float scale_;
  bool max_ = false, halfPixel_ = true;
};

ONNX_CPU_KERNEL("RoiAlign", 10, RoiAlignKernel);
ONNX_CPU_KERNEL("RoiAlign", 16, RoiAlignKernel);
ONNX_CPU_KERNEL("RoiAlign", 22, RoiAlignKernel);

}  // namespace
}  // namespace onnxfleet
