// STFT-17: signal [batch, length, 1 or 2], frame_step, optional window [frame_length], optional frame_length.
// Frame f covers samples [f * step, f * step + frame_length), multiplied by the window (ones when absent);
// frames = 1 + (length - frame_length) / step. Output [batch, frames, bins, 2] with bins = frame_length / 2
// + 1 when onesided (default 1), else frame_length. frame_length defaults to the window's length, or to
// the signal length when there is no window either (as in the ONNX reference). Computed in double (fft.h).
#include <atomic>
#include <new>

#include "core/kernel.h"
#include "cpu/signal/fft.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class StftKernel : public Kernel {
 public:
  StftKernel(const NodeDesc& n, const CompileContext&) : onesided_(n.getInt("onesided", 1) != 0) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 3 && (x.shape[2] == 1 || x.shape[2] == 2),
          "signal must have shape [batch, length, 1 or 2], got " + x.describe());
    const int64_t batch = x.shape[0], length = x.shape[1], comps = x.shape[2];
    const int64_t step = readScalarInt(ctx.input(1), "frame_step");
    check(step >= 1, "frame_step must be positive, got " + std::to_string(step));
    const Tensor* window = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    int64_t frameLen = length;
    if (window) {
      check(window->rank() == 1 && window->dtype == x.dtype,
            "window must be a rank-1 tensor of the signal's type, got " + window->describe());
      frameLen = window->shape[0];
    }
    if (ctx.hasInput(3)) {
      const int64_t fl = readScalarInt(ctx.input(3), "frame_length");
      check(!window || fl == frameLen, "frame_length " + std::to_string(fl) +
                                           " differs from the window length " + std::to_string(frameLen));
      frameLen = fl;
    }
    check(frameLen >= 1 && frameLen <= length, "frame_length " + std::to_string(frameLen) +
                                                   " must lie in [1, signal length " +
                                                   std::to_string(length) + "]");
    const int64_t frames = 1 + (length - frameLen) / step;
    const int64_t bins = onesided_ ? frameLen / 2 + 1 : frameLen;
    const FftPlan plan(frameLen);
    Tensor& y = ctx.allocOutput(0, x.dtype, {batch, frames, bins, 2});
    const int64_t lines = batch * frames;
    std::atomic<bool> failed{false};

    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "STFT", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const T* src = x.as<T>();
      const T* win = window ? window->as<T>() : nullptr;
      T* dst = y.as<T>();
      parallelFor(ctx.threads(), lines, std::max<int64_t>(1, 8192 / frameLen),
                  [&](int64_t begin, int64_t end) {
                    try {
                      std::vector<cdouble> buf(static_cast<size_t>(frameLen)),
                          work(static_cast<size_t>(plan.workSize()));
                      for (int64_t line = begin; line < end; ++line) {
                        const int64_t b = line / frames, f = line % frames;
                        const T* s = src + (b * length + f * step) * comps;
                        for (int64_t j = 0; j < frameLen; ++j) {
                          const double w = win ? static_cast<double>(loadC(win[j])) : 1.0;
                          const double re = loadC(s[j * comps]),
                                       im = comps == 2 ? static_cast<double>(loadC(s[j * 2 + 1])) : 0.0;
                          buf[j] = cdouble(re * w, im * w);
                        }
                        plan.run(buf.data(), false, work.data());
                        T* q = dst + line * bins * 2;
                        for (int64_t k = 0; k < bins; ++k) {
                          q[2 * k] = storeC<T>(static_cast<C>(buf[k].real()));
                          q[2 * k + 1] = storeC<T>(static_cast<C>(buf[k].imag()));
                        }
                      }
                    } catch (const std::bad_alloc&) {
                      failed = true;
                    }
                  });
    });
    check(!failed, "STFT: out of memory for work buffers");
  }

 private:
  bool onesided_;
};

ONNX_CPU_KERNEL("STFT", 17, StftKernel);

}  // namespace
}  // namespace onnxfleet
