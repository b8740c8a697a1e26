// ConvTranspose attributes, geometry (output shape, resolved padding) and the plain-loop reference kernel.
// Shared by the reference provider and the oneDNN kernel, which falls back to convTransposeRef for other
// dtypes and for paddings oneDNN does not take (negative begin padding from output_shape).
#pragma once
#include <string>
#include <vector>

#include "core/kernel.h"

namespace onnxfleet {

struct ConvTransposeAttrs {
  std::string autoPad;  // NOTSET, SAME_UPPER, SAME_LOWER, VALID
  std::vector<int64_t> kernelShape, pads, strides, dilations, outputPadding, outputShape;
  int64_t group = 1;
  explicit ConvTransposeAttrs(const NodeDesc& node);
};

struct ConvTransposeGeometry {
  int64_t n = 0, c = 0, m = 0, group = 1;  // c input channels, m output channels
  std::vector<int64_t> in, kernel, out, padBegin, padEnd, strides, dilations, outputPadding;
  int spatial() const { return static_cast<int>(in.size()); }
  Shape outShape() const;
};

// Validates X/W/B shapes against the attributes and computes the geometry; throws a clear Error otherwise.
ConvTransposeGeometry resolveConvTranspose(const ConvTransposeAttrs& a, const Shape& x, const Shape& w,
                                           const Shape* bias);

// Y = conv_transpose(X, W) + B for float, double, float16 and bfloat16.
void convTransposeRef(const ConvTransposeGeometry& g, const Tensor& x, const Tensor& w, const Tensor* b,
                      Tensor& y, int threads);

}  // namespace onnxfleet
