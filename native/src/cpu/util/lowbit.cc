#include "cpu/util/lowbit.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace onnxfleet {
namespace lowbit {

bool isLowBit(DType t) { return isSmallFloat(t) || isSmallInt(t); }

bool intRange(DType t, int32_t& lo, int32_t& hi) {
  switch (t) {
    case DType::Int8:
      lo = -128, hi = 127;
      return true;
    case DType::UInt8:
      lo = 0, hi = 255;
      return true;
    case DType::Int16:
      lo = -32768, hi = 32767;
      return true;
    case DType::UInt16:
      lo = 0, hi = 65535;
      return true;
    case DType::Int32:
      lo = INT32_MIN, hi = INT32_MAX;
      return true;
    case DType::Int4:
      lo = -8, hi = 7;
      return true;
    case DType::UInt4:
      lo = 0, hi = 15;
      return true;
    case DType::Int2:
      lo = -2, hi = 1;
      return true;
    case DType::UInt2:
      lo = 0, hi = 3;
      return true;
    default:
      return false;
  }
}

float toFloat(DType t, const uint8_t* base, int64_t i) {
  const uint8_t code = getCode(t, base, i);
  if (isSmallInt(t)) return static_cast<float>(intFromCode(t, code));
  return smallFloatToFloat(code, t);
}

uint8_t floatCode(DType t, float v, bool saturate, E8M0Rounding e8m0) {
  if (t == DType::Float8E8M0) return floatToE8M0(v, saturate, e8m0);
  return floatToSmallFloat(v, t, saturate);
}

void fromFloat(DType t, uint8_t* base, int64_t i, float v, bool saturate, E8M0Rounding e8m0) {
  if (isSmallInt(t)) {
    // Truncate toward zero like Cast; NaN and values beyond int64 give 0 (undefined in ONNX).
    const int64_t iv = std::isfinite(v) && std::fabs(v) < 9.2e18f ? static_cast<int64_t>(v) : 0;
    fromInt(t, base, i, iv);
    return;
  }
  if (!isSmallFloat(t)) throw Error(std::string("lowbit::fromFloat: not a low-bit type: ") + dtypeName(t));
  setCode(t, base, i, floatCode(t, v, saturate, e8m0));
}

}  // namespace lowbit
}  // namespace onnxfleet
