// GridSample (16, 20, 22): samples X [N, C, d1..dr] at the normalised positions of grid [N, o1..or, r]
// (coordinates listed innermost axis first) with nearest, N-linear or N-cubic interpolation and zeros,
// border or reflection padding. Opset 16 takes 4-D input only; 20+ any number of spatial axes.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

enum class Mode { Nearest, Linear, Cubic };
enum class Pad { Zeros, Border, Reflection };

// Folds x into [lo, hi] by reflecting at both ends (repeatedly for far-away points).
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo || x > hi) {
    const double dx = x < lo ? lo - x : x - hi;
    const double q = std::floor(dx / range), r = dx - q * range;
    const bool even = std::fmod(q, 2.0) == 0;  // an even number of whole bounces ends at the near border
    return x < lo ? (even ? lo + r : hi - r) : (even ? hi - r : lo + r);
  }
  return x;
}

void cubicCoeffs(double t, double c[4]) {  // Keys kernel, a = -0.75, for offsets t+1, t, 1-t, 2-t
  const double a = -0.75;
  auto near = [&](double v) { return ((a + 2) * v - (a + 3)) * v * v + 1; };
  auto far = [&](double v) { return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a; };
  c[0] = far(t + 1);
  c[1] = near(t);
  c[2] = near(1 - t);
  c[3] = far(2 - t);
}

// Integer outputs truncate (the spec computes in floating point and casts at the end), saturating.
template <typename T>
T castOut(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (!(v == v)) return T(0);
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else {
    return storeC<T>(static_cast<typename ComputeType<T>::type>(v));
  }
}

class GridSampleKernel : public Kernel {
 public:
  GridSampleKernel(const NodeDesc& n, const CompileContext&) : sinceVersion_(n.sinceVersion) {
    const std::string m = n.getString("mode", sinceVersion_ < 20 ? "bilinear" : "linear");
    if (m == "nearest")
      mode_ = Mode::Nearest;
    else if (m == "linear" || m == "bilinear")
      mode_ = Mode::Linear;
    else if (m == "cubic" || m == "bicubic")
      mode_ = Mode::Cubic;
    else
      throw Error("GridSample: unsupported mode '" + m + "'");
    const std::string p = n.getString("padding_mode", "zeros");
    if (p == "zeros")
      pad_ = Pad::Zeros;
    else if (p == "border")
      pad_ = Pad::Border;
    else if (p == "reflection")
      pad_ = Pad::Reflection;
    else
      throw Error("GridSample: unsupported padding_mode '" + p + "'");
    alignCorners_ = n.getInt("align_corners", 0) != 0;
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& grid = ctx.input(1);
    const int r = x.rank() - 2;
    check(r >= 1, "GridSample input must have rank >= 3, got " + x.describe());
    check(sinceVersion_ >= 20 || r == 2, "GridSample-16 supports 4-D input only, got " + x.describe());
    check(grid.rank() == r + 2 && grid.shape[0] == x.shape[0] && grid.shape[r + 1] == r,
          "GridSample grid must be [N, out dims..., " + std::to_string(r) + "], got " + grid.describe() +
              " for input " + x.describe());
    const int64_t batch = x.shape[0], chans = x.shape[1];
    Shape outShape{batch, chans};
    for (int d = 0; d < r; ++d) outShape.push_back(grid.shape[1 + d]);
    const Shape dims(x.shape.begin() + 2, x.shape.end());
    const int64_t inSize = dimProduct(dims, 0, dims.size());
    check(inSize > 0 || shapeNumel(outShape) == 0, "GridSample cannot sample an empty input");
    Tensor& y = ctx.allocOutput(0, x.dtype, outShape);
    const int64_t outSize = dimProduct(outShape, 2, outShape.size());
    if (y.numel() == 0) return;
    std::vector<double> g(static_cast<size_t>(grid.numel()));
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(grid.dtype, "GridSample grid", [&](auto tag) {
      using G = typename decltype(tag)::type;
      for (size_t i = 0; i < g.size(); ++i) g[i] = loadC(grid.as<G>()[i]);
    });
    const std::vector<int64_t> st = contiguousStrides(dims);
    constexpr int64_t kBlock = 512;  // positions whose taps are built once and then read for every channel
    const int64_t blocks = (outSize + kBlock - 1) / kBlock;
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "GridSample", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      parallelFor(ctx.threads(), batch * blocks, 1, [&](int64_t b, int64_t e) {
        std::vector<int64_t> off, off2, offs, tapOff;
        std::vector<double> wt, wt2, wts;
        for (int64_t job = b; job < e; ++job) {
          const int64_t n = job / blocks, o0 = (job % blocks) * kBlock, o1 = std::min(outSize, o0 + kBlock);
          offs.clear();
          wts.clear();
          tapOff.assign(1, 0);
          for (int64_t o = o0; o < o1; ++o) {
            taps(&g[static_cast<size_t>((n * outSize + o) * r)], dims, st, off, wt, off2, wt2);
            offs.insert(offs.end(), off.begin(), off.end());
            wts.insert(wts.end(), wt.begin(), wt.end());
            tapOff.push_back(static_cast<int64_t>(offs.size()));
          }
          for (int64_t c = 0; c < chans; ++c) {
            const T* plane = src + (n * chans + c) * inSize;
            T* out = dst + (n * chans + c) * outSize;
            for (int64_t o = o0; o < o1; ++o) {
              double acc = 0;
              for (int64_t k = tapOff[o - o0]; k < tapOff[o - o0 + 1]; ++k)
                acc += wts[k] * loadC(plane[offs[k]]);
              out[o] = castOut<T>(acc);
            }
          }
        }
      });
    });
  }

 private:
  // The (input offset, weight) pairs one output position reads; zero padding drops out-of-range taps.
  void taps(const double* gp, const Shape& dims, const std::vector<int64_t>& st, std::vector<int64_t>& off,
            std::vector<double>& wt, std::vector<int64_t>& off2, std::vector<double>& wt2) const {
    const int r = static_cast<int>(dims.size());
    off.assign(1, 0);
    wt.assign(1, 1.0);
    for (int d = 0; d < r; ++d) {
      const double len = static_cast<double>(dims[d]);
      const double nx = gp[r - 1 - d];  // grid lists the innermost axis first
      double v = alignCorners_ ? (nx + 1) / 2 * (len - 1) : ((nx + 1) * len - 1) / 2;
      const double lo = alignCorners_ ? 0 : -0.5, hi = alignCorners_ ? len - 1 : len - 0.5;
      if (mode_ == Mode::Nearest) v = std::nearbyint(v);
      if (v < lo || v > hi) {
        if (pad_ == Pad::Border) v = std::min(std::max(v, 0.0), len - 1);
        if (pad_ == Pad::Reflection) v = reflect(v, lo, hi);
      }
      int64_t idx[4];
      double w[4];
      int n = 0;
      if (!(v > -4 && v < len + 4)) {  // NaN or far outside (zero padding only): samples nothing
        n = 0;
      } else if (mode_ == Mode::Nearest) {
        idx[0] = static_cast<int64_t>(v), w[0] = 1, n = 1;
      } else {
        const double f = std::floor(v), t = v - f;
        const int64_t i0 = static_cast<int64_t>(f);
        if (mode_ == Mode::Linear) {
          idx[0] = i0, idx[1] = i0 + 1, w[0] = 1 - t, w[1] = t, n = 2;
        } else {
          cubicCoeffs(t, w);
          for (int k = 0; k < 4; ++k) idx[k] = i0 - 1 + k;
          n = 4;
        }
      }
      off2.clear();
      wt2.clear();
      for (int k = 0; k < n; ++k) {
        int64_t p = idx[k];
        if (p < 0 || p >= dims[d]) {
          if (pad_ == Pad::Zeros) continue;
          if (pad_ == Pad::Border) p = std::min<int64_t>(std::max<int64_t>(p, 0), dims[d] - 1);
          if (pad_ == Pad::Reflection)
            p = std::min<int64_t>(
                std::max<int64_t>(static_cast<int64_t>(reflect(static_cast<double>(p), lo, hi)), 0),
                dims[d] - 1);
        }
        for (size_t c = 0; c < off.size(); ++c) {
          off2.push_back(off[c] + p * st[d]);
          wt2.push_back(wt[c] * w[k]);
        }
      }
      off.swap(off2);
      wt.swap(wt2);
    }
  }

  int sinceVersion_;
  Mode mode_ = Mode::Linear;
  Pad pad_ = Pad::Zeros;
  bool alignCorners_ = false;
};

ONNX_CPU_KERNEL("GridSample", 16, GridSampleKernel);
ONNX_CPU_KERNEL("GridSample", 20, GridSampleKernel);
ONNX_CPU_KERNEL("GridSample", 22, GridSampleKernel);

}  // namespace
}  // namespace onnxfleet
