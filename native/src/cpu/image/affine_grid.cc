// AffineGrid (20): the sampling grid of torch.nn.functional.affine_grid. theta [N, 2, 3] with size
// [N, C, H, W] gives grid [N, H, W, 2]; theta [N, 3, 4] with size [N, C, D, H, W] gives [N, D, H, W, 3].
// Each grid point is theta applied to the homogeneous base position (x, y[, z], 1), x along the last axis.
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class AffineGridKernel : public Kernel {
 public:
  AffineGridKernel(const NodeDesc& n, const CompileContext&)
      : alignCorners_(n.getInt("align_corners", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& theta = ctx.input(0);
    const Tensor& sizeT = ctx.input(1);
    check(sizeT.dtype == DType::Int64 && sizeT.rank() == 1 && (sizeT.numel() == 4 || sizeT.numel() == 5),
          "AffineGrid size must be int64 [4] or [5], got " + sizeT.describe());
    const std::vector<int64_t> size(sizeT.as<int64_t>(), sizeT.as<int64_t>() + sizeT.numel());
    const int nd = static_cast<int>(size.size()) - 2;  // spatial dims: 2 or 3
    const int64_t batch = size[0];
    check(theta.rank() == 3 && theta.shape[0] == batch && theta.shape[1] == nd && theta.shape[2] == nd + 1,
          "AffineGrid theta must be [" + std::to_string(batch) + ", " + std::to_string(nd) + ", " +
              std::to_string(nd + 1) + "], got " + theta.describe());
    Shape outShape{batch};
    for (int d = 0; d < nd; ++d) outShape.push_back(size[2 + d]);
    outShape.push_back(nd);
    checkedNumel(outShape, "AffineGrid output");
    Tensor& grid = ctx.allocOutput(0, theta.dtype, outShape);
    if (grid.numel() == 0) return;
    // Base coordinates per spatial axis (axis order D, H, W), evenly spaced in [-1, 1].
    std::vector<std::vector<double>> base(nd);
    for (int d = 0; d < nd; ++d) {
      const int64_t len = size[2 + d];
      for (int64_t i = 0; i < len; ++i) {
        double v;
        if (alignCorners_)
          v = len > 1 ? -1.0 + 2.0 * i / (len - 1) : 0.0;
        else
          v = (2.0 * i + 1.0) / len - 1.0;
        base[d].push_back(v);
      }
    }
    const int64_t points = shapeNumel(Shape(outShape.begin() + 1, outShape.end() - 1));
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(theta.dtype, "AffineGrid", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const T* th = theta.as<T>();
      T* out = grid.as<T>();
      parallelFor(ctx.threads(), batch * points, 4096, [&](int64_t b, int64_t e) {
        double pos[4];
        for (int64_t i = b; i < e; ++i) {
          const int64_t n = i / points;
          int64_t rem = i % points;
          for (int d = nd - 1; d >= 0; --d) {  // pos[0] = x (last axis), pos[1] = y, pos[2] = z
            const int64_t len = size[2 + d];
            pos[nd - 1 - d] = base[d][rem % len];
            rem /= len;
          }
          pos[nd] = 1.0;
          const T* m = th + n * nd * (nd + 1);
          for (int row = 0; row < nd; ++row) {
            double acc = 0;
            for (int k = 0; k <= nd; ++k) acc += static_cast<double>(loadC(m[row * (nd + 1) + k])) * pos[k];
            out[i * nd + row] = storeC<T>(static_cast<C>(acc));
          }
        }
      });
    });
  }

 private:
  bool alignCorners_;
};

ONNX_CPU_KERNEL("AffineGrid", 20, AffineGridKernel);

}  // namespace
}  // namespace onnxfleet
