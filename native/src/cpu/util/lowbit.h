// Element-wise access to the low-bit element types: the 8-bit floats (E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ,
// E8M0), the 4-bit float E2M1 and the packed integers INT4/UINT4/INT2/UINT2. Sub-byte elements are packed
// low bits first (element 2k of a 4-bit tensor is the low nibble of byte k). The bit-level conversions are
// those of util/small_types.h (which Cast uses for whole tensors); this header adds indexed access for
// kernels that read or write one element at a time (QuantizeLinear, DequantizeLinear, QLinear*), and the
// integer ranges the quantizing kernels saturate to.
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "cpu/util/small_types.h"

namespace onnxfleet {
namespace lowbit {

// Float8*, Float4E2M1, Int4, UInt4, Int2, UInt2.
bool isLowBit(DType t);
// Fewer than 8 bits per element (several elements share a byte).
inline bool isPacked(DType t) {
  return t == DType::Int4 || t == DType::UInt4 || t == DType::Int2 || t == DType::UInt2 ||
         t == DType::Float4E2M1;
}
// Bits per element of a packed type (4 or 2), 8 otherwise.
inline int bitsOf(DType t) {
  if (t == DType::Int2 || t == DType::UInt2) return 2;
  return isPacked(t) ? 4 : 8;
}

// The saturation range of an integer quantization type: int8/uint8/int16/uint16/int4/uint4/int2/uint2
// (and int32). Returns false for any other type.
bool intRange(DType t, int32_t& lo, int32_t& hi);

// Raw bit pattern of element i (low bits of the byte for packed types).
inline uint8_t getCode(DType t, const uint8_t* base, int64_t i) {
  if (!isPacked(t)) return base[i];
  const int bits = bitsOf(t), per = 8 / bits;
  return static_cast<uint8_t>((base[i / per] >> ((i % per) * bits)) & ((1u << bits) - 1));
}
// Replaces element i's bits with `code` (read-modify-write of its byte: two threads must not write
// elements of the same byte).
inline void setCode(DType t, uint8_t* base, int64_t i, uint8_t code) {
  if (!isPacked(t)) {
    base[i] = code;
    return;
  }
  const int bits = bitsOf(t), per = 8 / bits, shift = static_cast<int>(i % per) * bits;
  const uint8_t mask = static_cast<uint8_t>(((1u << bits) - 1) << shift);
  uint8_t& b = base[i / per];
  b = static_cast<uint8_t>((b & ~mask) | ((code << shift) & mask));
}

// Value of a packed integer code (sign-extended for Int4/Int2).
inline int32_t intFromCode(DType t, uint8_t code) {
  if (t == DType::Int4) return code >= 8 ? code - 16 : code;
  if (t == DType::Int2) return code >= 2 ? code - 4 : code;
  return code;
}

// Element i of a low-bit tensor as float: small floats decode exactly (NaN/inf as the format defines),
// packed integers give their integer value.
float toFloat(DType t, const uint8_t* base, int64_t i);
// Element i of an Int4/UInt4/Int2/UInt2 tensor.
inline int32_t toInt(DType t, const uint8_t* base, int64_t i) { return intFromCode(t, getCode(t, base, i)); }

// Stores v into element i with Cast's rules: small floats round to nearest even; `saturate` maps
// out-of-range values (and inf) to +-max instead of inf/NaN (Float4E2M1 always saturates); Float8E8M0 uses
// `e8m0` rounding. Packed integers truncate toward zero and keep the low bits (two's complement wrap).
void fromFloat(DType t, uint8_t* base, int64_t i, float v, bool saturate,
               E8M0Rounding e8m0 = E8M0Rounding::Up);
// Stores an integer into element i of a packed integer tensor, keeping the low bits.
inline void fromInt(DType t, uint8_t* base, int64_t i, int64_t v) {
  setCode(t, base, i, static_cast<uint8_t>(static_cast<uint64_t>(v) & ((1u << bitsOf(t)) - 1)));
}

// The code of a small float type for v (saturate as fromFloat); Float4E2M1 in the low 4 bits.
uint8_t floatCode(DType t, float v, bool saturate, E8M0Rounding e8m0 = E8M0Rounding::Up);

}  // namespace lowbit
}  // namespace onnxfleet
