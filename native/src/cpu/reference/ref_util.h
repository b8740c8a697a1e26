// Scalar helpers for the reference kernels: widen to the accumulation type and narrow back.
// Floating types accumulate in double (the reference is the ground truth), integers in their own type.
#pragma once
#include <type_traits>

#include "cpu/util/dispatch.h"

namespace onnxfleet {

template <typename T>
using RefAcc = std::conditional_t<std::is_integral_v<T>, T, double>;

template <typename T>
inline RefAcc<T> widen(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return static_cast<double>(toFloat(v));
  else
    return static_cast<RefAcc<T>>(v);
}

template <typename T, typename A>
inline T narrow(A v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>)
    return fromFloat<T>(static_cast<float>(v));
  else
    return static_cast<T>(v);
}

}  // namespace onnxfleet
