// NonMaxSuppression: per (batch, class), greedily keeps the highest-scoring boxes whose IoU with every box
// kept so far is not above iou_threshold, up to max_output_boxes_per_class. Boxes are [y1, x1, y2, x2] (any
// two opposite corners) or, with center_point_box=1, [x_center, y_center, width, height]. A score_threshold
// input drops boxes whose score is not strictly above it; NaN scores are dropped. Ties in score keep the
// lower box index first. Output rows are [batch, class, box], in batch then class then selection order.
#include <algorithm>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

struct Box {
  float xmin, xmax, ymin, ymax, area;
};

class NonMaxSuppressionKernel : public Kernel {
 public:
  NonMaxSuppressionKernel(const NodeDesc& n, const CompileContext&)
      : centerPoint_(n.getInt("center_point_box", 0)) {
    check(centerPoint_ == 0 || centerPoint_ == 1, "NonMaxSuppression: center_point_box must be 0 or 1");
  }
  void compute(KernelContext& ctx) override {
    const Tensor& boxes = ctx.input(0);
    const Tensor& scores = ctx.input(1);
    check(boxes.dtype == DType::Float && scores.dtype == DType::Float,
          "NonMaxSuppression: boxes and scores must be float");
    check(boxes.rank() == 3 && boxes.shape[2] == 4,
          "boxes must be [batches, boxes, 4], got " + boxes.describe());
    check(scores.rank() == 3 && scores.shape[0] == boxes.shape[0] && scores.shape[2] == boxes.shape[1],
          "scores must be [batches, classes, boxes] matching boxes " + boxes.describe() + ", got " +
              scores.describe());
    int64_t maxOut = 0;
    if (ctx.hasInput(2) && ctx.input(2).numel() > 0)
      maxOut = std::max<int64_t>(0, readInts(ctx.input(2), "max_output_boxes_per_class")[0]);
    const float iouThr = ctx.hasInput(3) ? scalarFloat(ctx.input(3), "iou_threshold") : 0.f;
    const bool hasScoreThr = ctx.hasInput(4) && ctx.input(4).numel() > 0;
    const float scoreThr = hasScoreThr ? scalarFloat(ctx.input(4), "score_threshold") : 0.f;
    const int64_t nb = boxes.shape[0], ns = boxes.shape[1], nc = scores.shape[1];
    std::vector<std::vector<int64_t>> picked(static_cast<size_t>(maxOut > 0 ? nb * nc : 0));
    const float* bp = boxes.as<float>();
    const float* sp = scores.as<float>();
    parallelFor(ctx.threads(), static_cast<int64_t>(picked.size()), 1, [&](int64_t b, int64_t e) {
      std::vector<Box> dec(static_cast<size_t>(ns));
      std::vector<int64_t> order;
      int64_t decoded = -1;
      for (int64_t w = b; w < e; ++w) {
        const int64_t batch = w / nc;
        if (decoded != batch) decode(bp + batch * ns * 4, ns, dec), decoded = batch;
        const float* s = sp + w * ns;
        order.clear();
        for (int64_t i = 0; i < ns; ++i)
          if (s[i] == s[i] && (!hasScoreThr || s[i] > scoreThr)) order.push_back(i);
        std::sort(order.begin(), order.end(),
                  [&](int64_t a, int64_t c) { return s[a] > s[c] || (s[a] == s[c] && a < c); });
        std::vector<int64_t>& keep = picked[w];
        for (int64_t cand : order) {
          if (static_cast<int64_t>(keep.size()) >= maxOut) break;
          bool ok = true;
          for (int64_t k : keep)
            if (suppress(dec[cand], dec[k], iouThr)) {
              ok = false;
              break;
            }
          if (ok) keep.push_back(cand);
        }
      }
    });
    int64_t total = 0;
    for (const auto& k : picked) total += static_cast<int64_t>(k.size());
    Tensor& y = ctx.allocOutput(0, DType::Int64, {total, 3});
    int64_t* out = y.as<int64_t>();
    for (size_t w = 0; w < picked.size(); ++w)
      for (int64_t box : picked[w]) {
        *out++ = static_cast<int64_t>(w) / nc;
        *out++ = static_cast<int64_t>(w) % nc;
        *out++ = box;
      }
  }

 private:
  static float scalarFloat(const Tensor& t, const char* what) {
    check(t.dtype == DType::Float && t.numel() == 1,
          std::string("NonMaxSuppression: ") + what + " must be one float, got " + t.describe());
    return t.as<float>()[0];
  }
  void decode(const float* b, int64_t n, std::vector<Box>& out) const {
    for (int64_t i = 0; i < n; ++i, b += 4) {
      Box& o = out[i];
      if (centerPoint_ == 0) {
        o.ymin = std::min(b[0], b[2]), o.ymax = std::max(b[0], b[2]);
        o.xmin = std::min(b[1], b[3]), o.xmax = std::max(b[1], b[3]);
      } else {
        const float hw = b[2] / 2, hh = b[3] / 2;
        o.xmin = b[0] - hw, o.xmax = b[0] + hw, o.ymin = b[1] - hh, o.ymax = b[1] + hh;
      }
      o.area = (o.xmax - o.xmin) * (o.ymax - o.ymin);
    }
  }
  static bool suppress(const Box& a, const Box& b, float thr) {
    const float ixmin = std::max(a.xmin, b.xmin), ixmax = std::min(a.xmax, b.xmax);
    if (ixmax <= ixmin) return false;
    const float iymin = std::max(a.ymin, b.ymin), iymax = std::min(a.ymax, b.ymax);
    if (iymax <= iymin) return false;
    const float inter = (ixmax - ixmin) * (iymax - iymin);
    const float uni = a.area + b.area - inter;
    if (inter <= 0 || a.area <= 0 || b.area <= 0 || uni <= 0) return false;
    return inter / uni > thr;
  }
  int64_t centerPoint_;
};

ONNX_CPU_KERNEL("NonMaxSuppression", 10, NonMaxSuppressionKernel);
ONNX_CPU_KERNEL("NonMaxSuppression", 11, NonMaxSuppressionKernel);

}  // namespace
}  // namespace onnxfleet
