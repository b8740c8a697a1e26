// Integer convolution for ConvInteger and QLinearConv: Y[n, m] = sum (X - x_zp) * (W[m] - w_zp[m]) in int32,
// as one integer matrix product per (image, group): W's group rows [M/g, C/g * k] times an im2col matrix
// [C/g * k, out] of X (padding filled with x_zp, so it contributes zero).
#pragma once
#include <cstdint>

#include "cpu/quant/int_gemm.h"
#include "cpu/reference/conv_ref.h"

namespace onnxfleet {

// x and w are int8/uint8 tensors matching g; wzp holds one value (wzpStep 0) or one per output channel
// (wzpStep 1); y receives g.outShape() int32 values.
void intConv(IntGemm& gemm, KernelContext& ctx, const ConvGeometry& g, const Tensor& x, int32_t xzp,
             const Tensor& w, const int32_t* wzp, int64_t wzpStep, int32_t* y);

}  // namespace onnxfleet
