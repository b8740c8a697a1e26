// Element types without a C++ counterpart: the 8-bit floats (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0),
// the 4-bit float E2M1 and the packed 4/2-bit integers (INT4, UINT4, INT2, UINT2; sub-byte elements are
// packed low bits first). Cast uses these; QuantizeLinear/DequantizeLinear may too.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace onnxfleet {

// True for Float8*, Float4E2M1 (decoded through float).
bool isSmallFloat(DType t);
// True for Int4, UInt4, Int2, UInt2 (decoded through int64).
bool isSmallInt(DType t);

// float -> code of a small float type (8 bits, or 4 in the low bits for Float4E2M1), round to nearest even.
// `saturate` follows Cast: out-of-range values become +-max instead of inf/NaN (Float4E2M1 always saturates).
uint8_t floatToSmallFloat(float x, DType t, bool saturate);
float smallFloatToFloat(uint8_t code, DType t);

// float -> E8M0 (a power of two, 2^(code-127); 255 is NaN). The sign is ignored.
enum class E8M0Rounding { Up, Down, Nearest };
uint8_t floatToE8M0(float x, bool saturate, E8M0Rounding mode);

// Whole-tensor decoding/encoding. n is the element count; packed types read/write (n*bits+7)/8 bytes.
void decodeSmallFloat(const Tensor& src, float* dst, int threads);
void encodeSmallFloat(const float* src, Tensor& dst, bool saturate, E8M0Rounding mode, int threads);
void decodeSmallInt(const Tensor& src, int64_t* dst);
void encodeSmallInt(const int64_t* src, Tensor& dst);  // keeps the low bits (two's complement wrap)

}  // namespace onnxfleet
