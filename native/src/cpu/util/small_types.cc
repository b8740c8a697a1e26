#include "small_types.h"

#include <array>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/parallel.h"

namespace onnxfleet {

namespace {

// Layout of a small float: exponent and mantissa widths, bias, the largest finite code, and how the
// format spells NaN/inf. FNUZ formats have no negative zero and use 0x80 as their only NaN.
struct SmallFloatFormat {
  int expBits, manBits, bias;
  uint8_t maxCode;  // largest finite magnitude code (sign bit clear)
  bool fnuz, hasInf;
  uint8_t nanCode;  // magnitude code of NaN (non-FNUZ formats), inf code when hasInf
  uint8_t infCode;
};

const SmallFloatFormat& formatOf(DType t) {
  static const SmallFloatFormat e4m3fn{4, 3, 7, 0x7E, false, false, 0x7F, 0};
  static const SmallFloatFormat e4m3fnuz{4, 3, 8, 0x7F, true, false, 0, 0};
  static const SmallFloatFormat e5m2{5, 2, 15, 0x7B, false, true, 0x7E, 0x7C};
  static const SmallFloatFormat e5m2fnuz{5, 2, 16, 0x7F, true, false, 0, 0};
  static const SmallFloatFormat e2m1{2, 1, 1, 0x7, false, false, 0, 0};
  switch (t) {
    case DType::Float8E4M3FN:
      return e4m3fn;
    case DType::Float8E4M3FNUZ:
      return e4m3fnuz;
    case DType::Float8E5M2:
      return e5m2;
    case DType::Float8E5M2FNUZ:
      return e5m2fnuz;
    case DType::Float4E2M1:
      return e2m1;
    default:
      throw Error(std::string("not a small float type: ") + dtypeName(t));
  }
}

uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float bitsFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float decodeWith(uint8_t code, const SmallFloatFormat& f, DType t) {
  const int total = f.expBits + f.manBits;
  const uint8_t signBit = static_cast<uint8_t>(1u << total);
  code &= static_cast<uint8_t>((signBit << 1) - 1);
  if (f.fnuz && code == 0x80) return NAN;
  const bool neg = (code & signBit) != 0;
  const uint8_t mag = code & static_cast<uint8_t>(signBit - 1);
  const int e = mag >> f.manBits, m = mag & ((1 << f.manBits) - 1);
  float v;
  if (t == DType::Float8E4M3FN && mag == 0x7F) {
    v = NAN;
  } else if (t == DType::Float8E5M2 && e == 31) {
    v = m == 0 ? INFINITY : NAN;
  } else if (e == 0) {
    v = std::ldexp(static_cast<float>(m), 1 - f.bias - f.manBits);
  } else {
    v = std::ldexp(1.0f + static_cast<float>(m) / static_cast<float>(1 << f.manBits), e - f.bias);
  }
  return neg ? -v : v;
}

}  // namespace

bool isSmallFloat(DType t) {
  switch (t) {
    case DType::Float8E4M3FN:
    case DType::Float8E4M3FNUZ:
    case DType::Float8E5M2:
    case DType::Float8E5M2FNUZ:
    case DType::Float8E8M0:
    case DType::Float4E2M1:
      return true;
    default:
      return false;
  }
}

bool isSmallInt(DType t) {
  return t == DType::Int4 || t == DType::UInt4 || t == DType::Int2 || t == DType::UInt2;
}

uint8_t floatToSmallFloat(float x, DType t, bool saturate) {
  const SmallFloatFormat& f = formatOf(t);
  const bool alwaysSaturate = t == DType::Float4E2M1;
  const uint32_t u = floatBits(x);
  const uint8_t sign = (u >> 31) ? static_cast<uint8_t>(1u << (f.expBits + f.manBits)) : 0;
  const uint32_t a = u & 0x7fffffffu;
  auto overflow = [&]() -> uint8_t {
    if (saturate || alwaysSaturate) return sign | f.maxCode;
    if (f.fnuz) return 0x80;
    return sign | (f.hasInf ? f.infCode : f.nanCode);
  };
  if (a > 0x7f800000u) {  // NaN (Float4E2M1 has none: the reference gives -0)
    if (alwaysSaturate) return 0x8;
    return f.fnuz ? 0x80 : (sign | f.nanCode);
  }
  if (a == 0x7f800000u) return overflow();
  if ((a >> 23) == 0) return f.fnuz ? 0 : sign;  // zero or float subnormal: far below every small float
  const int fe = static_cast<int>(a >> 23) - 127;
  if (fe > 17) return overflow();
  const uint32_t m = (a & 0x7fffffu) | 0x800000u;
  const int minNormal = 1 - f.bias;
  const int shift = 23 - f.manBits + (fe < minNormal ? minNormal - fe : 0);
  uint32_t rounded = 0;
  if (shift <= 25) {
    rounded = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (rounded & 1u))) ++rounded;
  }
  const uint32_t code =
      fe < minNormal ? rounded : (static_cast<uint32_t>(fe + f.bias - 1) << f.manBits) + rounded;
  if (code > f.maxCode) return overflow();
  if (code == 0 && f.fnuz) return 0;
  return sign | static_cast<uint8_t>(code);
}

float smallFloatToFloat(uint8_t code, DType t) {
  if (t == DType::Float8E8M0) {
    if (code == 0xFF) return NAN;
    return code == 0 ? bitsFloat(0x00400000u) : bitsFloat(static_cast<uint32_t>(code) << 23);
  }
  return decodeWith(code, formatOf(t), t);
}

uint8_t floatToE8M0(float x, bool saturate, E8M0Rounding mode) {
  const uint32_t u = floatBits(x);
  uint32_t e = (u >> 23) & 0xFFu;
  const uint32_t m = u & 0x7fffffu;
  if (e == 0xFF) return (m == 0 && saturate) ? 0xFE : 0xFF;  // inf saturates, NaN stays NaN
  bool up = false;
  if (mode == E8M0Rounding::Up) up = m != 0;
  if (mode == E8M0Rounding::Nearest) up = m > 0x400000u || (m == 0x400000u && e > 0);
  if (up) {
    if (e == 0xFE) return saturate ? 0xFE : 0xFF;
    ++e;
  }
  return static_cast<uint8_t>(e);
}

void decodeSmallFloat(const Tensor& src, float* dst, int threads) {
  const int64_t n = src.numel();
  const uint8_t* p = src.as<uint8_t>();
  if (src.dtype == DType::Float4E2M1) {
    for (int64_t i = 0; i < n; ++i) dst[i] = smallFloatToFloat((p[i / 2] >> (4 * (i % 2))) & 0xF, src.dtype);
    return;
  }
  std::array<float, 256> table;
  for (int c = 0; c < 256; ++c) table[c] = smallFloatToFloat(static_cast<uint8_t>(c), src.dtype);
  parallelFor(threads, n, 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = table[p[i]];
  });
}

void encodeSmallFloat(const float* src, Tensor& dst, bool saturate, E8M0Rounding mode, int threads) {
  const int64_t n = dst.numel();
  uint8_t* p = dst.as<uint8_t>();
  const DType t = dst.dtype;
  if (t == DType::Float4E2M1) {
    for (int64_t i = 0; i < (n + 1) / 2; ++i) {
      const uint8_t lo = floatToSmallFloat(src[2 * i], t, true);
      const uint8_t hi = 2 * i + 1 < n ? floatToSmallFloat(src[2 * i + 1], t, true) : 0;
      p[i] = static_cast<uint8_t>(lo | (hi << 4));
    }
    return;
  }
  if (t == DType::Float8E8M0) {
    parallelFor(threads, n, 1 << 14, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = floatToE8M0(src[i], saturate, mode);
    });
    return;
  }
  formatOf(t);  // throws for a type this file does not know, before the parallel loop
  parallelFor(threads, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = floatToSmallFloat(src[i], t, saturate);
  });
}

void decodeSmallInt(const Tensor& src, int64_t* dst) {
  const int bits = src.dtype == DType::Int4 || src.dtype == DType::UInt4 ? 4 : 2;
  const bool isSigned = src.dtype == DType::Int4 || src.dtype == DType::Int2;
  const int perByte = 8 / bits;
  const uint8_t* p = src.as<uint8_t>();
  const int64_t n = src.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = (p[i / perByte] >> (bits * (i % perByte))) & ((1 << bits) - 1);
    if (isSigned && v >= (1 << (bits - 1))) v -= (1 << bits);
    dst[i] = v;
  }
}

void encodeSmallInt(const int64_t* src, Tensor& dst) {
  const int bits = dst.dtype == DType::Int4 || dst.dtype == DType::UInt4 ? 4 : 2;
  const int perByte = 8 / bits;
  uint8_t* p = dst.as<uint8_t>();
  const int64_t n = dst.numel();
  const int64_t bytes = (n + perByte - 1) / perByte;
  for (int64_t i = 0; i < bytes; ++i) p[i] = 0;
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t v = static_cast<uint8_t>(static_cast<uint64_t>(src[i]) & ((1u << bits) - 1));
    p[i / perByte] = static_cast<uint8_t>(p[i / perByte] | (v << (bits * (i % perByte))));
  }
}

}  // namespace onnxfleet
