// DepthToSpace (DCR, and CRD from opset 11) and SpaceToDepth on NCHW tensors: a reshape to 6-D, a
// permutation, a reshape back, done as one strided copy.
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// Copies the 6-D view `six` of x permuted by `perm` into y (contiguous).
void permuteCopy(KernelContext& ctx, const Tensor& x, Tensor& y, const Shape& six, const int (&perm)[6],
                 const char* what) {
  const std::vector<int64_t> st = contiguousStrides(six);
  Shape shape(6);
  std::vector<int64_t> strides(6);
  for (int i = 0; i < 6; ++i) shape[i] = six[perm[i]], strides[i] = st[perm[i]];
  stridedCopy(x.dtype, y.data, x.data, 0, shape, strides, ctx.threads(), what);
}

class DepthToSpaceKernel : public Kernel {
 public:
  DepthToSpaceKernel(const NodeDesc& n, const CompileContext&)
      : b_(n.required("blocksize").i), crd_(n.sinceVersion >= 11 && n.getString("mode", "DCR") == "CRD") {
    const std::string mode = n.getString("mode", "DCR");
    check(mode == "DCR" || mode == "CRD", "unsupported mode '" + mode + "'");
    check(b_ > 0, "blocksize must be positive");
  }
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 4, "DepthToSpace needs a 4-D NCHW input");
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], b = b_;
    check(C % (b * b) == 0, "channels " + std::to_string(C) + " are not divisible by blocksize^2");
    const int64_t c = C / (b * b);
    Tensor& y = ctx.allocOutput(0, x.dtype, {N, c, H * b, W * b});
    if (crd_) {
      static const int perm[6] = {0, 1, 4, 2, 5, 3};
      permuteCopy(ctx, x, y, {N, c, b, b, H, W}, perm, "DepthToSpace");
    } else {
      static const int perm[6] = {0, 3, 4, 1, 5, 2};
      permuteCopy(ctx, x, y, {N, b, b, c, H, W}, perm, "DepthToSpace");
    }
  }

 private:
  int64_t b_;
  bool crd_;
};

class SpaceToDepthKernel : public Kernel {
 public:
  SpaceToDepthKernel(const NodeDesc& n, const CompileContext&) : b_(n.required("blocksize").i) {
    check(b_ > 0, "blocksize must be positive");
  }
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 4, "SpaceToDepth needs a 4-D NCHW input");
    const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3], b = b_;
    check(H % b == 0 && W % b == 0, "spatial dims are not divisible by blocksize " + std::to_string(b));
    Tensor& y = ctx.allocOutput(0, x.dtype, {N, C * b * b, H / b, W / b});
    static const int perm[6] = {0, 3, 5, 1, 2, 4};
    permuteCopy(ctx, x, y, {N, C, H / b, b, W / b, b}, perm, "SpaceToDepth");
  }

 private:
  int64_t b_;
};

ONNX_CPU_KERNEL("DepthToSpace", 1, DepthToSpaceKernel);
ONNX_CPU_KERNEL("DepthToSpace", 11, DepthToSpaceKernel);
ONNX_CPU_KERNEL("SpaceToDepth", 1, SpaceToDepthKernel);

}  // namespace
}  // namespace onnxfleet
