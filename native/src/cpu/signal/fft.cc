// FftPlan (fft.h): radix-2, direct and Bluestein transforms in double precision.
#include "cpu/signal/fft.h"

#include <cmath>

#include "core/error.h"

namespace onnxfleet {
namespace {

constexpr int64_t kDirectMax = 64;  // direct O(n^2) sums up to this length (when not a power of two)
constexpr int64_t kMaxLength = int64_t{1} << 28;  // bounds the plan's memory (Bluestein: 4 n complex values)

bool isPow2(int64_t n) { return (n & (n - 1)) == 0; }

// e^{-2 pi i num/den}.
cdouble unitRoot(int64_t num, int64_t den) {
  const double a = 2.0 * M_PI * static_cast<double>(num) / static_cast<double>(den);
  return {std::cos(a), -std::sin(a)};
}

// Plain complex product (std::complex's operator* goes through __muldc3 for its inf/NaN rules).
inline cdouble mul(cdouble a, cdouble b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

}  // namespace

FftPlan::FftPlan(int64_t n) : n_(n) {
  check(n >= 1, "FFT length must be positive, got " + std::to_string(n));
  check(n <= kMaxLength, "FFT length " + std::to_string(n) + " exceeds the supported maximum 2^28");
  if (isPow2(n)) {
    kind_ = Kind::Pow2;
    tw_.resize(static_cast<size_t>(n / 2));
    for (int64_t k = 0; k < n / 2; ++k) tw_[k] = unitRoot(k, n);
  } else if (n <= kDirectMax) {
    kind_ = Kind::Direct;
    tw_.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) tw_[k] = unitRoot(k, n);
  } else {
    kind_ = Kind::Bluestein;
    int64_t m = 1;
    while (m < 2 * n - 1) m <<= 1;
    inner_ = std::make_unique<FftPlan>(m);
    chirp_.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      // k^2 mod 2n keeps the angle exact for large k: e^{-pi i k^2/n} has period 2n in k^2.
      const int64_t r = static_cast<int64_t>((static_cast<uint64_t>(k) * static_cast<uint64_t>(k)) %
                                             static_cast<uint64_t>(2 * n));
      const double a = M_PI * static_cast<double>(r) / static_cast<double>(n);
      chirp_[k] = {std::cos(a), -std::sin(a)};
    }
    kernel_.assign(static_cast<size_t>(m), cdouble(0, 0));
    kernel_[0] = std::conj(chirp_[0]);
    for (int64_t k = 1; k < n; ++k) kernel_[k] = kernel_[m - k] = std::conj(chirp_[k]);
    inner_->pow2(kernel_.data());
  }
}

int64_t FftPlan::workSize() const {
  return kind_ == Kind::Pow2 ? 0 : kind_ == Kind::Direct ? n_ : inner_->n_;
}

void FftPlan::run(cdouble* x, bool inverse, cdouble* work) const {
  // The inverse transform is the conjugate of the forward transform of the conjugate.
  if (inverse)
    for (int64_t i = 0; i < n_; ++i) x[i] = std::conj(x[i]);
  forward(x, work);
  if (inverse)
    for (int64_t i = 0; i < n_; ++i) x[i] = std::conj(x[i]);
}

// Works on interleaved doubles (std::complex<double> arrays may be accessed so): keeps the compiler from
// spilling complex temporaries through the stack.
void FftPlan::pow2(cdouble* x) const {
  const int64_t n = n_;
  for (int64_t i = 1, j = 0; i < n; ++i) {  // bit-reversal permutation
    int64_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j |= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  double* d = reinterpret_cast<double*>(x);
  const double* tw = reinterpret_cast<const double*>(tw_.data());
  for (int64_t len = 2; len <= n; len <<= 1) {
    const int64_t half = len / 2, step = n / len;
    for (int64_t base = 0; base < n; base += len) {
      double* a = d + 2 * base;
      double* b = a + 2 * half;
      for (int64_t j = 0; j < half; ++j) {
        const double wr = tw[2 * j * step], wi = tw[2 * j * step + 1];
        const double br = b[2 * j], bi = b[2 * j + 1];
        const double vr = br * wr - bi * wi, vi = br * wi + bi * wr;
        const double ar = a[2 * j], ai = a[2 * j + 1];
        a[2 * j] = ar + vr;
        a[2 * j + 1] = ai + vi;
        b[2 * j] = ar - vr;
        b[2 * j + 1] = ai - vi;
      }
    }
  }
}

void FftPlan::forward(cdouble* x, cdouble* work) const {
  const int64_t n = n_;
  switch (kind_) {
    case Kind::Pow2:
      pow2(x);
      return;
    case Kind::Direct: {
      const double* xd = reinterpret_cast<const double*>(x);
      const double* tw = reinterpret_cast<const double*>(tw_.data());
      for (int64_t k = 0; k < n; ++k) {
        double accR = 0, accI = 0;
        int64_t idx = 0;  // j * k mod n, kept exact
        for (int64_t j = 0; j < n; ++j) {
          const double xr = xd[2 * j], xi = xd[2 * j + 1], wr = tw[2 * idx], wi = tw[2 * idx + 1];
          accR += xr * wr - xi * wi;
          accI += xr * wi + xi * wr;
          idx += k;
          if (idx >= n) idx -= n;
        }
        work[k] = cdouble(accR, accI);
      }
      for (int64_t k = 0; k < n; ++k) x[k] = work[k];
      return;
    }
    case Kind::Bluestein: {
      const int64_t m = inner_->n_;
      for (int64_t k = 0; k < n; ++k) work[k] = mul(x[k], chirp_[k]);
      for (int64_t k = n; k < m; ++k) work[k] = cdouble(0, 0);
      inner_->pow2(work);
      for (int64_t k = 0; k < m; ++k) work[k] = std::conj(mul(work[k], kernel_[k]));
      inner_->pow2(work);  // conj(forward(conj(.))) is the unscaled inverse
      const double scale = 1.0 / static_cast<double>(m);
      for (int64_t k = 0; k < n; ++k) x[k] = mul(std::conj(work[k]) * scale, chirp_[k]);
      return;
    }
  }
}

}  // namespace onnxfleet
