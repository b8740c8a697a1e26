// Branch-free float versions of exp, tanh, sigmoid and erf that GCC vectorizes inside plain loops
// (glibc's expf/tanhf/erff are scalar calls without -ffast-math). Accuracy: a few ulp over the whole
// range; NaN propagates, overflow gives inf, underflow gives 0.
// Everything is computed on both sides of each select (no FP work behind a branch), so that GCC vectorizes
// the calling loops even under its default -ftrapping-math.
#pragma once
#include <cstdint>
#include <cstring>

namespace onnxfleet {
namespace fastmath {

inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// e^x: x = n ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial (Cephes coefficients), 2^n via the
// exponent bits, applied in two halves so that results near the float limits (overflow to inf, gradual
// underflow to 0) come out right without special cases. NaN propagates through the arithmetic.
// Written without data-dependent selects after the clamp: GCC (with its default -ftrapping-math) only
// vectorizes loops around these functions when no FP work sits behind a condition.
inline float exp(float x) {
  const bool under = x<-104.0f, over = x> 88.8f;  // both tests on x: no comparison behind a branch
  float xc = under ? -104.0f : x;
  xc = over ? 88.8f : xc;
  const float n = __builtin_rintf(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3333452e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = (p * r * r + r) + 1.0f;
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;  // 2^n = 2^n1 * 2^n2, each factor a normal float
  const float s1 = bitsToFloat(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bitsToFloat(static_cast<uint32_t>(n2 + 127) << 23);
  return er * s1 * s2;
}

// 1 / (1 + e^-x)
inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

// tanh: its Taylor series to x^13 for |x| < 0.3, (1 - e^-2|x|) / (1 + e^-2|x|) elsewhere.
inline float tanh(float x) {
  const float ax = x < 0 ? -x : x;
  const float x2 = x * x;
  float p = 21844.0f / 6081075.0f;
  p = p * x2 - 1382.0f / 155925.0f;
  p = p * x2 + 62.0f / 2835.0f;
  p = p * x2 - 17.0f / 315.0f;
  p = p * x2 + 2.0f / 15.0f;
  p = p * x2 - 1.0f / 3.0f;
  const float small = x + x * x2 * p;
  const float e = exp(-2.0f * ax);
  float big = (1.0f - e) / (1.0f + e);
  big = x < 0 ? -big : big;
  return ax < 0.3f ? small : big;
}

// erf: its Maclaurin series to x^21 for |x| < 1; beyond, 1 - t*P(t)*e^(-x^2) with t = 1 / (1 + p|x|)
// (Abramowitz and Stegun 7.1.26: |error| < 1.5e-7 absolute, about 3 ulp since erf(1) = 0.84).
inline float erf(float x) {
  const float ax = x < 0 ? -x : x;
  const float x2 = x * x;
  float s = 1.0f / 76204800.0f;
  s = s * x2 - 1.0f / 6894720.0f;
  s = s * x2 + 1.0f / 685440.0f;
  s = s * x2 - 1.0f / 75600.0f;
  s = s * x2 + 1.0f / 9360.0f;
  s = s * x2 - 1.0f / 1320.0f;
  s = s * x2 + 1.0f / 216.0f;
  s = s * x2 - 1.0f / 42.0f;
  s = s * x2 + 1.0f / 10.0f;
  s = s * x2 - 1.0f / 3.0f;
  s = s * x2 + 1.0f;
  const float small = 1.12837916709551257f * x * s;
  const float t = 1.0f / (1.0f + 0.3275911f * ax);
  float q = 1.061405429f;
  q = q * t - 1.453152027f;
  q = q * t + 1.421413741f;
  q = q * t - 0.284496736f;
  q = q * t + 0.254829592f;
  float big = 1.0f - q * t * exp(-x2);
  big = x < 0 ? -big : big;
  return ax < 1.0f ? small : big;
}

}  // namespace fastmath
}  // namespace onnxfleet
