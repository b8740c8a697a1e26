// DFT (opset 17: axis attribute, default 1; opset 20: axis input, default -2). Input [..., 1] (real) or
// [..., 2] (complex); dft_length zero-pads or truncates the signal along the axis. Modes:
//   forward             complex output of length n;
//   forward + onesided  the first n/2 + 1 bins (RFFT);
//   inverse             complex output of length n, scaled by 1/n;
//   inverse + onesided  IRFFT: bins [0, n/2] (missing ones zero) extended by conjugate symmetry, real output
//                       of length n; the default n is 2 * (bins - 1).
// Everything is computed in double (fft.h), whatever the tensor type.
#include <atomic>
#include <new>

#include "core/kernel.h"
#include "cpu/signal/fft.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class DftKernel : public Kernel {
 public:
  DftKernel(const NodeDesc& n, const CompileContext&)
      : axisInput_(n.sinceVersion >= 20),
        axisAttr_(n.getInt("axis", 1)),
        inverse_(n.getInt("inverse", 0) != 0),
        onesided_(n.getInt("onesided", 0) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    check(r >= 2, "input must have rank >= 2 ([..., signal, 1 or 2]), got " + x.describe());
    const int64_t comps = x.shape[r - 1];
    check(comps == 1 || comps == 2,
          "the last dimension must be 1 (real) or 2 (complex), got " + x.describe());
    int64_t axis = axisAttr_;
    if (axisInput_) axis = ctx.hasInput(2) ? readScalarInt(ctx.input(2), "axis") : -2;
    check(
        axis >= -r && axis <= r - 2 && axis != -1,
        "axis " + std::to_string(axis) + " must lie in [-r, -2] or [0, r - 2] for rank " + std::to_string(r));
    if (axis < 0) axis += r;
    const bool irfft = inverse_ && onesided_;
    const int64_t nIn = x.shape[axis];
    int64_t n = irfft ? 2 * (nIn - 1) : nIn;
    if (ctx.hasInput(1)) n = readScalarInt(ctx.input(1), "dft_length");
    check(n >= 1, "dft_length must be positive, got " + std::to_string(n));
    const int64_t nOut = onesided_ && !inverse_ ? n / 2 + 1 : n;
    const int64_t outComps = irfft ? 1 : 2;

    Shape outShape = x.shape;
    outShape[axis] = nOut;
    outShape[r - 1] = outComps;
    checkedNumel(outShape, "DFT output");
    const FftPlan plan(n);
    Tensor& y = ctx.allocOutput(0, x.dtype, outShape);
    const int64_t outer = dimProduct(x.shape, 0, axis), inner = dimProduct(x.shape, axis + 1, r - 1);
    const int64_t lines = outer * inner;
    if (lines == 0) return;
    const double scale = inverse_ ? 1.0 / static_cast<double>(n) : 1.0;
    std::atomic<bool> failed{false};

    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "DFT", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      parallelFor(ctx.threads(), lines, std::max<int64_t>(1, 8192 / n), [&](int64_t begin, int64_t end) {
        try {
          std::vector<cdouble> buf(static_cast<size_t>(n)), work(static_cast<size_t>(plan.workSize()));
          for (int64_t line = begin; line < end; ++line) {
            const int64_t o = line / inner, i = line % inner;
            auto in = [&](int64_t j) {  // bin/sample j of this line
              const T* p = src + ((o * nIn + j) * inner + i) * comps;
              return cdouble(loadC(p[0]), comps == 2 ? static_cast<double>(loadC(p[1])) : 0.0);
            };
            if (irfft) {
              for (int64_t k = 0; k <= n / 2; ++k) buf[k] = k < nIn ? in(k) : cdouble(0, 0);
              for (int64_t k = 1; k < n - k; ++k) buf[n - k] = std::conj(buf[k]);
            } else {
              const int64_t m = std::min(nIn, n);
              for (int64_t j = 0; j < m; ++j) buf[j] = in(j);
              for (int64_t j = m; j < n; ++j) buf[j] = cdouble(0, 0);
            }
            plan.run(buf.data(), inverse_, work.data());
            for (int64_t k = 0; k < nOut; ++k) {
              T* q = dst + ((o * nOut + k) * inner + i) * outComps;
              q[0] = storeC<T>(static_cast<typename ComputeType<T>::type>(buf[k].real() * scale));
              if (outComps == 2)
                q[1] = storeC<T>(static_cast<typename ComputeType<T>::type>(buf[k].imag() * scale));
            }
          }
        } catch (const std::bad_alloc&) {
          failed = true;
        }
      });
    });
    check(!failed, "DFT: out of memory for work buffers");
  }

 private:
  bool axisInput_;
  int64_t axisAttr_;
  bool inverse_, onesided_;
};

ONNX_CPU_KERNEL("DFT", 17, DftKernel);
ONNX_CPU_KERNEL("DFT", 20, DftKernel);

}  // namespace
}  // namespace onnxfleet
