// Random generators: RandomUniform, RandomNormal, RandomUniformLike, RandomNormalLike, Bernoulli and
// Multinomial. With a `seed` every call draws from a fresh numpy RandomState(seed) (util/numpy_random.h),
// as the ONNX reference does, so seeded runs repeat exactly and match the reference stream; without one a
// fresh state comes from the process generator. Values are drawn in double and scaled in the output type
// (numpy's `rand(...).astype(dtype); res *= high - low; res += low`).
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "core/kernel.h"
#include "cpu/util/numpy_random.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

bool isFloatType(DType t) {
  return t == DType::Float || t == DType::Double || t == DType::Float16 || t == DType::BFloat16;
}

DType floatTypeAttr(const NodeDesc& n, const char* attr, DType dflt) {
  if (!n.has(attr)) return dflt;
  const int64_t v = n.getInt(attr, 0);
  check(dtypeValid(static_cast<int32_t>(v)) && isFloatType(static_cast<DType>(v)),
        n.opType + ": " + attr + " must be a float type, got " + std::to_string(v));
  return static_cast<DType>(v);
}

// Rounds through T the way numpy computes in the output dtype (float16/bfloat16 round after each step).
template <typename T>
T roundTo(double v) {
  return storeC<T>(static_cast<typename ComputeType<T>::type>(v));
}

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
// Fills out[0, n) with draw() * scale + shift, each step rounded to T (no fused multiply-add).
template <typename T, typename Draw>
void fillScaled(T* out, int64_t n, double scale, double shift, Draw&& draw) {
  using C = typename ComputeType<T>::type;
  const C s = loadC(roundTo<T>(scale)), b = loadC(roundTo<T>(shift));
  for (int64_t i = 0; i < n; ++i) {
    const C r = loadC(roundTo<T>(draw()));
    out[i] = storeC<T>(loadC(storeC<T>(r * s)) + b);
  }
}
#pragma GCC pop_options

// RandomUniform / RandomNormal and their *Like forms (shape and, by default, dtype from input 0).
class RandomFillKernel : public Kernel {
 public:
  RandomFillKernel(const NodeDesc& n, const CompileContext&)
      : like_(n.opType.size() > 4 && n.opType.compare(n.opType.size() - 4, 4, "Like") == 0),
        normal_(n.opType.rfind("RandomNormal", 0) == 0),
        dtype_(floatTypeAttr(n, "dtype", like_ ? DType::Undefined : DType::Float)),
        hasSeed_(n.has("seed")),
        seed_(n.getFloat("seed", 0.f)) {
    if (normal_) {
      a_ = n.getFloat("scale", 1.f);  // value = standard_normal * scale + mean
      b_ = n.getFloat("mean", 0.f);
    } else {
      const double high = n.getFloat("high", 1.f), low = n.getFloat("low", 0.f);
      a_ = high - low;  // value = uniform * (high - low) + low
      b_ = low;
    }
    if (!like_) {
      shape_ = n.required("shape").ints;
      checkedNumel(shape_, "shape");
    }
  }

  void compute(KernelContext& ctx) override {
    Shape shape = shape_;
    DType dt = dtype_;
    if (like_) {
      const Tensor& x = ctx.input(0);
      shape = x.shape;
      if (dt == DType::Undefined) {
        check(isFloatType(x.dtype), std::string("input dtype ") + dtypeName(x.dtype) +
                                        " is not a float type; set the dtype attribute");
        dt = x.dtype;
      }
    }
    Tensor& y = ctx.allocOutput(0, dt, shape);
    NumpyRandomState rng = randomStateFor(hasSeed_, seed_);
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(dt, "random output", [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (normal_)
        fillScaled(y.as<T>(), y.numel(), a_, b_, [&] { return rng.nextGauss(); });
      else
        fillScaled(y.as<T>(), y.numel(), a_, b_, [&] { return rng.nextDouble(); });
    });
  }

 private:
  bool like_, normal_;
  DType dtype_;
  bool hasSeed_;
  float seed_;
  double a_ = 1, b_ = 0;
  Shape shape_;
};

class BernoulliKernel : public Kernel {
 public:
  BernoulliKernel(const NodeDesc& n, const CompileContext&)
      : dtype_(n.has("dtype") ? static_cast<DType>(n.getInt("dtype", 0)) : DType::Undefined),
        hasSeed_(n.has("seed")),
        seed_(n.getFloat("seed", 0.f)) {
    if (n.has("dtype")) {
      const int64_t v = n.getInt("dtype", 0);
      const DType d = static_cast<DType>(v);
      check(dtypeValid(static_cast<int32_t>(v)) &&
                (isFloatType(d) || d == DType::Bool || (d >= DType::UInt8 && d <= DType::Int64) ||
                 d == DType::UInt32 || d == DType::UInt64),
            "Bernoulli: dtype must be a numeric or bool type, got " + std::to_string(v));
    }
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    std::vector<double> p(static_cast<size_t>(x.numel()));
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "Bernoulli input", [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<double>(loadC(x.as<T>()[i]));
    });
    for (double v : p)
      check(v >= 0.0 && v <= 1.0, "probabilities must lie in [0, 1], got " + std::to_string(v));
    const DType dt = dtype_ == DType::Undefined ? x.dtype : dtype_;
    Tensor& y = ctx.allocOutput(0, dt, x.shape);
    NumpyRandomState rng = randomStateFor(hasSeed_, seed_);
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES, bool>(dt, "Bernoulli output", [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = y.as<T>();
      for (size_t i = 0; i < p.size(); ++i) {
        const int64_t b = rng.nextBernoulli(p[i]);
        if constexpr (std::is_same_v<T, bool>)
          out[i] = b != 0;
        else
          out[i] = storeC<T>(static_cast<typename ComputeType<T>::type>(b));
      }
    });
  }

 private:
  DType dtype_;
  bool hasSeed_;
  float seed_;
};

// Multinomial: input [batch, classes] of unnormalised log-probabilities; each sample inverts the row's
// cumulative distribution at a uniform draw (rows in order, samples in order).
class MultinomialKernel : public Kernel {
 public:
  MultinomialKernel(const NodeDesc& n, const CompileContext&)
      : dtype_(static_cast<DType>(n.getInt("dtype", 6))),
        samples_(n.getInt("sample_size", 1)),
        hasSeed_(n.has("seed")),
        seed_(n.getFloat("seed", 0.f)) {
    check(dtype_ == DType::Int32 || dtype_ == DType::Int64, "dtype must be int32 or int64");
    check(samples_ >= 0, "sample_size must not be negative");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 2, "input must have shape [batch_size, class_size], got " + x.describe());
    const int64_t batch = x.shape[0], classes = x.shape[1];
    check(classes > 0 || batch == 0, "class_size must be positive");
    std::vector<double> cdf(static_cast<size_t>(batch * classes));
    dispatchTypes<ONNXFLEET_FLOAT_TYPES>(x.dtype, "Multinomial input", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* in = x.as<T>();
      for (int64_t b = 0; b < batch; ++b) {
        const T* row = in + b * classes;
        double mx = -INFINITY;
        for (int64_t c = 0; c < classes; ++c) mx = std::max(mx, static_cast<double>(loadC(row[c])));
        double acc = 0;
        for (int64_t c = 0; c < classes; ++c) {
          const double v = static_cast<double>(loadC(row[c]));
          acc += v == -INFINITY ? 0.0 : std::exp(v - mx);
          cdf[b * classes + c] = acc;
        }
        check(std::isfinite(acc) && acc > 0,
              "row " + std::to_string(b) + " has no finite positive probability (NaN, +inf or all -inf)");
      }
    });
    Tensor& y = ctx.allocOutput(0, dtype_, {batch, samples_});
    NumpyRandomState rng = randomStateFor(hasSeed_, seed_);
    dispatchIndex(dtype_, "Multinomial output", [&](auto tag) {
      using I = typename decltype(tag)::type;
      I* out = y.as<I>();
      for (int64_t b = 0; b < batch; ++b) {
        const double* row = cdf.data() + b * classes;
        for (int64_t s = 0; s < samples_; ++s) {
          const double u = rng.nextDouble() * row[classes - 1];
          const int64_t k = std::upper_bound(row, row + classes, u) - row;
          out[b * samples_ + s] = static_cast<I>(std::min(k, classes - 1));
        }
      }
    });
  }

 private:
  DType dtype_;
  int64_t samples_;
  bool hasSeed_;
  float seed_;
};

ONNX_CPU_KERNEL("RandomUniform", 1, RandomFillKernel);
ONNX_CPU_KERNEL("RandomUniform", 22, RandomFillKernel);
ONNX_CPU_KERNEL("RandomNormal", 1, RandomFillKernel);
ONNX_CPU_KERNEL("RandomNormal", 22, RandomFillKernel);
ONNX_CPU_KERNEL("RandomUniformLike", 1, RandomFillKernel);
ONNX_CPU_KERNEL("RandomUniformLike", 22, RandomFillKernel);
ONNX_CPU_KERNEL("RandomNormalLike", 1, RandomFillKernel);
ONNX_CPU_KERNEL("RandomNormalLike", 22, RandomFillKernel);
ONNX_CPU_KERNEL("Bernoulli", 15, BernoulliKernel);
ONNX_CPU_KERNEL("Bernoulli", 22, BernoulliKernel);
ONNX_CPU_KERNEL("Multinomial", 7, MultinomialKernel);
ONNX_CPU_KERNEL("Multinomial", 22, MultinomialKernel);

}  // namespace
}  // namespace onnxfleet
