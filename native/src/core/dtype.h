// ONNX tensor element types (values match TensorProto.DataType) and scalar conversions.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace onnxfleet {

enum class DType : int32_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  Complex64 = 14,
  Complex128 = 15,
  BFloat16 = 16,
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};

// Bits per element (sub-byte types pack several elements per byte, low bits first).
int dtypeBits(DType t);
const char* dtypeName(DType t);
bool dtypeValid(int32_t raw);
// Bytes needed for n elements of t (sub-byte types round up to whole bytes).
size_t dtypeBytes(DType t, int64_t n);

// IEEE half and bfloat16 stored as raw bits; arithmetic goes through float.
struct Half {
  uint16_t bits = 0;
};
struct BFloat16 {
  uint16_t bits = 0;
};

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
inline float bf16ToFloat(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t floatToBf16(float f) {  // round to nearest even, NaN stays NaN
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// Maps a C++ type to its DType.
template <typename T>
struct DTypeOf;
#define ONNXFLEET_DTYPE_OF(T, D)             \
  template <>                                \
  struct DTypeOf<T> {                        \
    static constexpr DType value = DType::D; \
  }
ONNXFLEET_DTYPE_OF(float, Float);
ONNXFLEET_DTYPE_OF(double, Double);
ONNXFLEET_DTYPE_OF(int8_t, Int8);
ONNXFLEET_DTYPE_OF(uint8_t, UInt8);
ONNXFLEET_DTYPE_OF(int16_t, Int16);
ONNXFLEET_DTYPE_OF(uint16_t, UInt16);
ONNXFLEET_DTYPE_OF(int32_t, Int32);
ONNXFLEET_DTYPE_OF(uint32_t, UInt32);
ONNXFLEET_DTYPE_OF(int64_t, Int64);
ONNXFLEET_DTYPE_OF(uint64_t, UInt64);
ONNXFLEET_DTYPE_OF(bool, Bool);
ONNXFLEET_DTYPE_OF(Half, Float16);
ONNXFLEET_DTYPE_OF(BFloat16, BFloat16);
ONNXFLEET_DTYPE_OF(std::string, String);
#undef ONNXFLEET_DTYPE_OF

}  // namespace onnxfleet
