// Transpose: a strided copy (contiguous inner runs copied in bulk, unit-stride dims moved inward by 16x16
// tiles, all split over threads). A permutation that only moves size-1 dims is a reshape: the output aliases.
#include "core/kernel.h"
#include "core/parallel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

// NCHW -> NHWC with few channels (e.g. RGB): one pass over the pixels, gathering each pixel's channels; the
// tiled strided copy spends most of its time on 3-wide tiles here.
void toChannelsLast(const Tensor& x, Tensor& y, int threads) {
  const int64_t N = x.shape[0], C = x.shape[1], HW = x.shape[2] * x.shape[3];
  const float* src = x.as<float>();
  float* dst = y.as<float>();
  parallelFor(threads, N * HW, 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / HW, p = i % HW;
      const float* s = src + n * C * HW + p;
      float* d = dst + i * C;
      for (int64_t c = 0; c < C; ++c) d[c] = s[c * HW];
    }
  });
}

class TransposeKernel : public Kernel {
 public:
  TransposeKernel(const NodeDesc& n, const CompileContext&)
      : hasPerm_(n.has("perm")), perm_(n.getInts("perm")) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    std::vector<int64_t> perm = perm_;
    if (!hasPerm_) {
      perm.resize(r);
      for (int i = 0; i < r; ++i) perm[i] = r - 1 - i;
    }
    check(static_cast<int>(perm.size()) == r,
          "perm has " + std::to_string(perm.size()) + " entries for an input of rank " + std::to_string(r));
    std::vector<char> seen(r, 0);
    for (int64_t p : perm) {
      check(p >= 0 && p < r && !seen[p],
            "perm " + shapeToString(perm) + " is not a permutation of 0.." + std::to_string(r - 1));
      seen[p] = 1;
    }
    const std::vector<int64_t> inStrides = contiguousStrides(x.shape);
    Shape out(r);
    std::vector<int64_t> strides(r);
    bool ordered = true;  // do the non-1 dims keep their order?
    int64_t last = -1;
    for (int i = 0; i < r; ++i) {
      out[i] = x.shape[perm[i]];
      strides[i] = inStrides[perm[i]];
      if (out[i] != 1) {
        ordered = ordered && perm[i] > last;
        last = perm[i];
      }
    }
    if (ordered) {
      ctx.setOutput(0, withShape(x, std::move(out)));
      return;
    }
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    if (isSubByte(x.dtype)) {  // int4, uint4, float4, int2, uint2: move one byte per element, then pack
      const int bits = dtypeBits(x.dtype);
      Tensor a = ctx.scratch(DType::UInt8, x.shape), b = ctx.scratch(DType::UInt8, out);
      unpackBits(x.data, a.as<uint8_t>(), x.numel(), bits);
      stridedCopy(DType::UInt8, b.data, a.data, 0, out, strides, ctx.threads(), "Transpose");
      packBits(b.as<uint8_t>(), y.data, y.numel(), bits);
      return;
    }
    if (x.dtype == DType::Float && r == 4 && perm == std::vector<int64_t>{0, 2, 3, 1} && x.shape[1] <= 8) {
      toChannelsLast(x, y, ctx.threads());  // an image entering a channels-last region (nhwc-layout)
      return;
    }
    stridedCopy(x.dtype, y.data, x.data, 0, out, strides, ctx.threads(), "Transpose");
  }

 private:
  bool hasPerm_;
  std::vector<int64_t> perm_;
};

ONNX_CPU_KERNEL("Transpose", 1, TransposeKernel);

}  // namespace
}  // namespace onnxfleet
