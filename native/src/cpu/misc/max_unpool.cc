// MaxUnpool: scatters X into a zero tensor at the flat indices I (as produced by MaxPool's second output).
// Indices address the inferred shape, (in - 1) * stride - pad_begin - pad_end + kernel per spatial dim. With
// the optional output_shape input, that inferred tensor is placed at the origin of the requested shape
// (zero-filled beyond it, cut where the requested shape is smaller), as the ONNX reference does. Later
// elements win when indices repeat.
#include <cstring>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class MaxUnpoolKernel : public Kernel {
 public:
  MaxUnpoolKernel(const NodeDesc& n, const CompileContext&)
      : kernel_(n.getInts("kernel_shape")), pads_(n.getInts("pads")), strides_(n.getInts("strides")) {
    check(!kernel_.empty(), "MaxUnpool needs kernel_shape");
    const size_t nd = kernel_.size();
    if (pads_.empty()) pads_.assign(2 * nd, 0);
    if (strides_.empty()) strides_.assign(nd, 1);
    check(pads_.size() == 2 * nd && strides_.size() == nd,
          "MaxUnpool: pads/strides do not match kernel_shape");
    for (size_t d = 0; d < nd; ++d)
      check(kernel_[d] > 0 && strides_[d] > 0 && pads_[d] >= 0 && pads_[d + nd] >= 0,
            "MaxUnpool: kernel_shape and strides must be positive, pads non-negative");
  }
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& idx = ctx.input(1);
    const size_t nd = kernel_.size();
    check(x.rank() == static_cast<int>(nd) + 2, "MaxUnpool: X must be [N, C, spatial...] with " +
                                                    std::to_string(nd) + " spatial dims, got " +
                                                    x.describe());
    check(idx.dtype == DType::Int64 && idx.shape == x.shape,
          "MaxUnpool: I must be int64 with X's shape, got " + idx.describe());
    Shape inf{x.shape[0], x.shape[1]};
    for (size_t d = 0; d < nd; ++d)
      inf.push_back((x.shape[d + 2] - 1) * strides_[d] - pads_[d] - pads_[d + nd] + kernel_[d]);
    const int64_t total = checkedNumel(inf, "MaxUnpool inferred output");
    Shape out = inf;
    if (ctx.hasInput(2)) {
      out = readInts(ctx.input(2), "output_shape");
      check(out.size() == x.shape.size(), "MaxUnpool: output_shape must have " + std::to_string(x.rank()) +
                                              " values, got " + shapeToString(out));
      checkedNumel(out, "MaxUnpool output_shape");
    }
    const int64_t n = x.numel();
    const int64_t* ip = idx.as<int64_t>();
    for (int64_t i = 0; i < n; ++i)
      check(ip[i] >= 0 && ip[i] < total, "MaxUnpool: index " + std::to_string(ip[i]) + " at position " +
                                             std::to_string(i) + " is outside the output of " +
                                             std::to_string(total) + " elements");
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    if (y.numel() == 0) return;
    std::memset(y.data, 0, y.bytes());
    const bool same = out == inf;
    const std::vector<int64_t> ost = contiguousStrides(out);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "MaxUnpool", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      for (int64_t i = 0; i < n; ++i) {
        if (same) {
          dst[ip[i]] = src[i];
          continue;
        }
        int64_t rem = ip[i], off = 0;  // re-address the inferred-shape index in the output shape
        bool inside = true;
        for (size_t d = inf.size(); d-- > 0;) {
          const int64_t c = rem % inf[d];
          rem /= inf[d];
          inside = inside && c < out[d];
          off += c * ost[d];
        }
        if (inside) dst[off] = src[i];
      }
    });
  }

 private:
  std::vector<int64_t> kernel_, pads_, strides_;
};

ONNX_CPU_KERNEL("MaxUnpool", 9, MaxUnpoolKernel);
ONNX_CPU_KERNEL("MaxUnpool", 11, MaxUnpoolKernel);
ONNX_CPU_KERNEL("MaxUnpool", 22, MaxUnpoolKernel);

}  // namespace
}  // namespace onnxfleet
