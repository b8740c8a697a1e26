// Shared by NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: attributes, shape checks, label checks and
// the final reduction. Both losses see scores/log-probs as [N, C, D] (D = d1*...*dk, 1 for 2-D inputs) and
// labels as [N, D]; a sample's loss is -logp[n, label, d] * weight[label], 0 when label == ignore_index.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/dispatch.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {

enum class LossReduction { None, Sum, Mean };

struct LossAttrs {
  LossReduction reduction = LossReduction::Mean;
  bool hasIgnore = false;
  int64_t ignoreIndex = 0;

  explicit LossAttrs(const NodeDesc& node) {
    const std::string r = node.getString("reduction", "mean");
    if (r == "none")
      reduction = LossReduction::None;
    else if (r == "sum")
      reduction = LossReduction::Sum;
    else if (r == "mean")
      reduction = LossReduction::Mean;
    else
      throw Error("reduction must be 'none', 'sum' or 'mean', got '" + r + "'");
    hasIgnore = node.has("ignore_index");
    if (hasIgnore) ignoreIndex = node.getInt("ignore_index", 0);
  }
  bool ignored(int64_t label) const { return hasIgnore && label == ignoreIndex; }
};

struct LossDims {
  int64_t n = 0, c = 0, d = 1;
};

// Checks scores [N, C, d1..dk] against labels [N, d1..dk] and the optional weights [C].
inline LossDims lossDims(const Tensor& x, const Tensor& labels, const Tensor* weights) {
  check(x.rank() >= 2, "input must have rank >= 2 ([N, C, d1, ..., dk]), got " + x.describe());
  check(x.dtype == DType::Float || x.dtype == DType::Double || x.dtype == DType::Float16 ||
            x.dtype == DType::BFloat16,
        std::string("input must be a float tensor, got ") + dtypeName(x.dtype));
  check(labels.dtype == DType::Int64 || labels.dtype == DType::Int32,
        std::string("target must be int32 or int64, got ") + dtypeName(labels.dtype));
  bool same = labels.rank() == x.rank() - 1 && labels.shape[0] == x.shape[0];
  for (int i = 2; same && i < x.rank(); ++i) same = labels.shape[i - 1] == x.shape[i];
  check(same, "target shape " + shapeToString(labels.shape) + " does not match input " + x.describe() +
                  " (expected [N, d1, ..., dk])");
  LossDims dims;
  dims.n = x.shape[0];
  dims.c = x.shape[1];
  dims.d = dimProduct(x.shape, 2, x.rank());
  check(dims.c > 0 || dims.n * dims.d == 0,
        "input has no classes (C = 0) but " + std::to_string(dims.n * dims.d) + " samples");
  if (weights) {
    check(weights->dtype == x.dtype, std::string("weight must have the input's dtype ") + dtypeName(x.dtype) +
                                         ", got " + dtypeName(weights->dtype));
    check(weights->rank() == 1 && weights->shape[0] == dims.c,
          "weight must have shape [C] = [" + std::to_string(dims.c) + "], got " + weights->describe());
  }
  return dims;
}

// Reads the labels as int64 and rejects any that is neither in [0, C) nor the ignore_index.
inline std::vector<int64_t> readLabels(const Tensor& labels, int64_t classes, const LossAttrs& attrs) {
  const int64_t count = labels.numel();
  std::vector<int64_t> out(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = labels.dtype == DType::Int64 ? labels.as<int64_t>()[i] : labels.as<int32_t>()[i];
    if (!attrs.ignored(v) && (v < 0 || v >= classes))
      throw Error("target value " + std::to_string(v) + " at index " + std::to_string(i) +
                  " is out of range [0, " + std::to_string(classes) + ")" +
                  (attrs.hasIgnore ? " and is not ignore_index " + std::to_string(attrs.ignoreIndex) : ""));
    out[static_cast<size_t>(i)] = v;
  }
  return out;
}

// Writes output 0 from per-sample log-probabilities of the labelled class (`picked`, [N*D], any value where
// the label is ignored). The mean divides by the summed weights of the samples that are not ignored (their
// count without weights), as PyTorch does; 0/0 gives NaN.
template <typename T>
void writeLoss(KernelContext& ctx, const LossAttrs& attrs, const Tensor& labelsT,
               const std::vector<int64_t>& labels, const std::vector<double>& picked, const Tensor* weights) {
  const size_t count = labels.size();
  auto weightOf = [&](int64_t label) -> double {
    if (attrs.ignored(label)) return 0.0;
    return weights ? static_cast<double>(Num<T>::load(weights->as<T>()[label])) : 1.0;
  };
  if (attrs.reduction == LossReduction::None) {
    T* out = ctx.allocOutput(0, DTypeOf<T>::value, labelsT.shape).template as<T>();
    for (size_t i = 0; i < count; ++i) {
      const double w = weightOf(labels[i]);
      out[i] = Num<T>::store(static_cast<typename Num<T>::C>(w == 0.0 ? 0.0 : -picked[i] * w));
    }
    return;
  }
  double sum = 0.0, wsum = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const double w = weightOf(labels[i]);
    if (w != 0.0) sum += -picked[i] * w;
    wsum += w;
  }
  double result = sum;
  if (attrs.reduction == LossReduction::Mean)
    result = wsum != 0.0 ? sum / wsum : std::numeric_limits<double>::quiet_NaN();
  T* out = ctx.allocOutput(0, DTypeOf<T>::value, {}).template as<T>();
  out[0] = Num<T>::store(static_cast<typename Num<T>::C>(result));
}

}  // namespace onnxfleet
