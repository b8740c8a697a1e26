// Shared pieces of the RNN, GRU and LSTM kernels: attributes (direction, activations with alpha/beta,
// clip, layout), validation of the common inputs, layout conversion to and from the time-major working form,
// and the small row-major GEMM the cells use (one per time step for the recurrence, one per direction for
// the input projections of all steps).
#pragma once
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/fast_math.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace rnn {

// exp / tanh / sigmoid: the vectorizable fastmath versions for float, libm for double.
template <typename C>
inline C expC(C x) {
  if constexpr (std::is_same_v<C, float>)
    return fastmath::exp(x);
  else
    return std::exp(x);
}
template <typename C>
inline C tanhC(C x) {
  if constexpr (std::is_same_v<C, float>)
    return fastmath::tanh(x);
  else
    return std::tanh(x);
}
template <typename C>
inline C sigmoidC(C x) {
  return C(1) / (C(1) + expC(-x));
}

struct Activation {
  enum class Kind {
    Sigmoid,
    Tanh,
    Relu,
    Affine,
    LeakyRelu,
    ThresholdedRelu,
    ScaledTanh,
    HardSigmoid,
    Elu,
    Softsign,
    Softplus
  };
  Kind kind = Kind::Sigmoid;
  float alpha = 0, beta = 0;

  // v[i] = act(v[i]) for i < n; one switch per call, plain loops inside.
  template <typename C>
  void apply(C* v, int64_t n) const {
    const C a = static_cast<C>(alpha), b = static_cast<C>(beta);
    switch (kind) {
      case Kind::Sigmoid:
        for (int64_t i = 0; i < n; ++i) v[i] = sigmoidC(v[i]);
        break;
      case Kind::Tanh:
        for (int64_t i = 0; i < n; ++i) v[i] = tanhC(v[i]);
        break;
      case Kind::Relu:
        for (int64_t i = 0; i < n; ++i) v[i] = v[i] > C(0) ? v[i] : C(0);
        break;
      case Kind::Affine:
        for (int64_t i = 0; i < n; ++i) v[i] = a * v[i] + b;
        break;
      case Kind::LeakyRelu:
        for (int64_t i = 0; i < n; ++i) v[i] = v[i] >= C(0) ? v[i] : a * v[i];
        break;
      case Kind::ThresholdedRelu:
        for (int64_t i = 0; i < n; ++i) v[i] = v[i] >= a ? v[i] : C(0);
        break;
      case Kind::ScaledTanh:
        for (int64_t i = 0; i < n; ++i) v[i] = a * tanhC(b * v[i]);
        break;
      case Kind::HardSigmoid:
        for (int64_t i = 0; i < n; ++i) v[i] = std::min(C(1), std::max(C(0), a * v[i] + b));
        break;
      case Kind::Elu:
        for (int64_t i = 0; i < n; ++i) v[i] = v[i] >= C(0) ? v[i] : a * (expC(v[i]) - C(1));
        break;
      case Kind::Softsign:
        for (int64_t i = 0; i < n; ++i) v[i] = v[i] / (C(1) + std::fabs(v[i]));
        break;
      case Kind::Softplus:
        for (int64_t i = 0; i < n; ++i) v[i] = v[i] > C(30) ? v[i] : std::log1p(std::exp(v[i]));
        break;
    }
  }
};

struct Attrs {
  int numDir = 1;
  bool reverse = false;  // direction == "reverse"
  int64_t hidden = -1;   // -1: taken from R
  bool hasClip = false;
  float clip = 0;
  int layout = 0;
  std::vector<Activation> acts;  // perDir activations for each direction, forward first

  // `defaults` are one direction's activation names (e.g. Sigmoid, Tanh, Tanh for LSTM).
  Attrs(const NodeDesc& n, const std::vector<std::string>& defaults) {
    const std::string dir = n.getString("direction", "forward");
    check(dir == "forward" || dir == "reverse" || dir == "bidirectional",
          "unsupported direction '" + dir + "'");
    numDir = dir == "bidirectional" ? 2 : 1;
    reverse = dir == "reverse";
    hidden = n.getInt("hidden_size", -1);
    hasClip = n.has("clip");
    clip = n.getFloat("clip", 0.f);
    check(!hasClip || clip >= 0, "clip must be non-negative");
    layout = static_cast<int>(n.getInt("layout", 0));
    check(layout == 0 || layout == 1, "layout must be 0 or 1");
    std::vector<std::string> names = n.getStrings("activations", {});
    const size_t per = defaults.size();
    if (names.empty())
      for (int d = 0; d < numDir; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
    else if (names.size() == per && numDir == 2)
      names.insert(names.end(), names.begin(), names.end());
    check(names.size() == per * numDir,
          "expected " + std::to_string(per * numDir) + " activations, got " + std::to_string(names.size()));
    const std::vector<float> alphas = n.getFloats("activation_alpha", {}),
                             betas = n.getFloats("activation_beta", {});
    size_t ai = 0, bi = 0;
    for (const std::string& raw : names) {
      std::string s;
      for (char c : raw) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      using K = Activation::Kind;
      struct Def {
        const char* name;
        K kind;
        int uses;  // 1: alpha, 2: alpha and beta
        float alpha, beta;
      };
      static const Def defs[] = {{"sigmoid", K::Sigmoid, 0, 0, 0},
                                 {"tanh", K::Tanh, 0, 0, 0},
                                 {"relu", K::Relu, 0, 0, 0},
                                 {"affine", K::Affine, 2, 1.f, 0.f},
                                 {"leakyrelu", K::LeakyRelu, 1, 0.01f, 0},
                                 {"thresholdedrelu", K::ThresholdedRelu, 1, 1.f, 0},
                                 {"scaledtanh", K::ScaledTanh, 2, 1.f, 1.f},
                                 {"hardsigmoid", K::HardSigmoid, 2, 0.2f, 0.5f},
                                 {"elu", K::Elu, 1, 1.f, 0},
                                 {"softsign", K::Softsign, 0, 0, 0},
                                 {"softplus", K::Softplus, 0, 0, 0}};
      const Def* def = nullptr;
      for (const Def& d : defs)
        if (s == d.name) def = &d;
      check(def != nullptr, "unsupported activation '" + raw + "'");
      Activation a{def->kind, def->alpha, def->beta};
      if (def->uses >= 1 && ai < alphas.size()) a.alpha = alphas[ai++];
      if (def->uses >= 2 && bi < betas.size()) a.beta = betas[bi++];
      acts.push_back(a);
    }
  }

  bool reversed(int d) const { return reverse || d == 1; }
  // Clips v[0, n) to [-clip, clip] when clip is set (applied to every activation's input).
  template <typename C>
  void clampN(C* v, int64_t n) const {
    if (!hasClip) return;
    const C c = static_cast<C>(clip);
    for (int64_t i = 0; i < n; ++i) v[i] = std::min(c, std::max(-c, v[i]));
  }
};

// Sizes shared by the three ops: T steps, B batch, I input size, H hidden, D directions, G gates.
struct Dims {
  int64_t T, B, I, H, D, G;
};

// Validates X, W, R, B, sequence_lens and initial_h (inputs 0-5) against each other and the attributes.
inline Dims resolveDims(const Attrs& a, KernelContext& ctx, int gates, const char* op) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor& r = ctx.input(2);
  const std::string o(op);
  check(x.rank() == 3, o + " X must be 3-D, got " + x.describe());
  check(w.dtype == x.dtype && r.dtype == x.dtype, o + ": X, W and R must share a dtype");
  Dims d{};
  d.T = a.layout ? x.shape[1] : x.shape[0];
  d.B = a.layout ? x.shape[0] : x.shape[1];
  d.I = x.shape[2];
  d.D = a.numDir;
  d.G = gates;
  check(r.rank() == 3 && r.shape[0] == d.D && r.shape[2] > 0 && r.shape[1] == gates * r.shape[2],
        o + " R must be [" + std::to_string(d.D) + ", " + std::to_string(gates) + "*hidden, hidden], got " +
            r.describe());
  d.H = r.shape[2];
  check(a.hidden < 0 || a.hidden == d.H, o + ": hidden_size does not match R");
  check(w.rank() == 3 && w.shape[0] == d.D && w.shape[1] == gates * d.H && w.shape[2] == d.I,
        o + " W must be [" + std::to_string(d.D) + ", " + std::to_string(gates * d.H) + ", " +
            std::to_string(d.I) + "], got " + w.describe());
  if (ctx.hasInput(3)) {
    const Tensor& b = ctx.input(3);
    check(b.dtype == x.dtype && b.rank() == 2 && b.shape[0] == d.D && b.shape[1] == 2 * gates * d.H,
          o + " B must be [" + std::to_string(d.D) + ", " + std::to_string(2 * gates * d.H) + "], got " +
              b.describe());
  }
  if (ctx.hasInput(5)) {
    const Tensor& h = ctx.input(5);
    const Shape want = a.layout ? Shape{d.B, d.D, d.H} : Shape{d.D, d.B, d.H};
    check(h.dtype == x.dtype && h.shape == want,
          o + " initial_h must be " + shapeToString(want) + ", got " + h.describe());
  }
  return d;
}

// sequence_lens (input 4) or T for every batch entry; each must lie in [0, T].
inline std::vector<int64_t> sequenceLengths(KernelContext& ctx, const Dims& d) {
  std::vector<int64_t> lens(static_cast<size_t>(d.B), d.T);
  if (!ctx.hasInput(4)) return lens;
  const Tensor& s = ctx.input(4);
  check(s.numel() == d.B && (s.dtype == DType::Int32 || s.dtype == DType::Int64),
        "sequence_lens must be int32 [batch_size], got " + s.describe());
  for (int64_t b = 0; b < d.B; ++b) {
    lens[b] = s.dtype == DType::Int32 ? s.as<int32_t>()[b] : s.as<int64_t>()[b];
    check(lens[b] >= 0 && lens[b] <= d.T, "sequence_lens value " + std::to_string(lens[b]) + " out of range");
  }
  return lens;
}

// X as [T, B, I] in the compute type.
template <typename C, typename T>
std::vector<C> loadInput(const Tensor& x, const Dims& d, int layout) {
  std::vector<C> out(static_cast<size_t>(d.T * d.B * d.I));
  const T* p = x.as<T>();
  for (int64_t t = 0; t < d.T; ++t)
    for (int64_t b = 0; b < d.B; ++b) {
      const T* src = p + (layout ? b * d.T + t : t * d.B + b) * d.I;
      C* dst = out.data() + (t * d.B + b) * d.I;
      for (int64_t i = 0; i < d.I; ++i) dst[i] = static_cast<C>(loadC(src[i]));
    }
  return out;
}

// A [D, B, H] state input (initial_h / initial_c) in the compute type; zeros when absent.
template <typename C, typename T>
std::vector<C> loadState(KernelContext& ctx, int index, const Dims& d, int layout) {
  std::vector<C> out(static_cast<size_t>(d.D * d.B * d.H), C(0));
  if (!ctx.hasInput(index)) return out;
  const T* p = ctx.input(index).as<T>();
  for (int64_t dir = 0; dir < d.D; ++dir)
    for (int64_t b = 0; b < d.B; ++b)
      for (int64_t h = 0; h < d.H; ++h)
        out[(dir * d.B + b) * d.H + h] =
            static_cast<C>(loadC(p[(layout ? b * d.D + dir : dir * d.B + b) * d.H + h]));
  return out;
}

// Writes Y from the [T, D, B, H] working buffer.
template <typename C, typename T>
void storeSequence(KernelContext& ctx, int index, const std::vector<C>& y, const Dims& d, int layout) {
  if (!ctx.wantsOutput(index)) return;
  Tensor& out = ctx.allocOutput(index, ctx.input(0).dtype,
                                layout ? Shape{d.B, d.T, d.D, d.H} : Shape{d.T, d.D, d.B, d.H});
  T* p = out.as<T>();
  for (int64_t t = 0; t < d.T; ++t)
    for (int64_t dir = 0; dir < d.D; ++dir)
      for (int64_t b = 0; b < d.B; ++b) {
        const C* src = y.data() + ((t * d.D + dir) * d.B + b) * d.H;
        T* dst = p + (layout ? (b * d.T + t) * d.D + dir : (t * d.D + dir) * d.B + b) * d.H;
        for (int64_t h = 0; h < d.H; ++h) dst[h] = storeC<T>(src[h]);
      }
}

// Writes Y_h / Y_c from a [D, B, H] state.
template <typename C, typename T>
void storeState(KernelContext& ctx, int index, const std::vector<C>& s, const Dims& d, int layout) {
  if (!ctx.wantsOutput(index)) return;
  Tensor& out =
      ctx.allocOutput(index, ctx.input(0).dtype, layout ? Shape{d.B, d.D, d.H} : Shape{d.D, d.B, d.H});
  T* p = out.as<T>();
  for (int64_t dir = 0; dir < d.D; ++dir)
    for (int64_t b = 0; b < d.B; ++b)
      for (int64_t h = 0; h < d.H; ++h)
        p[(layout ? b * d.D + dir : dir * d.B + b) * d.H + h] = storeC<T>(s[(dir * d.B + b) * d.H + h]);
}

// One direction's gate-major weights [rows, k] (W or R) transposed to [k, rows].
template <typename C, typename T>
std::vector<C> transposed(const Tensor& w, int64_t dir, int64_t rows, int64_t k) {
  std::vector<C> out(static_cast<size_t>(rows * k));
  const T* p = w.as<T>() + dir * rows * k;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < k; ++i) out[i * rows + r] = static_cast<C>(loadC(p[r * k + i]));
  return out;
}

// One direction's bias halves (Wb, Rb), each [G*H]; zeros when B is absent.
template <typename C, typename T>
void loadBias(KernelContext& ctx, const Dims& d, int64_t dir, std::vector<C>& wb, std::vector<C>& rb) {
  const int64_t n = d.G * d.H;
  wb.assign(static_cast<size_t>(n), C(0));
  rb.assign(static_cast<size_t>(n), C(0));
  if (!ctx.hasInput(3)) return;
  const T* p = ctx.input(3).as<T>() + dir * 2 * n;
  for (int64_t i = 0; i < n; ++i)
    wb[i] = static_cast<C>(loadC(p[i])), rb[i] = static_cast<C>(loadC(p[n + i]));
}

// c[i, 0:n] = (accumulate ? c : 0) + a[i, 0:k] * b[0:k, 0:n] for i < m; row-major with leading dimensions.
template <typename C>
void gemm(int64_t m, int64_t n, int64_t k, const C* a, int64_t lda, const C* b, int64_t ldb, C* c,
          int64_t ldc, bool accumulate, int threads) {
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  const int nt = m * n * k >= (int64_t{1} << 17) ? threads : 1;
  parallelFor(nt, m * blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t job = begin; job < end; ++job) {
      const int64_t i = job / blocks, j0 = (job % blocks) * kBlock, j1 = std::min(n, j0 + kBlock);
      C* crow = c + i * ldc;
      if (!accumulate) std::fill(crow + j0, crow + j1, C(0));
      for (int64_t kk = 0; kk < k; ++kk) {
        const C av = a[i * lda + kk];
        const C* brow = b + kk * ldb;
        for (int64_t j = j0; j < j1; ++j) crow[j] += av * brow[j];
      }
    }
  });
}

// float goes to oneDNN's sgemm (row-major), run with this kernel's thread budget.
template <>
inline void gemm<float>(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                        int64_t ldb, float* c, int64_t ldc, bool accumulate, int threads) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.f);
    return;
  }
  const int saved = omp_get_max_threads();
  omp_set_num_threads(std::max(threads, 1));
  const dnnl_status_t st = dnnl_sgemm('N', 'N', m, n, k, 1.f, a, lda, b, ldb, accumulate ? 1.f : 0.f, c, ldc);
  omp_set_num_threads(saved);
  check(st == dnnl_success, "oneDNN sgemm failed (status " + std::to_string(static_cast<int>(st)) + ")");
}

// The input projections of every step for one direction: xw[T*B, G*H] = X * W^T + bias (bias may be null).
template <typename C, typename T>
std::vector<C> inputProjection(const std::vector<C>& x, const Tensor& w, const Dims& d, int64_t dir,
                               const C* bias, int threads) {
  const int64_t n = d.G * d.H;
  const std::vector<C> wt = transposed<C, T>(w, dir, n, d.I);
  std::vector<C> xw(static_cast<size_t>(d.T * d.B * n));
  gemm<C>(d.T * d.B, n, d.I, x.data(), d.I, wt.data(), n, xw.data(), n, false, threads);
  if (bias)
    for (int64_t r = 0; r < d.T * d.B; ++r)
      for (int64_t j = 0; j < n; ++j) xw[r * n + j] += bias[j];
  return xw;
}

}  // namespace rnn
}  // namespace onnxfleet
