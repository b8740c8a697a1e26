#include "dtype.h"

namespace onnxfleet {

int dtypeBits(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8:
    case DType::Int8:
    case DType::Float8E4M3FN:
    case DType::Float8E4M3FNUZ:
    case DType::Float8E5M2:
    case DType::Float8E5M2FNUZ:
    case DType::Float8E8M0:
      return 8;
    case DType::UInt16:
    case DType::Int16:
    case DType::Float16:
    case DType::BFloat16:
      return 16;
    case DType::Float:
    case DType::Int32:
    case DType::UInt32:
      return 32;
    case DType::Double:
    case DType::Int64:
    case DType::UInt64:
    case DType::Complex64:
      return 64;
    case DType::Complex128:
      return 128;
    case DType::UInt4:
    case DType::Int4:
    case DType::Float4E2M1:
      return 4;
    case DType::UInt2:
    case DType::Int2:
      return 2;
    case DType::String:
      return 8 * static_cast<int>(sizeof(std::string));
    case DType::Undefined:
      return 0;
  }
  return 0;
}

const char* dtypeName(DType t) {
  switch (t) {
    case DType::Undefined:
      return "undefined";
    case DType::Float:
      return "float32";
    case DType::UInt8:
      return "uint8";
    case DType::Int8:
      return "int8";
    case DType::UInt16:
      return "uint16";
    case DType::Int16:
      return "int16";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::String:
      return "string";
    case DType::Bool:
      return "bool";
    case DType::Float16:
      return "float16";
    case DType::Double:
      return "float64";
    case DType::UInt32:
      return "uint32";
    case DType::UInt64:
      return "uint64";
    case DType::Complex64:
      return "complex64";
    case DType::Complex128:
      return "complex128";
    case DType::BFloat16:
      return "bfloat16";
    case DType::Float8E4M3FN:
      return "float8e4m3fn";
    case DType::Float8E4M3FNUZ:
      return "float8e4m3fnuz";
    case DType::Float8E5M2:
      return "float8e5m2";
    case DType::Float8E5M2FNUZ:
      return "float8e5m2fnuz";
    case DType::UInt4:
      return "uint4";
    case DType::Int4:
      return "int4";
    case DType::Float4E2M1:
      return "float4e2m1";
    case DType::Float8E8M0:
      return "float8e8m0";
    case DType::UInt2:
      return "uint2";
    case DType::Int2:
      return "int2";
  }
  return "unknown";
}

bool dtypeValid(int32_t raw) { return raw >= 1 && raw <= 26; }

size_t dtypeBytes(DType t, int64_t n) {
  const int64_t bits = dtypeBits(t);
  if (t == DType::String) return static_cast<size_t>(n) * sizeof(std::string);
  return static_cast<size_t>((n * bits + 7) / 8);
}

float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: renormalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      u = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t floatToHalf(float f) {  // round to nearest even
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t absu = u & 0x7fffffffu;
  if (absu > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
  if (absu >= 0x477ff000u) {                                             // overflow (incl. rounding) -> inf
    return static_cast<uint16_t>(sign | 0x7c00u);
  }
  if (absu < 0x38800000u) {  // subnormal half or zero
    if (absu < 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t e = absu >> 23;
    const uint32_t m = (absu & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - e;  // 14 - (e - 127) + 10 - 23 + ... combined
    uint32_t v = m >> (shift);
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (v & 1u))) ++v;
    return static_cast<uint16_t>(sign | v);
  }
  uint32_t v = ((absu >> 13) - ((127 - 15) << 10));
  const uint32_t rem = absu & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;
  return static_cast<uint16_t>(sign | v);
}

}  // namespace onnxfleet
