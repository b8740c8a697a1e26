// Rotary position embedding of one head vector, shared by RotaryEmbedding (ai.onnx and com.microsoft) and
// the attention kernels that rotate Q/K themselves. The first rotDim elements are rotated as rotDim/2 pairs,
// either (i, i + rotDim/2) (half split) or (2i, 2i + 1) (interleaved); the rest are copied.
#pragma once
#include <cstdint>

#include "cpu/util/reduce_util.h"

namespace onnxfleet {

// y may equal x. cos/sin hold rotDim/2 values of type S (the cache's element type).
template <typename T, typename S>
inline void rotateHead(const T* x, T* y, const S* cos, const S* sin, int64_t rotDim, int64_t headSize,
                       bool interleaved) {
  const int64_t half = rotDim / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float c = static_cast<float>(Num<S>::load(cos[i])), s = static_cast<float>(Num<S>::load(sin[i]));
    const int64_t i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + half;
    const float a = static_cast<float>(Num<T>::load(x[i1])), b = static_cast<float>(Num<T>::load(x[i2]));
    y[i1] = Num<T>::store(static_cast<typename Num<T>::C>(c * a - s * b));
    y[i2] = Num<T>::store(static_cast<typename Num<T>::C>(s * a + c * b));
  }
  if (y != x)
    for (int64_t i = rotDim; i < headSize; ++i) y[i] = x[i];
}

}  // namespace onnxfleet
