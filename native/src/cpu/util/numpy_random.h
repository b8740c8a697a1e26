// The random stream of numpy's legacy RandomState(seed): MT19937 seeded with init_genrand, doubles with 53
// random bits, normals from the polar Box-Muller method that caches its second value, and binomial(1, p) by
// numpy's inversion algorithm. The ONNX reference kernels (Dropout, RandomUniform*, RandomNormal*,
// Bernoulli) draw from RandomState(seed) afresh on every call, so a seeded kernel that uses this class
// reproduces the reference outputs and gives the same values on every run.
// Unseeded kernels draw a fresh state from the process generator (processRandomState()).
#pragma once
#include <cmath>
#include <cstdint>
#include <mutex>
#include <random>

namespace onnxfleet {

// numpy rounds every product and sum on its own: no fused multiply-add here (x86-64-v3 has FMA and GCC
// contracts across statements by default), or normals drift by an ulp and change accept/reject decisions.
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

class NumpyRandomState {
 public:
  explicit NumpyRandomState(uint32_t seed) : mt_(seed) {}
  explicit NumpyRandomState(std::seed_seq& seq) : mt_(seq) {}

  uint32_t nextU32() { return static_cast<uint32_t>(mt_()); }

  // random_sample(): [0, 1) with 53 random bits.
  double nextDouble() {
    const uint32_t a = nextU32() >> 5, b = nextU32() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  // standard_normal() of the legacy RandomState (polar method, second value kept for the next call).
  double nextGauss() {
    if (hasGauss_) {
      hasGauss_ = false;
      return gauss_;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * nextDouble() - 1.0;
      x2 = 2.0 * nextDouble() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    gauss_ = f * x1;
    hasGauss_ = true;
    return f * x2;
  }

  // binomial(1, p) for p in [0, 1], drawing exactly as the legacy RandomState does (one or more draws per
  // value, also for p == 0; p > 0.5 samples the complement).
  int64_t nextBernoulli(double p) { return p <= 0.5 ? inversion1(p) : 1 - inversion1(1.0 - p); }

 private:
  // numpy's binomial inversion for n == 1 (bound == 1: a second success restarts with a new draw).
  int64_t inversion1(double p) {
    const double q = 1.0 - p;
    const double qn = std::exp(std::log(q));
    int64_t x = 0;
    double px = qn;
    double u = nextDouble();
    while (u > px) {
      ++x;
      if (x > 1) {
        x = 0;
        px = qn;
        u = nextDouble();
      } else {
        u -= px;
        px = (p * px) / q;
      }
    }
    return x;
  }

  std::mt19937 mt_;
  bool hasGauss_ = false;
  double gauss_ = 0.0;
};

#pragma GCC pop_options

// A state for an unseeded kernel: seeded from the process-wide generator (itself seeded once from
// std::random_device), so unseeded runs differ from one another.
inline NumpyRandomState processRandomState() {
  static std::mutex mu;
  static std::mt19937_64 gen{std::random_device{}()};
  uint32_t words[4];
  {
    std::lock_guard<std::mutex> lock(mu);
    const uint64_t a = gen(), b = gen();
    words[0] = static_cast<uint32_t>(a);
    words[1] = static_cast<uint32_t>(a >> 32);
    words[2] = static_cast<uint32_t>(b);
    words[3] = static_cast<uint32_t>(b >> 32);
  }
  std::seed_seq seq(words, words + 4);
  return NumpyRandomState(seq);
}

// The state for a kernel's optional float `seed` attribute, as the ONNX reference builds it:
// RandomState(int(seed)); an absent or NaN seed means unseeded. Seeds outside numpy's [0, 2^32) range
// (which numpy rejects) keep their low 32 bits.
inline NumpyRandomState randomStateFor(bool hasSeed, float seed) {
  if (!hasSeed || std::isnan(seed)) return processRandomState();
  const double s = static_cast<double>(seed);
  const int64_t v = std::fabs(s) < 9.2e18 ? static_cast<int64_t>(s) : 0;
  return NumpyRandomState(static_cast<uint32_t>(static_cast<uint64_t>(v)));
}

}  // namespace onnxfleet
