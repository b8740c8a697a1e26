#include "cpu/quant/quant_util.h"

#include "cpu/util/dispatch.h"
#include "cpu/util/lowbit.h"

namespace onnxfleet {

QuantLayout resolveQuantLayout(const Shape& x, const Shape& scale, int64_t axis, int64_t blockSize,
                               const char* what) {
  QuantLayout l;
  const int64_t rank = static_cast<int64_t>(x.size());
  l.inner = shapeNumel(x);
  check(blockSize >= 0, "block_size must be >= 0, got " + std::to_string(blockSize));
  if (shapeNumel(scale) == 1) return l;  // per-tensor
  auto fail = [&](const std::string& why) {
    throw Error(std::string(what) + " " + shapeToString(scale) + " does not fit x " + shapeToString(x) +
                " with axis=" + std::to_string(axis) +
                (blockSize ? " block_size=" + std::to_string(blockSize) : std::string()) + ": " + why);
  };
  if (axis < -rank || axis >= rank) fail("axis out of range");
  const int64_t ax = axis < 0 ? axis + rank : axis;
  l.outer = 1, l.inner = 1, l.dim = x[ax];
  for (int64_t d = 0; d < ax; ++d) l.outer *= x[d];
  for (int64_t d = ax + 1; d < rank; ++d) l.inner *= x[d];
  if (blockSize == 0) {
    if (scale.size() != 1 || scale[0] != x[ax]) fail("a per-axis scale must be 1-D of length x.shape[axis]");
    l.kind = QuantLayout::Kind::PerAxis;
    return l;
  }
  if (static_cast<int64_t>(scale.size()) != rank) fail("a blocked scale must have x's rank");
  for (int64_t d = 0; d < rank; ++d)
    if (d != ax && scale[d] != x[d]) fail("a blocked scale must match x outside the blocked axis");
  if (scale[ax] != (x[ax] + blockSize - 1) / blockSize)
    fail("the blocked axis must have ceil(" + std::to_string(x[ax]) + " / block_size) scales");
  l.kind = QuantLayout::Kind::Blocked;
  l.block = blockSize;
  l.scaleDim = scale[ax];
  return l;
}

void checkZeroPointShape(const Tensor& zp, const Tensor& scale, const char* zpName, const char* scaleName) {
  const bool bothSingle = zp.numel() == 1 && scale.numel() == 1 && zp.rank() <= 1 && scale.rank() <= 1;
  check(bothSingle || zp.shape == scale.shape, std::string(zpName) + " " + shapeToString(zp.shape) +
                                                   " must have the shape of " + scaleName + " " +
                                                   shapeToString(scale.shape));
}

std::vector<float> readFloats(const Tensor& t, const char* what) {
  const int64_t n = t.numel();
  std::vector<float> out(static_cast<size_t>(n));
  if (lowbit::isLowBit(t.dtype)) {
    for (int64_t i = 0; i < n; ++i) out[i] = lowbit::toFloat(t.dtype, t.as<uint8_t>(), i);
    return out;
  }
  dispatchTypes<float, double, Half, BFloat16, int8_t, uint8_t, int16_t, uint16_t, int32_t>(
      t.dtype, what, [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* p = t.as<T>();
        for (int64_t i = 0; i < n; ++i) out[i] = toFloat(p[i]);
      });
  return out;
}

std::vector<int32_t> readQuantInts(const Tensor& t, const char* what) {
  const int64_t n = t.numel();
  std::vector<int32_t> out(static_cast<size_t>(n));
  if (isSmallInt(t.dtype)) {
    for (int64_t i = 0; i < n; ++i) out[i] = lowbit::toInt(t.dtype, t.as<uint8_t>(), i);
    return out;
  }
  dispatchTypes<int8_t, uint8_t, int16_t, uint16_t, int32_t>(t.dtype, what, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = t.as<T>();
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int32_t>(p[i]);
  });
  return out;
}

float roundToHalf(float v) { return halfToFloat(floatToHalf(v)); }
float roundToBf16(float v) { return bf16ToFloat(floatToBf16(v)); }

bool isQuantizedType(DType t) {
  int32_t lo, hi;
  return (t != DType::Int32 && lowbit::intRange(t, lo, hi)) || (isSmallFloat(t) && t != DType::Float8E8M0);
}

}  // namespace onnxfleet
