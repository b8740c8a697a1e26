#include "cast_convert.h"

#include <strings.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#ifdef __F16C__
#include <immintrin.h>
#endif

#include "core/parallel.h"
#include "cpu/util/broadcast.h"
#include "cpu/util/dispatch.h"

namespace onnxfleet {

namespace {

template <typename T>
constexpr bool kHalfLike = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// double -> float rounding to odd: a following rounding to a narrower type then rounds as if directly.
float toFloatRoundOdd(double d) {
  float f = static_cast<float>(d);
  if (std::isfinite(d) && static_cast<double>(f) != d) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 1u) == 0) {
      u = std::fabs(static_cast<double>(f)) > std::fabs(d) ? u - 1 : u + 1;
      std::memcpy(&f, &u, 4);
    }
  }
  return f;
}

template <typename D, typename S>
inline D convertValue(S v) {
  if constexpr (std::is_same_v<D, S>) {
    return v;
  } else if constexpr (kHalfLike<S>) {
    return convertValue<D>(toFloat(v));
  } else if constexpr (kHalfLike<D>) {
    if constexpr (std::is_same_v<S, double>) {
      return fromFloat<D>(toFloatRoundOdd(v));
    } else {
      return fromFloat<D>(static_cast<float>(v));
    }
  } else if constexpr (std::is_same_v<D, bool>) {
    return v != S(0);
  } else {
    return static_cast<D>(v);
  }
}

template <typename D, typename S>
void convertRange(const S* s, D* d, int64_t b, int64_t e) {
#ifdef __F16C__
  if constexpr (std::is_same_v<S, float> && std::is_same_v<D, Half>) {
    for (; b + 8 <= e; b += 8) {
      const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(s + b), _MM_FROUND_TO_NEAREST_INT);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + b), h);
    }
  } else if constexpr (std::is_same_v<S, Half> && std::is_same_v<D, float>) {
    for (; b + 8 <= e; b += 8) {
      const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + b));
      _mm256_storeu_ps(d + b, _mm256_cvtph_ps(h));
    }
  }
#endif
  for (int64_t i = b; i < e; ++i) d[i] = convertValue<D>(s[i]);
}

std::string formatFloat(double v, bool isFloat) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "INF" : "-INF";
  char buf[64];
  std::to_chars_result r = isFloat ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v))
                                   : std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

}  // namespace

void convertAll(const Tensor& src, DType dstType, void* dst, int threads) {
  const int64_t n = src.numel();
  if (src.dtype == DType::Bool) {  // read bytes; any nonzero byte is true
    const uint8_t* ps = src.as<uint8_t>();
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES, bool>(dstType, "Cast target", [&](auto dtag) {
      using D = typename decltype(dtag)::type;
      D* pd = static_cast<D*>(dst);
      parallelFor(threads, n, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) pd[i] = convertValue<D>(static_cast<uint8_t>(ps[i] != 0));
      });
    });
    return;
  }
  dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(src.dtype, "Cast source", [&](auto stag) {
    using S = typename decltype(stag)::type;
    const S* ps = src.as<S>();
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES, bool>(dstType, "Cast target", [&](auto dtag) {
      using D = typename decltype(dtag)::type;
      D* pd = static_cast<D*>(dst);
      parallelFor(threads, n, kElementwiseGrain, [&](int64_t b, int64_t e) { convertRange(ps, pd, b, e); });
    });
  });
}

void formatAll(const Tensor& src, std::string* dst) {
  const int64_t n = src.numel();
  if (src.dtype == DType::Bool) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src.as<uint8_t>()[i] ? "1" : "0";
    return;
  }
  dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(src.dtype, "Cast to string", [&](auto tag) {
    using S = typename decltype(tag)::type;
    const S* p = src.as<S>();
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (kHalfLike<S> || std::is_same_v<S, float>) {
        dst[i] = formatFloat(static_cast<double>(convertValue<float>(p[i])), true);
      } else if constexpr (std::is_same_v<S, double>) {
        dst[i] = formatFloat(p[i], false);
      } else {
        dst[i] = std::to_string(p[i]);
      }
    }
  });
}

double parseDouble(const std::string& s) {
  const char* c = s.c_str();
  while (*c == ' ' || *c == '\t') ++c;
  // strtod reads inf/infinity/nan case-insensitively with an optional sign; "+INF" included.
  char* end = nullptr;
  const double v = std::strtod(c, &end);
  return end == c ? 0.0 : v;
}

int64_t parseInt(const std::string& s) {
  const char* c = s.c_str();
  while (*c == ' ' || *c == '\t') ++c;
  if (strcasecmp(c, "true") == 0) return 1;
  if (strcasecmp(c, "false") == 0) return 0;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(c, &end, 10);
  if (end != c && *end == '\0' && errno == 0) return v;
  if (end != c && *end == '\0' && *c != '-') {  // beyond int64: try uint64 (wraps like the C cast)
    const unsigned long long u = std::strtoull(c, &end, 10);
    return static_cast<int64_t>(u);
  }
  const double d = parseDouble(s);
  if (!(d == d)) return 0;
  if (d >= 9.2233720368547758e18) return INT64_MAX;
  if (d <= -9.2233720368547758e18) return INT64_MIN;
  return static_cast<int64_t>(d);
}

}  // namespace onnxfleet
