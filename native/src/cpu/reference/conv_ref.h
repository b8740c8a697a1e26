// Conv attributes, geometry (output shape and resolved padding) and the plain-loop reference kernel.
// Shared by the reference provider and the oneDNN kernel, which falls back to convRef for non-float32 types.
#pragma once
#include <string>
#include <vector>

#include "core/kernel.h"

namespace onnxfleet {

struct ConvAttrs {
  std::string autoPad;  // NOTSET, SAME_UPPER, SAME_LOWER, VALID
  std::vector<int64_t> kernelShape, pads, strides, dilations;
  int64_t group = 1;
  explicit ConvAttrs(const NodeDesc& node);
};

// Everything resolved for one (X, W) shape pair: spatial sizes per axis and padding per side.
struct ConvGeometry {
  int64_t n = 0, c = 0, m = 0, group = 1;
  std::vector<int64_t> in, kernel, out, padBegin, padEnd, strides, dilations;
  int spatial() const { return static_cast<int>(in.size()); }
  Shape outShape() const;
};

// Validates X/W/B shapes against the attributes and computes the geometry; throws a clear Error otherwise.
ConvGeometry resolveConv(const ConvAttrs& a, const Shape& x, const Shape& w, const Shape* bias);

// FusedConv / NhwcFusedConv (com.microsoft, as in onnxruntime): Y = activation(Conv(X, W, B) + Z), Z an
// optional 4th input of Y's shape. Plain Conv nodes parse to Act::None. Beyond onnxruntime's list, activation
// "QuickGelu" (x * sigmoid(alpha * x), SiLU at alpha 1) is accepted.
struct ConvFusion {
  enum class Act { None, Relu, LeakyRelu, Tanh, Sigmoid, Clip, HardSigmoid, QuickGelu };
  Act act = Act::None;
  float alpha = 0.f, beta = 0.f;  // LeakyRelu slope; Clip min/max; HardSigmoid alpha/beta; QuickGelu alpha
  explicit ConvFusion(const NodeDesc& node);
};

// Y = activation(Y + Z) in place (Z may be null), for the reference path.
void applyConvFusion(const ConvFusion& f, const Tensor* z, Tensor& y, int threads);

// Y = conv(X, W) + B for float, double, float16 and bfloat16 (16-bit types accumulate in float).
void convRef(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor* b, Tensor& y,
             int threads);

}  // namespace onnxfleet
