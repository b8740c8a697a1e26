// Type dispatch for kernels: run a generic lambda for the C++ type matching a runtime DType.
//   dispatchTypes<float, double, int32_t>(t.dtype, "Relu", [&](auto tag) { using T = typename
//   decltype(tag)::type; ... });
#pragma once
#include <string>

#include "core/dtype.h"
#include "core/error.h"

namespace onnxfleet {

template <typename T>
struct Tag {
  using type = T;
};

template <typename... Ts, typename F>
void dispatchTypes(DType dt, const char* what, F&& f) {
  const bool done = ((dt == DTypeOf<Ts>::value ? (f(Tag<Ts>{}), true) : false) || ...);
  if (!done) throw Error(std::string("unsupported dtype ") + dtypeName(dt) + " for " + what);
}

// Common type lists, spelled as macros so they can be expanded inside dispatchTypes<...>.
#define ONNXFLEET_FLOAT_TYPES float, double, ::onnxfleet::Half, ::onnxfleet::BFloat16
#define ONNXFLEET_INT_TYPES int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t
#define ONNXFLEET_NUMERIC_TYPES ONNXFLEET_FLOAT_TYPES, ONNXFLEET_INT_TYPES
#define ONNXFLEET_ALL_TYPES ONNXFLEET_NUMERIC_TYPES, bool, std::string

// Scalar conversion to and from float for the 16-bit float types (identity for everything else).
template <typename T>
inline float toFloat(T v) {
  return static_cast<float>(v);
}
template <>
inline float toFloat<Half>(Half v) {
  return halfToFloat(v.bits);
}
template <>
inline float toFloat<BFloat16>(BFloat16 v) {
  return bf16ToFloat(v.bits);
}
template <typename T>
inline T fromFloat(float f) {
  return static_cast<T>(f);
}
template <>
inline Half fromFloat<Half>(float f) {
  return Half{floatToHalf(f)};
}
template <>
inline BFloat16 fromFloat<BFloat16>(float f) {
  return BFloat16{floatToBf16(f)};
}

// The type arithmetic is done in: float for the 16-bit floats, the type itself otherwise.
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<Half> {
  using type = float;
};
template <>
struct ComputeType<BFloat16> {
  using type = float;
};

}  // namespace onnxfleet
