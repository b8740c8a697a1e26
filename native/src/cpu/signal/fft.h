// A complex FFT of any length in double precision, shared by DFT and STFT. Powers of two use an iterative
// radix-2 transform, short other lengths a direct sum over an exact twiddle table, longer ones Bluestein's
// chirp-z algorithm on a power-of-two transform. A plan is immutable once built, so one plan serves every
// thread; each thread brings its own work buffer.
#pragma once
#include <complex>
#include <cstdint>
#include <memory>
#include <vector>

namespace onnxfleet {

using cdouble = std::complex<double>;

class FftPlan {
 public:
  explicit FftPlan(int64_t n);  // n >= 1
  int64_t size() const { return n_; }
  // Complex values the caller provides as `work` to run() (allocate once per thread).
  int64_t workSize() const;
  // Transforms x[0, n) in place: forward sums x[j] e^{-2 pi i jk/n}, inverse e^{+2 pi i jk/n} (no 1/n scale).
  void run(cdouble* x, bool inverse, cdouble* work) const;

 private:
  enum class Kind { Pow2, Direct, Bluestein };
  void forward(cdouble* x, cdouble* work) const;
  void pow2(cdouble* x) const;

  int64_t n_;
  Kind kind_;
  std::vector<cdouble> tw_;         // Pow2: e^{-2 pi i k/n}, k < n/2; Direct: k < n
  std::vector<cdouble> chirp_;      // Bluestein: e^{-pi i k^2/n}, k < n
  std::vector<cdouble> kernel_;     // Bluestein: transformed conj(chirp), wrapped to length m
  std::unique_ptr<FftPlan> inner_;  // Bluestein: the power-of-two plan of length m
};

}  // namespace onnxfleet
