// CausalConvWithState (opset 27): depthwise causal 1-D convolution over (batch, channels, length) with a
// carried state. The past state (or zeros) of k - 1 positions is prepended to the input; output[t] is the
// kernel applied to positions [t, t + k) of that padded sequence, plus the bias, optionally through SiLU;
// present_state is the padded sequence's last k - 1 positions. 16-bit floats compute in float.
#include <cmath>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class CausalConvWithStateKernel : public Kernel {
 public:
  CausalConvWithStateKernel(const NodeDesc& n, const CompileContext&) {
    const std::string act = n.getString("activation", "none");
    check(act == "none" || act == "silu" || act == "swish",
          "activation must be 'none', 'silu' or 'swish', got '" + act + "'");
    silu_ = act != "none";
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    check(x.rank() == 3, "input must be (batch_size, channels, length), got " + shapeToString(x.shape));
    const int64_t batch = x.shape[0], ch = x.shape[1], len = x.shape[2];
    check(w.rank() == 3 && w.shape[0] == ch && w.shape[1] == 1 && w.shape[2] >= 1,
          "weight must be (channels, 1, k) with channels " + std::to_string(ch) + ", got " +
              shapeToString(w.shape));
    const int64_t k = w.shape[2], keep = k - 1;
    const Tensor* bias = ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    const Tensor* past = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    check(!bias || (bias->rank() == 1 && bias->shape[0] == ch),
          "bias must be (channels), got " + (bias ? shapeToString(bias->shape) : std::string()));
    check(!past || past->shape == Shape{batch, ch, keep},
          "past_state must be " + shapeToString({batch, ch, keep}) + ", got " +
              (past ? shapeToString(past->shape) : std::string()));
    for (const Tensor* t : {&w, bias, past})
      check(!t || t->dtype == x.dtype, std::string("all inputs must be ") + dtypeName(x.dtype));
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    Tensor& state = ctx.allocOutput(1, x.dtype, {batch, ch, keep});
    dispatchTypes<float, Half, BFloat16>(x.dtype, "CausalConvWithState", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xp = x.as<T>();
      const T* wp = w.as<T>();
      const T* bp = bias ? bias->as<T>() : nullptr;
      const T* pp = past ? past->as<T>() : nullptr;
      T* yp = y.as<T>();
      T* sp = state.as<T>();
      const int64_t padded = len + keep;
      parallelFor(ctx.threads(), batch * ch, std::max<int64_t>(1, 16384 / (padded * k)),
                  [&](int64_t b, int64_t e) {
                    std::vector<float> buf(static_cast<size_t>(padded));
                    for (int64_t r = b; r < e; ++r) {
                      const int64_t c = r % ch;
                      for (int64_t i = 0; i < keep; ++i) buf[i] = pp ? Num<T>::load(pp[r * keep + i]) : 0.f;
                      for (int64_t i = 0; i < len; ++i) buf[keep + i] = Num<T>::load(xp[r * len + i]);
                      float kw[64];
                      std::vector<float> kwBig;
                      float* kv = kw;
                      if (k > 64) kwBig.resize(k), kv = kwBig.data();
                      for (int64_t j = 0; j < k; ++j) kv[j] = Num<T>::load(wp[c * k + j]);
                      const float b0 = bp ? Num<T>::load(bp[c]) : 0.f;
                      for (int64_t t = 0; t < len; ++t) {
                        float acc = 0.f;
                        for (int64_t j = 0; j < k; ++j) acc += kv[j] * buf[t + j];
                        // The convolution result is rounded to T before the activation, as the reference
                        // casts it.
                        float v = Num<T>::load(Num<T>::store(acc + b0));
                        if (silu_) v = v / (1.f + std::exp(-v));
                        yp[r * len + t] = Num<T>::store(v);
                      }
                      for (int64_t i = 0; i < keep; ++i) sp[r * keep + i] = Num<T>::store(buf[len + i]);
                    }
                  });
    });
  }

 private:
  bool silu_ = false;
};

ONNX_CPU_KERNEL("CausalConvWithState", 27, CausalConvWithStateKernel);

}  // namespace
}  // namespace onnxfleet
