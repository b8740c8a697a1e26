// Pad: constant / reflect / edge / wrap. Pads are the `paddings` (opset 1) or `pads` (2) attribute, then an
// input (11) with optional constant_value and axes (18) inputs; wrap is new in 19. Negative pads crop first,
// then the mode pads the cropped tensor. Each axis gets an output->input index map (-1: constant).
#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

enum class Mode { Constant, Reflect, Edge, Wrap };

class PadKernel : public Kernel {
 public:
  PadKernel(const NodeDesc& n, const CompileContext&)
      : fromAttr_(n.sinceVersion < 11),
        pads_(n.getInts(n.sinceVersion < 2 ? "paddings" : "pads")),
        value_(n.getFloat("value", 0.f)) {
    const std::string m = n.getString("mode", "constant");
    if (m == "constant")
      mode_ = Mode::Constant;
    else if (m == "reflect")
      mode_ = Mode::Reflect;
    else if (m == "edge")
      mode_ = Mode::Edge;
    else if (m == "wrap" && n.sinceVersion >= 19)
      mode_ = Mode::Wrap;
    else
      throw Error("unsupported pad mode '" + m + "'");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t r = x.rank();
    const std::vector<int64_t> raw = fromAttr_ ? pads_ : readInts(ctx.input(1), "pads");
    std::vector<int64_t> axes;
    if (!fromAttr_ && ctx.hasInput(3)) {
      axes = normalizeAxes(readInts(ctx.input(3), "axes"), r);
    } else {
      for (int64_t i = 0; i < r; ++i) axes.push_back(i);
    }
    const size_t na = axes.size();
    check(raw.size() == 2 * na,
          "pads has " + std::to_string(raw.size()) + " entries, expected " + std::to_string(2 * na));
    std::vector<int64_t> begin(r, 0), end(r, 0);
    for (size_t i = 0; i < na; ++i) begin[axes[i]] = raw[i], end[axes[i]] = raw[na + i];

    constexpr int64_t kMaxPad = int64_t{1} << 40;
    for (int64_t p : raw) check(p >= -kMaxPad && p <= kMaxPad, "pad " + std::to_string(p) + " is too large");
    Shape out(r);
    for (int64_t a = 0; a < r; ++a) out[a] = x.shape[a] + begin[a] + end[a];
    checkedNumel(out, "Pad");
    std::vector<std::vector<int64_t>> maps(r);
    for (int64_t a = 0; a < r; ++a) {
      const int64_t d = x.shape[a];
      const int64_t lo = std::max<int64_t>(0, -begin[a]), hi = d - std::max<int64_t>(0, -end[a]);
      check(hi >= lo, "negative pads crop more than dim " + std::to_string(a) + " holds");
      const int64_t dc = hi - lo, pb = std::max<int64_t>(0, begin[a]);
      check(dc > 0 || out[a] == 0 || mode_ == Mode::Constant,
            "cannot pad an empty dim " + std::to_string(a) + " in this mode");
      auto& m = maps[a];
      m.resize(out[a]);
      for (int64_t o = 0; o < out[a]; ++o) {
        int64_t c = o - pb;
        if (c < 0 || c >= dc) {
          switch (mode_) {
            case Mode::Constant:
              c = -1;
              break;
            case Mode::Edge:
              c = c < 0 ? 0 : dc - 1;
              break;
            case Mode::Wrap:
              c = ((c % dc) + dc) % dc;
              break;
            case Mode::Reflect:
              if (dc == 1) {
                c = 0;
              } else {
                const int64_t period = 2 * (dc - 1);
                c = ((c % period) + period) % period;
                if (c >= dc) c = period - c;
              }
              break;
          }
        }
        m[o] = c < 0 ? -1 : c + lo;
      }
    }
    Tensor& y = ctx.allocOutput(0, x.dtype, out);
    if (y.numel() == 0) return;
    const bool sub = isSubByte(x.dtype);
    if (r == 0) {
      if (sub)
        std::memcpy(y.data, x.data, 1);
      else
        copyElements(x.dtype, y.data, x.data, 1, 1);
      return;
    }
    const Tensor* cv = !fromAttr_ && ctx.hasInput(2) ? &ctx.input(2) : nullptr;
    if (cv) {
      check(cv->dtype == x.dtype, "constant_value dtype differs from data's");
      check(cv->numel() == 1, "constant_value must hold one value");
    }
    // Sub-byte types are padded one byte per element, then packed.
    const int bits = dtypeBits(x.dtype);
    Tensor xb, yb, cb;
    if (sub) {
      xb = ctx.scratch(DType::UInt8, x.shape), yb = ctx.scratch(DType::UInt8, out);
      unpackBits(x.data, xb.as<uint8_t>(), x.numel(), bits);
      if (cv) {
        cb = ctx.scratch(DType::UInt8, {1});
        unpackBits(cv->data, cb.as<uint8_t>(), 1, bits);
        cv = &cb;
      }
    }
    const Tensor& X = sub ? xb : x;
    Tensor& Y = sub ? yb : y;
    const std::vector<int64_t> xs = contiguousStrides(x.shape);
    dispatchStorage(X.dtype, "Pad", [&](auto tag) {
      using S = typename decltype(tag)::type;
      S fill{};
      if (cv) {
        fill = cv->as<S>()[0];
      } else if (fromAttr_ && value_ != 0.f) {
        dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "Pad value", [&](auto ttag) {
          using T = typename decltype(ttag)::type;
          const T v = storeC<T>(static_cast<typename ComputeType<T>::type>(value_));
          if constexpr (sizeof(T) == sizeof(S) && std::is_trivially_copyable_v<S>)
            std::memcpy(static_cast<void*>(&fill), &v, sizeof(T));
        });
      }
      const S* src = X.as<S>();
      S* dst = Y.as<S>();
      const int64_t inner = out[r - 1], rows = Y.numel() / inner;
      const auto& mi = maps[r - 1];
      parallelFor(ctx.threads(), rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
        for (int64_t row = b; row < e; ++row) {
          S* o = dst + row * inner;
          int64_t off = 0, rem = row;
          bool constant = false;
          for (int64_t a = r - 2; a >= 0; --a) {
            const int64_t m = maps[a][rem % out[a]];
            rem /= out[a];
            if (m < 0) constant = true;
            off += m * xs[a];
          }
          if (constant) {
            std::fill(o, o + inner, fill);
            continue;
          }
          const S* s = src + off;
          for (int64_t j = 0; j < inner; ++j) o[j] = mi[j] < 0 ? fill : s[mi[j]];
        }
      });
    });
    if (sub) packBits(yb.as<uint8_t>(), y.data, y.numel(), bits);
  }

 private:
  bool fromAttr_;
  std::vector<int64_t> pads_;
  float value_;
  Mode mode_ = Mode::Constant;
};

ONNX_CPU_KERNEL("Pad", 1, PadKernel);
ONNX_CPU_KERNEL("Pad", 2, PadKernel);
ONNX_CPU_KERNEL("Pad", 11, PadKernel);
ONNX_CPU_KERNEL("Pad", 18, PadKernel);
ONNX_CPU_KERNEL("Pad", 19, PadKernel);

}  // namespace
}  // namespace onnxfleet
