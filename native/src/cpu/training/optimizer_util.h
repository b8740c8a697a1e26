// Shared by the ai.onnx.preview.training optimizers (Adagrad, Adam, Momentum): inputs are R (scalar learning
// rate), T (scalar int64 update count), then `groups` runs of k tensors each (X_1..X_k, G_1..G_k, ...);
// outputs are `outGroups` runs of k tensors. Every tensor of one optimized variable must have X's shape and
// dtype (float or double); the update is element-wise.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "core/kernel.h"
#include "core/parallel.h"
#include "cpu/util/dispatch.h"

namespace onnxfleet {

struct OptimizerStep {
  double r = 0;   // learning rate
  int64_t t = 0;  // update count
  int64_t k = 0;  // number of optimized tensors
};

inline double readScalarAsDouble(const Tensor& t, const char* what) {
  check(t.numel() == 1, std::string(what) + " must be a scalar, got " + t.describe());
  if (t.dtype == DType::Float) return t.as<float>()[0];
  if (t.dtype == DType::Double) return t.as<double>()[0];
  throw Error(std::string(what) + " must be float or double, got " + dtypeName(t.dtype));
}

// Reads R and T and checks the tensor groups; `op` names the operator in messages.
inline OptimizerStep readOptimizerInputs(KernelContext& ctx, int groups, int outGroups, const char* op) {
  const int rest = ctx.numInputs() - 2;
  check(rest > 0 && rest % groups == 0, std::string(op) + " needs R, T and " + std::to_string(groups) +
                                            " tensors per optimized variable, got " +
                                            std::to_string(ctx.numInputs()) + " inputs");
  OptimizerStep s;
  s.k = rest / groups;
  check(ctx.numOutputs() <= outGroups * s.k,
        std::string(op) + " with " + std::to_string(s.k) + " optimized tensors has at most " +
            std::to_string(outGroups * s.k) + " outputs, got " + std::to_string(ctx.numOutputs()));
  s.r = readScalarAsDouble(ctx.input(0), "R (learning rate)");
  const Tensor& t = ctx.input(1);
  check(t.dtype == DType::Int64 && t.numel() == 1,
        "T (update count) must be an int64 scalar, got " + t.describe());
  s.t = t.as<int64_t>()[0];
  for (int64_t i = 0; i < s.k; ++i) {
    const Tensor& x = ctx.input(static_cast<int>(2 + i));
    check(x.dtype == DType::Float || x.dtype == DType::Double,
          std::string("optimized tensors must be float or double, got ") + x.describe());
    for (int g = 1; g < groups; ++g) {
      const Tensor& o = ctx.input(static_cast<int>(2 + g * s.k + i));
      check(o.dtype == x.dtype && o.shape == x.shape, "input " + std::to_string(2 + g * s.k + i) + " " +
                                                          o.describe() + " must match optimized tensor " +
                                                          std::to_string(2 + i) + " " + x.describe());
    }
  }
  return s;
}

// Runs fn(tag, i, n) for optimized tensor i over its n elements, split across threads by the caller.
template <typename F>
void forEachOptimized(KernelContext& ctx, const OptimizerStep& s, const char* op, F&& fn) {
  for (int64_t i = 0; i < s.k; ++i) {
    const Tensor& x = ctx.input(static_cast<int>(2 + i));
    dispatchTypes<float, double>(x.dtype, op, [&](auto tag) { fn(tag, i, x); });
  }
}

}  // namespace onnxfleet
