// Tile: output dim i = d_i * repeats_i, read as the view [r0, d0, r1, d1, ...] with stride 0 on every
// repeat dim. Tile-1 took a scalar `tiles` count and an `axis` input instead of per-dim repeats.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class TileKernel : public Kernel {
 public:
  TileKernel(const NodeDesc& n, const CompileContext&) : legacy_(n.sinceVersion < 6) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const size_t r = x.shape.size();
    std::vector<int64_t> reps;
    if (legacy_) {
      const int64_t tiles = readScalarInt(ctx.input(1), "tiles");
      const int64_t axis = normalizeAxis(readScalarInt(ctx.input(2), "axis"), static_cast<int64_t>(r));
      reps.assign(r, 1);
      reps[axis] = tiles;
    } else {
      reps = readInts(ctx.input(1), "repeats");
      check(ctx.input(1).rank() == 1 && reps.size() == r,
            "repeats must be 1-D with one entry per input dim (" + std::to_string(r) + ")");
    }
    Shape out(r), view;
    std::vector<int64_t> strides;
    const std::vector<int64_t> xs = contiguousStrides(x.shape);
    for (size_t i = 0; i < r; ++i) {
      check(reps[i] >= 0, "negative repeat " + std::to_string(reps[i]));
      check(x.shape[i] == 0 || reps[i] <= (int64_t{1} << 48) / x.shape[i],
            "repeats " + shapeToString(reps) + " give too many elements");
      out[i] = x.shape[i] * reps[i];
      view.push_back(reps[i]);
      strides.push_back(0);
      view.push_back(x.shape[i]);
      strides.push_back(xs[i]);
    }
    checkedNumel(out, "Tile");
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    stridedCopy(x.dtype, y.data, x.data, 0, view, strides, ctx.threads(), "Tile");
  }

 private:
  bool legacy_;
};

ONNX_CPU_KERNEL("Tile", 1, TileKernel);
ONNX_CPU_KERNEL("Tile", 6, TileKernel);

}  // namespace
}  // namespace onnxfleet
