// MelWeightMatrix-17: output [dft_length / 2 + 1, num_mel_bins] of triangular filters with peak 1, following
// the ONNX reference: num_mel_bins + 2 edges equally spaced on the mel scale mel(f) = 2595 log10(1 + f/700)
// between lower_edge_hertz and upper_edge_hertz (step = range / (num_mel_bins + 2)), mapped to spectrogram
// bins floor((dft_length + 1) * f / sample_rate). Filter i rises over bins [edge i, edge i+1] and falls over
// [edge i+1, edge i+2); a filter whose rise is empty puts 1 at its centre. Computed in double; bins
// outside the matrix (edges beyond the Nyquist frequency) are left out.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

double readScalarFloat(const Tensor& t, const char* what) {
  check(t.numel() == 1, std::string(what) + " must hold exactly one value, got " + t.describe());
  double v = 0;
  dispatchTypes<ONNXFLEET_FLOAT_TYPES>(t.dtype, what, [&](auto tag) {
    using T = typename decltype(tag)::type;
    v = static_cast<double>(loadC(t.as<T>()[0]));
  });
  return v;
}

class MelWeightMatrixKernel : public Kernel {
 public:
  MelWeightMatrixKernel(const NodeDesc& n, const CompileContext&)
      : dtype_(static_cast<DType>(n.getInt("output_datatype", 1))) {
    const DType d = dtype_;
    check(d == DType::Float || d == DType::Double || d == DType::Float16 || d == DType::BFloat16 ||
              (d >= DType::UInt8 && d <= DType::Int64) || d == DType::UInt32 || d == DType::UInt64,
          "output_datatype must be a numeric type, got " + std::to_string(static_cast<int>(d)));
  }

  void compute(KernelContext& ctx) override {
    const int64_t mels = readScalarInt(ctx.input(0), "num_mel_bins");
    const int64_t dftLength = readScalarInt(ctx.input(1), "dft_length");
    const int64_t sampleRate = readScalarInt(ctx.input(2), "sample_rate");
    const double lower = readScalarFloat(ctx.input(3), "lower_edge_hertz");
    const double upper = readScalarFloat(ctx.input(4), "upper_edge_hertz");
    check(mels >= 0 && mels < (int64_t{1} << 30),
          "num_mel_bins must be in [0, 2^30), got " + std::to_string(mels));
    check(dftLength >= 1 && dftLength < (int64_t{1} << 40),
          "dft_length must be positive, got " + std::to_string(dftLength));
    check(sampleRate >= 1, "sample_rate must be positive, got " + std::to_string(sampleRate));
    check(std::isfinite(lower) && std::isfinite(upper) && lower >= 0 && lower <= upper,
          "need 0 <= lower_edge_hertz <= upper_edge_hertz");
    const int64_t specBins = dftLength / 2 + 1;
    checkedNumel({specBins, mels}, "MelWeightMatrix output");

    const double lowMel = 2595.0 * std::log1p(lower / 700.0) / std::log(10.0);
    const double highMel = 2595.0 * std::log1p(upper / 700.0) / std::log(10.0);
    const double melStep = (highMel - lowMel) / static_cast<double>(mels + 2);
    std::vector<int64_t> edge(static_cast<size_t>(mels + 2));
    for (int64_t i = 0; i < mels + 2; ++i) {
      const double mel = static_cast<double>(i) * melStep + lowMel;
      const double hz = 700.0 * std::expm1(mel / 2595.0 * std::log(10.0));
      const double bin =
          std::floor(static_cast<double>(dftLength + 1) * hz / static_cast<double>(sampleRate));
      check(bin < 4.0e18, "upper_edge_hertz is too large");
      edge[i] = static_cast<int64_t>(bin);
    }

    std::vector<double> w(static_cast<size_t>(specBins * mels), 0.0);
    auto set = [&](int64_t bin, int64_t mel, double v) {
      if (bin >= 0 && bin < specBins) w[bin * mels + mel] = v;
    };
    for (int64_t i = 0; i < mels; ++i) {
      const int64_t lo = edge[i], mid = edge[i + 1], hi = edge[i + 2];
      if (mid == lo) {
        set(mid, i, 1.0);
      } else {
        for (int64_t j = lo; j <= std::min(mid, specBins); ++j)
          set(j, i, static_cast<double>(j - lo) / static_cast<double>(mid - lo));
      }
      for (int64_t j = mid; j < std::min(hi, specBins); ++j)
        set(j, i, static_cast<double>(hi - j) / static_cast<double>(hi - mid));
    }

    Tensor& y = ctx.allocOutput(0, dtype_, {specBins, mels});
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(dtype_, "MelWeightMatrix output", [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = y.as<T>();
      for (size_t k = 0; k < w.size(); ++k)
        out[k] = storeC<T>(static_cast<typename ComputeType<T>::type>(w[k]));
    });
  }

 private:
  DType dtype_;
};

ONNX_CPU_KERNEL("MelWeightMatrix", 17, MelWeightMatrixKernel);

}  // namespace
}  // namespace onnxfleet
