// Reshape, Flatten, Squeeze, Unsqueeze: the output aliases the input's memory with a new shape (no copy).
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// Reshape-1 takes the shape as an attribute, 5+ as an input; 14 adds allowzero (0 means a real zero dim).
class ReshapeKernel : public Kernel {
 public:
  ReshapeKernel(const NodeDesc& n, const CompileContext&)
      : fromAttr_(n.sinceVersion < 5),
        allowZero_(n.getInt("allowzero", 0) != 0),
        shape_(n.getInts("shape")) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> req = fromAttr_ ? shape_ : readInts(ctx.input(1), "shape");
    Shape out(req.size());
    int inferAt = -1;
    for (size_t i = 0; i < req.size(); ++i) {
      int64_t d = req[i];
      if (d == 0 && !allowZero_) {
        check(i < x.shape.size(),
              "shape entry 0 at position " + std::to_string(i) + " has no input dim to copy");
        d = x.shape[i];
      } else if (d == -1) {
        check(inferAt < 0, "shape has more than one -1");
        inferAt = static_cast<int>(i);
        d = 1;
      }
      check(d >= 0, "invalid shape entry " + std::to_string(req[i]));
      out[i] = d;
    }
    const int64_t known = checkedNumel(out, "Reshape");
    const int64_t n = x.numel();
    if (inferAt >= 0) {
      check(known != 0 ? n % known == 0 : false,
            "cannot infer the -1 dim of " + shapeToString(req) + " for " + std::to_string(n) + " elements");
      out[inferAt] = n / known;
    } else {
      check(known == n, "cannot reshape " + shapeToString(x.shape) + " to " + shapeToString(req));
    }
    ctx.setOutput(0, withShape(x, std::move(out)));
  }

 private:
  bool fromAttr_, allowZero_;
  std::vector<int64_t> shape_;
};

// Flatten: [d0..d(axis-1)] x [d(axis)..]; axis in [-rank, rank].
class FlattenKernel : public Kernel {
 public:
  FlattenKernel(const NodeDesc& n, const CompileContext&) : axis_(n.getInt("axis", 1)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t r = x.rank();
    check(axis_ >= -r && axis_ <= r,
          "axis " + std::to_string(axis_) + " is out of range for rank " + std::to_string(r));
    const size_t a = static_cast<size_t>(axis_ < 0 ? axis_ + r : axis_);
    ctx.setOutput(0, withShape(x, {dimProduct(x.shape, 0, a), dimProduct(x.shape, a, x.shape.size())}));
  }

 private:
  int64_t axis_;
};

// Squeeze/Unsqueeze: axes are an attribute before opset 13, an input from 13 on.
class SqueezeKernel : public Kernel {
 public:
  SqueezeKernel(const NodeDesc& n, const CompileContext&)
      : fromAttr_(n.sinceVersion < 13), hasAttr_(n.has("axes")), axes_(n.getInts("axes")) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> axes;  // empty (absent or an empty list): drop every size-1 dim
    if (fromAttr_ ? hasAttr_ : ctx.hasInput(1)) axes = fromAttr_ ? axes_ : readInts(ctx.input(1), "axes");
    std::vector<char> drop(x.shape.size(), 0);
    if (!axes.empty()) {
      for (int64_t a : normalizeAxes(axes, x.rank())) {
        check(x.shape[a] == 1,
              "cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(x.shape[a]));
        drop[a] = 1;
      }
    } else {
      for (size_t i = 0; i < x.shape.size(); ++i) drop[i] = x.shape[i] == 1;
    }
    Shape out;
    for (size_t i = 0; i < x.shape.size(); ++i)
      if (!drop[i]) out.push_back(x.shape[i]);
    ctx.setOutput(0, withShape(x, std::move(out)));
  }

 private:
  bool fromAttr_, hasAttr_;
  std::vector<int64_t> axes_;
};

class UnsqueezeKernel : public Kernel {
 public:
  UnsqueezeKernel(const NodeDesc& n, const CompileContext&)
      : fromAttr_(n.sinceVersion < 13), axes_(n.getInts("axes")) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const std::vector<int64_t> req = fromAttr_ ? axes_ : readInts(ctx.input(1), "axes");
    const int64_t r = x.rank() + static_cast<int64_t>(req.size());
    std::vector<char> ins(static_cast<size_t>(r), 0);
    for (int64_t a : normalizeAxes(req, r)) ins[a] = 1;
    Shape out(static_cast<size_t>(r));
    size_t j = 0;
    for (int64_t i = 0; i < r; ++i) out[i] = ins[i] ? 1 : x.shape[j++];
    ctx.setOutput(0, withShape(x, std::move(out)));
  }

 private:
  bool fromAttr_;
  std::vector<int64_t> axes_;
};

ONNX_CPU_KERNEL("Reshape", 1, ReshapeKernel);
ONNX_CPU_KERNEL("Reshape", 5, ReshapeKernel);
ONNX_CPU_KERNEL("Reshape", 14, ReshapeKernel);
ONNX_CPU_KERNEL("Flatten", 1, FlattenKernel);
ONNX_CPU_KERNEL("Flatten", 11, FlattenKernel);
ONNX_CPU_KERNEL("Squeeze", 1, SqueezeKernel);
ONNX_CPU_KERNEL("Squeeze", 11, SqueezeKernel);
ONNX_CPU_KERNEL("Squeeze", 13, SqueezeKernel);
ONNX_CPU_KERNEL("Unsqueeze", 1, UnsqueezeKernel);
ONNX_CPU_KERNEL("Unsqueeze", 11, UnsqueezeKernel);
ONNX_CPU_KERNEL("Unsqueeze", 13, UnsqueezeKernel);

}  // namespace
}  // namespace onnxfleet
