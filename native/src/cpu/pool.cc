// MaxPool (with optional Indices), AveragePool, LpPool over 1-3 spatial dims of NCHW-style input, and
// GlobalAveragePool / GlobalMaxPool / GlobalLpPool. Work is split over the N*C planes. Windows are tabulated
// per spatial dim (first/last valid tap, divisor share), so the inner loops only touch valid input.
// SAME_* padding follows the spec (dilated kernel extent), unlike onnxruntime, which ignores dilation there.
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

enum class Pool { Max, Avg, Lp };

// One spatial dim: sizes plus per-output-index tap range [k0, k1) and the count of taps inside the padding
// limits (for count_include_pad).
struct Axis {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, dil = 1, padBegin = 0, padEnd = 0;
  std::vector<int64_t> k0{0}, k1{1}, padded{1};  // defaults describe a unit dim
};

float readP(const NodeDesc& n) {
  if (!n.has("p")) return 2.0f;
  const Attr& a = n.attrs.at("p");
  return a.type == Attr::Type::Float ? a.f : static_cast<float>(a.i);
}

template <Pool P>
class PoolKernel : public Kernel {
 public:
  PoolKernel(const NodeDesc& n, const CompileContext&)
      : kernel_(n.required("kernel_shape").ints),
        strides_(n.getInts("strides")),
        dilations_(n.getInts("dilations")),
        pads_(n.getInts("pads")),
        autoPad_(n.getString("auto_pad", "NOTSET")),
        ceil_(n.getInt("ceil_mode", 0) != 0),
        includePad_(n.getInt("count_include_pad", 0) != 0),
        colMajor_(n.getInt("storage_order", 0) != 0),
        p_(readP(n)) {
    const size_t nd = kernel_.size();
    check(nd >= 1 && nd <= 3, "kernel_shape must have 1 to 3 entries");
    if (strides_.empty()) strides_.assign(nd, 1);
    if (dilations_.empty()) dilations_.assign(nd, 1);
    if (pads_.empty()) pads_.assign(2 * nd, 0);
    check(strides_.size() == nd && dilations_.size() == nd && pads_.size() == 2 * nd,
          "strides, dilations and pads must match kernel_shape");
    for (size_t i = 0; i < nd; ++i)
      check(kernel_[i] > 0 && strides_[i] > 0 && dilations_[i] > 0 && pads_[i] >= 0 && pads_[i + nd] >= 0,
            "kernel_shape, strides and dilations must be positive and pads non-negative");
    if (autoPad_.empty()) autoPad_ = "NOTSET";
    check(autoPad_ == "NOTSET" || autoPad_ == "VALID" || autoPad_ == "SAME_UPPER" || autoPad_ == "SAME_LOWER",
          "unknown auto_pad '" + autoPad_ + "'");
    check(p_ > 0, "p must be positive");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int nd = static_cast<int>(kernel_.size());
    check(x.rank() == nd + 2,
          "input rank " + std::to_string(x.rank()) + " does not match a " + std::to_string(nd) + "-D kernel");
    Axis ax[3];
    Shape out{x.shape[0], x.shape[1]};
    for (int d = 0; d < nd; ++d) {
      ax[3 - nd + d] = makeAxis(d, nd, x.shape[2 + d]);
      out.push_back(ax[3 - nd + d].out);
    }
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    Tensor* idx = nullptr;
    if (P == Pool::Max && ctx.wantsOutput(1)) idx = &ctx.allocOutput(1, DType::Int64, out);
    const int64_t planes = x.shape[0] * x.shape[1];
    if (y.numel() == 0) return;
    auto run = [&](auto tag) {
      using T = typename decltype(tag)::type;
      const int64_t inPlane = ax[0].in * ax[1].in * ax[2].in, outPlane = ax[0].out * ax[1].out * ax[2].out;
      const int64_t taps = ax[0].kernel * ax[1].kernel * ax[2].kernel;
      parallelFor(
          ctx.threads(), planes, std::max<int64_t>(1, 16384 / (outPlane * taps)), [&](int64_t b, int64_t e) {
            std::vector<Acc<T>> rowBuf(ax[2].in), outBuf(2 * ax[2].out);
            for (int64_t pl = b; pl < e; ++pl) {
              if (idx)
                planeWithIndices(ax, x.as<T>() + pl * inPlane, y.as<T>() + pl * outPlane,
                                 idx->as<int64_t>() + pl * outPlane, pl * inPlane);
              else
                plane(ax, x.as<T>() + pl * inPlane, y.as<T>() + pl * outPlane, rowBuf.data(), outBuf.data());
            }
          });
    };
    if (P == Pool::Max)
      dispatchTypes<ONNXFLEET_FLOAT_TYPES, int8_t, uint8_t>(x.dtype, "MaxPool", run);
    else
      dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, P == Pool::Avg ? "AveragePool" : "LpPool", run);
  }

 private:
  Axis makeAxis(int d, int nd, int64_t in) const {
    Axis a;
    a.in = in, a.kernel = kernel_[d], a.stride = strides_[d], a.dil = dilations_[d];
    const int64_t ext = (a.kernel - 1) * a.dil + 1;
    if (autoPad_ == "SAME_UPPER" || autoPad_ == "SAME_LOWER") {
      a.out = (in + a.stride - 1) / a.stride;
      const int64_t total = std::max<int64_t>(0, (a.out - 1) * a.stride + ext - in);
      a.padBegin = autoPad_ == "SAME_UPPER" ? total / 2 : total - total / 2;
      a.padEnd = total - a.padBegin;
    } else {
      if (autoPad_ == "NOTSET") a.padBegin = pads_[d], a.padEnd = pads_[d + nd];
      const int64_t span = in + a.padBegin + a.padEnd - ext;
      check(span >= 0, "kernel extent " + std::to_string(ext) + " exceeds padded input size " +
                           std::to_string(in + a.padBegin + a.padEnd));
      a.out = (ceil_ ? (span + a.stride - 1) / a.stride : span / a.stride) + 1;
      // In ceil mode a window that would start inside the end padding is dropped.
      if (ceil_ && (a.out - 1) * a.stride >= in + a.padBegin) --a.out;
    }
    a.k0.resize(a.out), a.k1.resize(a.out), a.padded.resize(a.out);
    for (int64_t o = 0; o < a.out; ++o) {
      const int64_t s = o * a.stride - a.padBegin;
      int64_t k0 = 0, k1 = a.kernel, kp = 0;
      while (k0 < a.kernel && s + k0 * a.dil < 0) ++k0;
      while (k1 > k0 && s + (k1 - 1) * a.dil >= in) --k1;
      for (int64_t k = 0; k < a.kernel; ++k) kp += s + k * a.dil < in + a.padEnd;
      a.k0[o] = k0, a.k1[o] = k1, a.padded[o] = kp;
    }
    return a;
  }

  // Accumulator: the compute type for max, a float type for sums.
  template <typename T>
  using Acc = std::conditional_t<P == Pool::Max, typename Num<T>::C, FloatCompute<typename Num<T>::C>>;

  template <typename A>
  static A initial() {
    if (P != Pool::Max) return A(0);
    return std::numeric_limits<A>::has_infinity ? -std::numeric_limits<A>::infinity()
                                                : std::numeric_limits<A>::lowest();
  }
  template <typename A>
  A map(A v) const {
    if (P != Pool::Lp) return v;
    return p_ == 2.0f ? v * v : p_ == 1.0f ? std::abs(v) : std::pow(std::abs(v), A(p_));
  }
  template <typename A>
  static A combine(A a, A v) {  // plain max (NaN handling unspecified; kept vectorizable like maxps)
    if (P == Pool::Max) return v > a ? v : a;
    return a + v;
  }

  // One (n, c) plane in two steps per output row: fold the valid input rows of the (d, h) window into
  // rowBuf (contiguous, vectorized), then slide the w window over rowBuf. Interior outputs, whose w taps are
  // all inside the input, are accumulated tap by tap across the whole row.
  template <typename T, typename A>
  void plane(const Axis* ax, const T* x, T* y, A* rowBuf, A* outBuf) const {
    const Axis &ad = ax[0], &ah = ax[1], &aw = ax[2];
    const int64_t H = ah.in, W = aw.in, OW = aw.out, K = aw.kernel;
    A* invW = outBuf + OW;  // per-column reciprocal of the w part of the divisor (AveragePool)
    if (P == Pool::Avg)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t c = includePad_ ? aw.padded[ow] : aw.k1[ow] - aw.k0[ow];
        invW[ow] = c > 0 ? A(1) / A(c) : A(0);
      }
    int64_t lo = 0, hi = OW;  // interior: [lo, hi)
    while (lo < OW && (aw.k0[lo] != 0 || aw.k1[lo] != K)) ++lo;
    hi = lo;
    while (hi < OW && aw.k0[hi] == 0 && aw.k1[hi] == K) ++hi;
    for (int64_t od = 0; od < ad.out; ++od)
      for (int64_t oh = 0; oh < ah.out; ++oh) {
        int64_t rows = 0;
        for (int64_t kd = ad.k0[od]; kd < ad.k1[od]; ++kd)
          for (int64_t kh = ah.k0[oh]; kh < ah.k1[oh]; ++kh, ++rows) {
            const T* r = x + ((od * ad.stride - ad.padBegin + kd * ad.dil) * H + oh * ah.stride -
                              ah.padBegin + kh * ah.dil) *
                                 W;
            if (rows == 0) {
              for (int64_t i = 0; i < W; ++i) rowBuf[i] = map(static_cast<A>(Num<T>::load(r[i])));
            } else {
              for (int64_t i = 0; i < W; ++i)
                rowBuf[i] = combine(rowBuf[i], map(static_cast<A>(Num<T>::load(r[i]))));
            }
          }
        if (rows == 0) std::fill(rowBuf, rowBuf + W, initial<A>());
        for (int64_t ow = 0; ow < OW; ++ow) {
          if (ow == lo && hi > lo) {  // interior, tap-major; strides 1 and 2 get constant-stride loops
            const A* src = rowBuf + lo * aw.stride - aw.padBegin;
            auto taps = [&](auto strideTag) {
              const int64_t st = decltype(strideTag)::value > 0 ? decltype(strideTag)::value : aw.stride;
              A* out = outBuf + lo;
              for (int64_t o = 0; o < hi - lo; ++o) out[o] = src[o * st];
              for (int64_t k = 1; k < K; ++k) {
                const A* sk = src + k * aw.dil;
                for (int64_t o = 0; o < hi - lo; ++o) out[o] = combine(out[o], sk[o * st]);
              }
            };
            if (aw.stride == 1)
              taps(std::integral_constant<int, 1>{});
            else if (aw.stride == 2)
              taps(std::integral_constant<int, 2>{});
            else
              taps(std::integral_constant<int, 0>{});
            ow = hi - 1;
            continue;
          }
          A a = initial<A>();
          const int64_t sw = ow * aw.stride - aw.padBegin;
          for (int64_t k = aw.k0[ow]; k < aw.k1[ow]; ++k) a = combine(a, rowBuf[sw + k * aw.dil]);
          outBuf[ow] = a;
        }
        T* yr = y + (od * ah.out + oh) * OW;
        if (P == Pool::Max) {
          for (int64_t ow = 0; ow < OW; ++ow) yr[ow] = Num<T>::store(outBuf[ow]);
        } else if (P == Pool::Avg) {
          const int64_t dh = includePad_ ? ad.padded[od] * ah.padded[oh] : rows;
          const A invH = dh > 0 ? A(1) / A(dh) : A(0);
          for (int64_t ow = 0; ow < OW; ++ow)
            yr[ow] = Num<T>::store(static_cast<typename Num<T>::C>(outBuf[ow] * invH * invW[ow]));
        } else {
          for (int64_t ow = 0; ow < OW; ++ow) {
            const A v = p_ == 2.0f   ? std::sqrt(outBuf[ow])
                        : p_ == 1.0f ? outBuf[ow]
                                     : std::pow(outBuf[ow], A(1) / A(p_));
            yr[ow] = Num<T>::store(static_cast<typename Num<T>::C>(v));
          }
        }
      }
  }

  // MaxPool with the Indices output: per output, the first maximum's flat index (NaN wins and sticks).
  template <typename T>
  void planeWithIndices(const Axis* ax, const T* x, T* y, int64_t* idx, int64_t planeOffset) const {
    using C = typename Num<T>::C;
    const int64_t H = ax[1].in, W = ax[2].in;
    int64_t o = 0;
    for (int64_t od = 0; od < ax[0].out; ++od)
      for (int64_t oh = 0; oh < ax[1].out; ++oh)
        for (int64_t ow = 0; ow < ax[2].out; ++ow, ++o) {
          const int64_t sd = od * ax[0].stride - ax[0].padBegin, sh = oh * ax[1].stride - ax[1].padBegin,
                        sw = ow * ax[2].stride - ax[2].padBegin;
          C best = initial<C>();
          int64_t bi = -1;
          for (int64_t kd = ax[0].k0[od]; kd < ax[0].k1[od]; ++kd)
            for (int64_t kh = ax[1].k0[oh]; kh < ax[1].k1[oh]; ++kh) {
              const int64_t id = sd + kd * ax[0].dil, ih = sh + kh * ax[1].dil;
              const T* r = x + (id * H + ih) * W;
              for (int64_t kw = ax[2].k0[ow]; kw < ax[2].k1[ow]; ++kw) {
                const int64_t iw = sw + kw * ax[2].dil;
                const C v = Num<T>::load(r[iw]);
                if (bi < 0 || v > best || (v != v && best == best)) best = v, bi = (id * H + ih) * W + iw;
              }
            }
          if (bi < 0) bi = 0;
          y[o] = Num<T>::store(best);
          if (colMajor_) {  // storage_order 1: the first spatial dim varies fastest
            const int64_t iw = bi % W, ih = (bi / W) % H, id = bi / (W * H);
            bi = id + ih * ax[0].in + iw * ax[0].in * H;
          }
          idx[o] = planeOffset + bi;
        }
  }

  std::vector<int64_t> kernel_, strides_, dilations_, pads_;
  std::string autoPad_;
  bool ceil_, includePad_, colMajor_;
  float p_;
};

// Global pools: a reduction over all spatial dims of each (n, c) plane.
template <Pool P, typename F>
struct GlobalOp {
  using Acc = F;
  float p;
  Acc init() const { return P == Pool::Max ? -std::numeric_limits<F>::infinity() : F(0); }
  void step(Acc& a, F v) const {
    if (P == Pool::Max)
      a = (v > a || v != v) ? v : a;
    else if (P == Pool::Avg)
      a += v;
    else
      a += p == 2.0f ? v * v : std::pow(std::abs(v), F(p));
  }
  void merge(Acc& a, const Acc& b) const {
    if (P == Pool::Max)
      a = (b > a || b != b) ? b : a;
    else
      a += b;
  }
  F finish(Acc a, int64_t n) const {
    if (P == Pool::Avg) return a / F(n);
    if (P == Pool::Lp) return p == 2.0f ? std::sqrt(a) : std::pow(a, F(1) / F(p));
    return a;
  }
};

template <Pool P>
class GlobalPoolKernel : public Kernel {
 public:
  GlobalPoolKernel(const NodeDesc& n, const CompileContext&) : p_(readP(n)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() >= 2, "input must have rank >= 2");
    Shape out = x.shape;
    std::vector<bool> red(x.rank(), false);
    for (int d = 2; d < x.rank(); ++d) out[d] = 1, red[d] = true;
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    const ReducePlan plan = makeReducePlan(x.shape, red);
    check(plan.count > 0 || plan.outputs == 0 || P != Pool::Max, "global max over an empty plane");
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "global pool", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using F = FloatCompute<T>;
      struct Op : GlobalOp<P, F> {
        T finish(F a, int64_t n) const { return Num<T>::store(GlobalOp<P, F>::finish(a, n)); }
      };
      Op op;
      op.p = p_;
      runReduce(plan, x.as<T>(), y.as<T>(), ctx.threads(), op);
    });
  }

 private:
  float p_;
};

// MaxPool: 8 Indices + storage_order, 10 dilations + ceil_mode, 11 pads semantics, 12 int8/uint8.
// AveragePool: 7 count_include_pad, 10 ceil_mode, 19 dilations. LpPool: 2 integer p, 18 ceil_mode/dilations.
ONNX_CPU_KERNEL("MaxPool", 1, PoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("MaxPool", 8, PoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("MaxPool", 10, PoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("MaxPool", 11, PoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("MaxPool", 12, PoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("MaxPool", 22, PoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("AveragePool", 1, PoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("AveragePool", 7, PoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("AveragePool", 10, PoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("AveragePool", 11, PoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("AveragePool", 19, PoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("AveragePool", 22, PoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("LpPool", 1, PoolKernel<Pool::Lp>);
ONNX_CPU_KERNEL("LpPool", 2, PoolKernel<Pool::Lp>);
ONNX_CPU_KERNEL("LpPool", 11, PoolKernel<Pool::Lp>);
ONNX_CPU_KERNEL("LpPool", 18, PoolKernel<Pool::Lp>);
ONNX_CPU_KERNEL("LpPool", 22, PoolKernel<Pool::Lp>);
ONNX_CPU_KERNEL("GlobalAveragePool", 1, GlobalPoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("GlobalAveragePool", 22, GlobalPoolKernel<Pool::Avg>);
ONNX_CPU_KERNEL("GlobalMaxPool", 1, GlobalPoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("GlobalMaxPool", 22, GlobalPoolKernel<Pool::Max>);
ONNX_CPU_KERNEL("GlobalLpPool", 1, GlobalPoolKernel<Pool::Lp>);
ONNX_CPU_KERNEL("GlobalLpPool", 2, GlobalPoolKernel<Pool::Lp>);
ONNX_CPU_KERNEL("GlobalLpPool", 22, GlobalPoolKernel<Pool::Lp>);

}  // namespace
}  // namespace onnxfleet
