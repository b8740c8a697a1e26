// DeformConv (19, 22): convolution whose kernel taps are shifted by learned per-position offsets (and scaled
// by an optional mask), for any number of spatial axes. Per image: gather the shifted taps by N-linear
// interpolation (zero outside the input) into columns [C * K, out], then one GEMM per group with W.
#include <cmath>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class DeformConvKernel : public Kernel {
 public:
  DeformConvKernel(const NodeDesc& n, const CompileContext&)
      : dilations_(n.getInts("dilations")),
        kernelShape_(n.getInts("kernel_shape")),
        pads_(n.getInts("pads")),
        strides_(n.getInts("strides")),
        group_(n.getInt("group", 1)),
        offsetGroup_(n.getInt("offset_group", 1)) {
    check(group_ > 0 && offsetGroup_ > 0, "DeformConv: group and offset_group must be positive");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor& offset = ctx.input(2);
    const Tensor* bias = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    const Tensor* mask = ctx.hasInput(4) ? &ctx.input(4) : nullptr;
    const int nd = x.rank() - 2;
    check(nd >= 1 && nd <= 8, "DeformConv input must have 1 to 8 spatial dims, got " + x.describe());
    check(w.rank() == nd + 2, "DeformConv W must have X's rank, got " + w.describe());
    check(w.dtype == x.dtype && offset.dtype == x.dtype, "DeformConv: X, W and offset must share a dtype");
    const int64_t batch = x.shape[0], chans = x.shape[1], outC = w.shape[0];
    check(chans % group_ == 0 && outC % group_ == 0 && chans % offsetGroup_ == 0,
          "DeformConv: channels must be divisible by group and offset_group");
    check(w.shape[1] == chans / group_, "DeformConv W must be [oC, C/group, k...], got " + w.describe());
    const Shape ks(w.shape.begin() + 2, w.shape.end());
    check(kernelShape_.empty() || Shape(kernelShape_.begin(), kernelShape_.end()) == ks,
          "DeformConv kernel_shape does not match W");
    const std::vector<int64_t> dil = dilations_.empty() ? std::vector<int64_t>(nd, 1) : dilations_;
    const std::vector<int64_t> str = strides_.empty() ? std::vector<int64_t>(nd, 1) : strides_;
    const std::vector<int64_t> pad = pads_.empty() ? std::vector<int64_t>(2 * nd, 0) : pads_;
    check(dil.size() == size_t(nd) && str.size() == size_t(nd) && pad.size() == size_t(2 * nd),
          "DeformConv dilations/strides/pads do not match the number of spatial dims");
    Shape outShape{batch, outC};
    const Shape in(x.shape.begin() + 2, x.shape.end());
    for (int d = 0; d < nd; ++d) {
      check(dil[d] > 0 && str[d] > 0 && pad[d] >= 0 && pad[d + nd] >= 0 && ks[d] > 0,
            "DeformConv: dilations, strides and kernel dims must be positive, pads non-negative");
      const int64_t span = in[d] + pad[d] + pad[d + nd] - dil[d] * (ks[d] - 1) - 1;
      check(span >= 0, "DeformConv: kernel larger than the padded input");
      outShape.push_back(span / str[d] + 1);
    }
    const Shape os(outShape.begin() + 2, outShape.end());
    const int64_t kSize = shapeNumel(ks), outSize = shapeNumel(os), inSize = shapeNumel(in);
    Shape offShape{batch, offsetGroup_ * kSize * nd};
    offShape.insert(offShape.end(), os.begin(), os.end());
    check(offset.shape == offShape,
          "DeformConv offset must be " + shapeToString(offShape) + ", got " + offset.describe());
    Shape maskShape{batch, offsetGroup_ * kSize};
    maskShape.insert(maskShape.end(), os.begin(), os.end());
    check(!mask || (mask->shape == maskShape && mask->dtype == x.dtype),
          "DeformConv mask must be " + shapeToString(maskShape));
    check(!bias || (bias->numel() == outC && bias->dtype == x.dtype), "DeformConv B must be [oC]");
    Tensor& y = ctx.allocOutput(0, x.dtype, outShape);
    if (y.numel() == 0) return;
    const std::vector<int64_t> ist = contiguousStrides(in), kst = contiguousStrides(ks),
                               ost = contiguousStrides(os);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "DeformConv", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const int64_t rows = chans * kSize, cPerOff = chans / offsetGroup_;
      std::vector<C> col(static_cast<size_t>(rows * outSize));
      std::vector<C> wc(static_cast<size_t>(w.numel()));
      for (size_t i = 0; i < wc.size(); ++i) wc[i] = loadC(w.as<T>()[i]);
      for (int64_t n = 0; n < batch; ++n) {
        const T* xn = x.as<T>() + n * chans * inSize;
        const T* offN = offset.as<T>() + n * offsetGroup_ * kSize * nd * outSize;
        const T* maskN = mask ? mask->as<T>() + n * offsetGroup_ * kSize * outSize : nullptr;
        parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 4096 / outSize), [&](int64_t b, int64_t e) {
          std::vector<int64_t> o(nd), kp(nd);
          for (int64_t row = b; row < e; ++row) {
            const int64_t c = row / kSize, k = row % kSize, g = c / cPerOff;
            for (int d = 0; d < nd; ++d) kp[d] = (k / kst[d]) % ks[d];
            const T* plane = xn + c * inSize;
            const T* offK = offN + (g * kSize + k) * nd * outSize;
            C* dst = col.data() + row * outSize;
            for (int64_t p = 0; p < outSize; ++p) {
              double pos[8];
              for (int d = 0; d < nd; ++d) {
                o[d] = (p / ost[d]) % os[d];
                pos[d] = static_cast<double>(o[d] * str[d] - pad[d] + kp[d] * dil[d]) +
                         loadC(offK[d * outSize + p]);
              }
              double v = sample(plane, pos, in, ist, nd);
              if (maskN) v *= loadC(maskN[(g * kSize + k) * outSize + p]);
              dst[p] = static_cast<C>(v);
            }
          }
        });
        const int64_t ocPer = outC / group_, kcols = (chans / group_) * kSize;
        T* yn = y.as<T>() + n * outC * outSize;
        parallelFor(ctx.threads(), outC, 1, [&](int64_t b, int64_t e) {
          std::vector<C> acc(static_cast<size_t>(outSize));
          for (int64_t oc = b; oc < e; ++oc) {
            const int64_t g = oc / ocPer;
            const C init = bias ? static_cast<C>(loadC(bias->as<T>()[oc])) : C(0);
            std::fill(acc.begin(), acc.end(), init);
            for (int64_t kc = 0; kc < kcols; ++kc) {
              const C wv = wc[oc * kcols + kc];
              const C* src = col.data() + (g * kcols + kc) * outSize;
              for (int64_t p = 0; p < outSize; ++p) acc[p] += wv * src[p];
            }
            for (int64_t p = 0; p < outSize; ++p) yn[oc * outSize + p] = storeC<T>(acc[p]);
          }
        });
      }
    });
  }

 private:
  // N-linear interpolation of plane at pos; corners outside the input count as zero.
  template <typename T>
  static double sample(const T* plane, const double* pos, const Shape& in, const std::vector<int64_t>& ist,
                       int nd) {
    int64_t lo[8];
    double frac[8];
    for (int d = 0; d < nd; ++d) {
      if (!(pos[d] > -1.0 && pos[d] < static_cast<double>(in[d]))) return 0.0;  // also NaN
      const double f = std::floor(pos[d]);
      lo[d] = static_cast<int64_t>(f);
      frac[d] = pos[d] - f;
    }
    double acc = 0;
    for (int corner = 0; corner < (1 << nd); ++corner) {
      double wgt = 1;
      int64_t off = 0;
      bool inside = true;
      for (int d = 0; d < nd && inside; ++d) {
        const int hi = (corner >> d) & 1;
        const int64_t i = lo[d] + hi;
        inside = i >= 0 && i < in[d];
        wgt *= hi ? frac[d] : 1 - frac[d];
        off += i * ist[d];
      }
      if (inside && wgt != 0) acc += wgt * loadC(plane[off]);
    }
    return acc;
  }

  std::vector<int64_t> dilations_, kernelShape_, pads_, strides_;
  int64_t group_, offsetGroup_;
};

ONNX_CPU_KERNEL("DeformConv", 19, DeformConvKernel);
ONNX_CPU_KERNEL("DeformConv", 22, DeformConvKernel);

}  // namespace
}  // namespace onnxfleet
