// Resize (opset 10-19) and its legacy form Upsample (7, 9): nearest, N-linear and N-cubic resampling over any
// subset of axes, every coordinate transformation mode (tf_crop_and_resize with roi and extrapolation),
// antialiased downscaling, exclude_outside and keep_aspect_ratio_policy. Each axis gets a table of taps
// (input index, weight) per output position; an output element is the sum over the product of its axes' taps.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

enum class Mode { Nearest, Linear, Cubic };
enum class Coord {
  HalfPixel,
  HalfPixelSymmetric,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelNN,
  TfCrop
};
enum class Round { PreferFloor, PreferCeil, Floor, Ceil, Simple };

template <typename E>
E pick(const std::string& v, const char* what, std::initializer_list<std::pair<const char*, E>> names) {
  for (const auto& [n, e] : names)
    if (v == n) return e;
  throw Error(std::string("Resize: unsupported ") + what + " '" + v + "'");
}

// Taps along one axis: output position o reads idx[off[o] .. off[o+1]) with weights w; `outside` marks the
// positions that take the extrapolation value (tf_crop_and_resize sampling outside the input).
struct AxisTaps {
  std::vector<int64_t> off{0}, idx;
  std::vector<double> w;
  std::vector<char> outside;
};

// Rounds and saturates for integer outputs; plain conversion for floating types.
template <typename T>
T castOut(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (!(v == v)) return T(0);
    v = std::nearbyint(v);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else {
    return storeC<T>(static_cast<typename ComputeType<T>::type>(v));
  }
}

std::vector<double> readReals(const Tensor& t, const char* what) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  dispatchTypes<ONNXFLEET_FLOAT_TYPES>(t.dtype, what, [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (size_t i = 0; i < v.size(); ++i) v[i] = loadC(t.as<T>()[i]);
  });
  return v;
}

class ResizeKernel : public Kernel {
 public:
  ResizeKernel(const NodeDesc& n, const CompileContext&) {
    const bool upsample = n.opType == "Upsample";
    legacy_ = upsample || n.sinceVersion < 11;
    if (upsample && n.sinceVersion < 9) scalesAttr_ = n.getFloats("scales"), hasScalesAttr_ = true;
    mode_ = pick<Mode>(n.getString("mode", "nearest"), "mode",
                       {{"nearest", Mode::Nearest},
                        {"linear", Mode::Linear},
                        {"bilinear", Mode::Linear},
                        {"cubic", Mode::Cubic}});
    check(!legacy_ || mode_ != Mode::Cubic, "Resize: cubic mode needs opset 11");
    if (legacy_) {
      coord_ = Coord::Asymmetric;
      round_ = Round::Simple;
    } else {
      coord_ = pick<Coord>(n.getString("coordinate_transformation_mode", "half_pixel"), "coordinate mode",
                           {{"half_pixel", Coord::HalfPixel},
                            {"half_pixel_symmetric", Coord::HalfPixelSymmetric},
                            {"pytorch_half_pixel", Coord::PytorchHalfPixel},
                            {"align_corners", Coord::AlignCorners},
                            {"asymmetric", Coord::Asymmetric},
                            {"tf_half_pixel_for_nn", Coord::TfHalfPixelNN},
                            {"tf_crop_and_resize", Coord::TfCrop}});
      round_ = pick<Round>(n.getString("nearest_mode", "round_prefer_floor"), "nearest_mode",
                           {{"round_prefer_floor", Round::PreferFloor},
                            {"round_prefer_ceil", Round::PreferCeil},
                            {"floor", Round::Floor},
                            {"ceil", Round::Ceil}});
    }
    cubicA_ = n.getFloat("cubic_coeff_a", -0.75f);
    excludeOutside_ = n.getInt("exclude_outside", 0) != 0;
    extrapolation_ = n.getFloat("extrapolation_value", 0.f);
    antialias_ = n.getInt("antialias", 0) != 0;
    axes_ = n.getInts("axes");
    policy_ = pick<int>(n.getString("keep_aspect_ratio_policy", "stretch"), "keep_aspect_ratio_policy",
                        {{"stretch", 0}, {"not_larger", 1}, {"not_smaller", 2}});
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int r = x.rank();
    std::vector<double> scales, roi;
    std::vector<int64_t> sizes;
    bool scalesFloat = true;  // float32 scales (the usual case) set the coordinate arithmetic's precision
    if (hasScalesAttr_) {
      scales.assign(scalesAttr_.begin(), scalesAttr_.end());
    } else if (legacy_) {
      scales = readReals(ctx.input(1), "Resize scales");
      scalesFloat = ctx.input(1).dtype != DType::Double;
    } else {
      if (ctx.hasInput(1) && ctx.input(1).numel() > 0) roi = readReals(ctx.input(1), "Resize roi");
      if (ctx.hasInput(2) && ctx.input(2).numel() > 0) {
        scales = readReals(ctx.input(2), "Resize scales");
        scalesFloat = ctx.input(2).dtype != DType::Double;
      }
      if (ctx.hasInput(3) && ctx.input(3).numel() > 0) sizes = readInts(ctx.input(3), "Resize sizes");
      check(scales.empty() != sizes.empty(), "Resize needs exactly one of 'scales' and 'sizes'");
    }
    std::vector<int64_t> axes;
    if (axes_.empty()) {
      for (int d = 0; d < r; ++d) axes.push_back(d);
    } else {
      axes = normalizeAxes(axes_, r, "Resize axes");
    }
    const size_t na = axes.size();
    check((scales.empty() ? sizes.size() : scales.size()) == na,
          "Resize: scales/sizes must have one value per resized axis (" + std::to_string(na) + ")");
    const Shape& in = x.shape;
    Shape out = in;
    std::vector<double> sc(r, 1.0), outW(r), rs(r, 0.0), re(r, 1.0);
    for (int d = 0; d < r; ++d) outW[d] = static_cast<double>(in[d]);
    const bool floatCoords = !scales.empty() && scalesFloat;
    if (!scales.empty()) {
      for (size_t i = 0; i < na; ++i) {
        check(scales[i] > 0 && std::isfinite(scales[i]), "Resize: scales must be positive");
        const int64_t d = axes[i];
        sc[d] = scales[i];
        outW[d] = scales[i] * static_cast<double>(in[d]);
        check(outW[d] < 9.0e15, "Resize: output too large");
        out[d] = static_cast<int64_t>(std::floor(outW[d]));
      }
    } else {
      double keep = policy_ == 1 ? 1e300 : 0.0;
      for (size_t i = 0; i < na; ++i) {
        const int64_t d = axes[i];
        check(sizes[i] >= 0, "Resize: sizes must be non-negative");
        check(in[d] > 0 || sizes[i] == 0, "Resize: cannot resize an empty axis to a non-empty one");
        sc[d] = in[d] > 0 ? static_cast<double>(sizes[i]) / static_cast<double>(in[d]) : 1.0;
        out[d] = sizes[i];
        outW[d] = static_cast<double>(sizes[i]);
        keep = policy_ == 1 ? std::min(keep, sc[d]) : std::max(keep, sc[d]);
      }
      if (policy_ != 0) {
        for (int64_t d : axes) {
          sc[d] = keep;
          outW[d] = keep * static_cast<double>(in[d]);
          out[d] = static_cast<int64_t>(outW[d] + 0.5);
        }
      }
    }
    if (coord_ == Coord::TfCrop) {
      check(roi.size() == 2 * na, "Resize: tf_crop_and_resize needs roi of length " + std::to_string(2 * na));
      for (size_t i = 0; i < na; ++i) rs[axes[i]] = roi[i], re[axes[i]] = roi[na + i];
    }
    checkedNumel(out, "Resize output");
    for (int d = 0; d < r; ++d)
      check(in[d] > 0 || out[d] == 0, "Resize: cannot resize an empty axis to a non-empty one");
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    if (y.numel() == 0) return;
    std::vector<AxisTaps> taps(r);
    for (int d = 0; d < r; ++d) taps[d] = axisTaps(in[d], out[d], sc[d], outW[d], rs[d], re[d], floatCoords);
    run(ctx, x, y, taps);
  }

 private:
  // x_original for output position o, evaluated in F: float when the scales came as float32 (as onnxruntime
  // and the ONNX reference do, which decides ties such as 2.5 in nearest mode), double for sizes.
  template <typename F>
  F sourceCoord(int64_t o, int64_t in, double scaleD, double outWD, int64_t outInt, double rsD,
                double reD) const {
    const F x = static_cast<F>(o), half = F(0.5), n1 = static_cast<F>(in - 1), scale = static_cast<F>(scaleD);
    const F outW = static_cast<F>(outWD), rs = static_cast<F>(rsD), re = static_cast<F>(reD);
    switch (coord_) {
      case Coord::HalfPixel:
        return (x + half) / scale - half;
      case Coord::HalfPixelSymmetric: {
        const F offset = static_cast<F>(in) / F(2) * (F(1) - static_cast<F>(outInt) / outW);
        return offset + (x + half) / scale - half;
      }
      case Coord::PytorchHalfPixel:
        return outW > F(1) ? (x + half) / scale - half : F(0);
      case Coord::AlignCorners:
        return outW == F(1) ? F(0) : static_cast<F>(o * (in - 1)) / (outW - F(1));
      case Coord::Asymmetric:
        return x / scale;
      case Coord::TfHalfPixelNN:
        return (x + half) / scale;
      case Coord::TfCrop:
        return outW == F(1) ? half * (rs + re) * n1 : rs * n1 + x * (re - rs) * n1 / (outW - F(1));
    }
    return F(0);
  }

  double cubic(double t) const {  // Keys kernel with coefficient a, |t| < 2
    const double a = cubicA_;
    t = std::fabs(t);
    if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
    if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
    return 0;
  }

  AxisTaps axisTaps(int64_t in, int64_t out, double scale, double outW, double rs, double re,
                    bool floatCoords) const {
    AxisTaps t;
    t.outside.assign(static_cast<size_t>(out), 0);
    std::vector<double> w;
    // An axis left at its size with scale 1 maps each position to itself in every mode (tf_half_pixel_for_nn
    // would otherwise shift it by half a pixel; a crop roi still applies).
    const bool identity = out == in && scale == 1.0 && (coord_ != Coord::TfCrop || (rs == 0 && re == 1));
    for (int64_t o = 0; o < out; ++o) {
      if (identity) {
        t.idx.push_back(o);
        t.w.push_back(1.0);
        t.off.push_back(static_cast<int64_t>(t.idx.size()));
        continue;
      }
      const double xo = floatCoords ? static_cast<double>(sourceCoord<float>(o, in, scale, outW, out, rs, re))
                                    : sourceCoord<double>(o, in, scale, outW, out, rs, re);
      if (coord_ == Coord::TfCrop && (xo < 0 || xo > in - 1.0)) {
        t.outside[o] = 1;
        t.off.push_back(static_cast<int64_t>(t.idx.size()));
        continue;
      }
      int64_t start = 0;  // index of w[0] relative to base
      // base: the input index left of xo (xo - 1 when xo is integral), so ratio lies in (0, 1].
      const double base = std::ceil(xo) - 1.0, ratio = xo - base;
      if (mode_ == Mode::Nearest) {
        double i;
        if (round_ == Round::Simple)
          i = scale < 1 ? std::ceil(xo) : std::trunc(xo);
        else if (ratio == 1.0)
          i = xo;
        else if (round_ == Round::Floor || (round_ == Round::PreferFloor && ratio <= 0.5) ||
                 (round_ == Round::PreferCeil && ratio < 0.5))
          i = base;
        else
          i = base + 1;
        w.assign(1, 1.0);
        start = static_cast<int64_t>(i - base);
      } else if (!antialias_ || scale >= 1) {
        if (mode_ == Mode::Linear) {
          w = {1 - ratio, ratio};
        } else {
          w = {cubic(ratio + 1), cubic(ratio), cubic(1 - ratio), cubic(2 - ratio)};
          start = -1;
        }
      } else {  // antialias: the filter stretched by 1 / scale, normalised
        const double support = mode_ == Mode::Linear ? 1.0 : 2.0;
        start = static_cast<int64_t>(std::floor(-support / scale) + 1);
        w.clear();
        double sum = 0;
        for (int64_t i = start; i < 2 - start; ++i) {
          const double a = scale * (i - ratio);
          const double v = mode_ == Mode::Linear ? std::max(0.0, 1 - std::fabs(a)) : cubic(a);
          w.push_back(v);
          sum += v;
        }
        for (double& v : w) v /= sum;
      }
      const int64_t first = static_cast<int64_t>(base) + start;
      if (excludeOutside_ && mode_ != Mode::Nearest) {
        double sum = 0;
        for (size_t k = 0; k < w.size(); ++k) {
          const int64_t i = first + static_cast<int64_t>(k);
          if (i < 0 || i >= in) w[k] = 0;
          sum += w[k];
        }
        if (sum != 0)
          for (double& v : w) v /= sum;
      }
      for (size_t k = 0; k < w.size(); ++k) {
        if (w[k] == 0) continue;
        const int64_t i = first + static_cast<int64_t>(k);
        t.idx.push_back(std::min(std::max<int64_t>(i, 0), in - 1));
        t.w.push_back(w[k]);
      }
      t.off.push_back(static_cast<int64_t>(t.idx.size()));
    }
    return t;
  }

  // The extrapolation value in x's element storage (zero / empty for non-numeric types).
  template <typename S>
  S fillValue(DType dt) const {
    S fill{};
    if constexpr (std::is_trivially_copyable_v<S>) {
      if (dt == DType::Bool) {
        const uint8_t b = extrapolation_ != 0;
        std::memcpy(&fill, &b, 1);
      } else if (dt != DType::Complex64 && dt != DType::Complex128) {
        dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(dt, "Resize", [&](auto tag) {
          using T = typename decltype(tag)::type;
          if constexpr (sizeof(T) == sizeof(S)) {
            const T v = castOut<T>(extrapolation_);
            std::memcpy(&fill, &v, sizeof(T));
          }
        });
      }
    }
    return fill;
  }

  // Visits every output row (all axes but the last): f(row, combos of (input offset, weight), outside).
  template <typename F>
  void forRows(KernelContext& ctx, const Tensor& x, const Tensor& y, const std::vector<AxisTaps>& taps,
               F&& f) {
    const int r = x.rank();
    const std::vector<int64_t> ist = contiguousStrides(x.shape);
    const int64_t inner = r ? y.shape[r - 1] : 1, rows = y.numel() / inner;
    parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
      std::vector<int64_t> off, off2;
      std::vector<double> wt, wt2;
      for (int64_t row = b; row < e; ++row) {
        off.assign(1, 0);
        wt.assign(1, 1.0);
        bool outside = false;
        int64_t rem = row;
        for (int d = r - 2; d >= 0; --d) {  // combine this row's taps axis by axis
          const int64_t p = rem % y.shape[d];
          rem /= y.shape[d];
          const AxisTaps& t = taps[d];
          if (t.outside[p]) outside = true;
          off2.clear();
          wt2.clear();
          for (size_t c = 0; c < off.size(); ++c)
            for (int64_t k = t.off[p]; k < t.off[p + 1]; ++k) {
              off2.push_back(off[c] + t.idx[k] * ist[d]);
              wt2.push_back(wt[c] * t.w[k]);
            }
          off.swap(off2);
          wt.swap(wt2);
        }
        f(row * inner, inner, off, wt, outside);
      }
    });
  }

  void run(KernelContext& ctx, const Tensor& x, Tensor& y, std::vector<AxisTaps>& taps) {
    if (x.rank() == 0) {  // nothing to resample
      copyElements(x.dtype, y.data, x.data, 1, 1);
      return;
    }
    const AxisTaps& last = taps.back();
    if (mode_ == Mode::Nearest) {
      dispatchStorage(x.dtype, "Resize", [&](auto tag) {
        using S = typename decltype(tag)::type;
        const S fill = fillValue<S>(x.dtype);
        const S* src = x.as<S>();
        S* dst = y.as<S>();
        forRows(ctx, x, y, taps,
                [&](int64_t o0, int64_t n, const std::vector<int64_t>& off, const std::vector<double>&,
                    bool outside) {
                  for (int64_t o = 0; o < n; ++o)
                    dst[o0 + o] = outside || last.outside[o] ? fill : src[off[0] + last.idx[last.off[o]]];
                });
      });
      return;
    }
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "Resize (linear/cubic)", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T fill = castOut<T>(extrapolation_);
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      forRows(ctx, x, y, taps,
              [&](int64_t o0, int64_t n, const std::vector<int64_t>& off, const std::vector<double>& wt,
                  bool outside) {
                for (int64_t o = 0; o < n; ++o) {
                  if (outside || last.outside[o]) {
                    dst[o0 + o] = fill;
                    continue;
                  }
                  double acc = 0;
                  for (size_t c = 0; c < off.size(); ++c) {
                    const T* s = src + off[c];
                    double a = 0;
                    for (int64_t k = last.off[o]; k < last.off[o + 1]; ++k)
                      a += last.w[k] * loadC(s[last.idx[k]]);
                    acc += wt[c] * a;
                  }
                  dst[o0 + o] = castOut<T>(acc);
                }
              });
    });
  }

  bool legacy_ = false, hasScalesAttr_ = false, excludeOutside_ = false, antialias_ = false;
  std::vector<float> scalesAttr_;
  Mode mode_ = Mode::Nearest;
  Coord coord_ = Coord::HalfPixel;
  Round round_ = Round::PreferFloor;
  float cubicA_ = -0.75f, extrapolation_ = 0.f;
  std::vector<int64_t> axes_;
  int policy_ = 0;
};

ONNX_CPU_KERNEL("Upsample", 7, ResizeKernel);
ONNX_CPU_KERNEL("Upsample", 9, ResizeKernel);
ONNX_CPU_KERNEL("Resize", 10, ResizeKernel);
ONNX_CPU_KERNEL("Resize", 11, ResizeKernel);
ONNX_CPU_KERNEL("Resize", 13, ResizeKernel);
ONNX_CPU_KERNEL("Resize", 18, ResizeKernel);
ONNX_CPU_KERNEL("Resize", 19, ResizeKernel);

}  // namespace
}  // namespace onnxfleet
