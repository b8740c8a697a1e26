// FusedConv's epilogue for the reference path: parse the activation, then Y = activation(Y + Z) in place.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/parallel.h"
#include "cpu/reference/conv_ref.h"
#include "cpu/reference/ref_util.h"

namespace onnxfleet {

ConvFusion::ConvFusion(const NodeDesc& node) {
  if (node.opType != "FusedConv" && node.opType != "NhwcFusedConv") return;
  const std::string a = node.getString("activation", "");
  const std::vector<float> p = node.getFloats("activation_params");
  auto param = [&](size_t i, float dflt) { return i < p.size() ? p[i] : dflt; };
  if (a.empty() || a == "Identity") {
    act = Act::None;
  } else if (a == "Relu") {
    act = Act::Relu;
  } else if (a == "LeakyRelu") {
    act = Act::LeakyRelu, alpha = param(0, 0.01f);
  } else if (a == "Tanh") {
    act = Act::Tanh;
  } else if (a == "Sigmoid") {
    act = Act::Sigmoid;
  } else if (a == "Clip") {
    act = Act::Clip, alpha = param(0, -std::numeric_limits<float>::max()),
    beta = param(1, std::numeric_limits<float>::max());
  } else if (a == "HardSigmoid") {
    act = Act::HardSigmoid, alpha = param(0, 0.2f), beta = param(1, 0.5f);
  } else if (a == "QuickGelu") {
    act = Act::QuickGelu, alpha = param(0, 1.702f);
  } else {
    throw Error("FusedConv activation '" + a + "' is not supported");
  }
}

namespace {

template <typename T>
void fuseTyped(const ConvFusion& f, const T* z, T* y, int64_t n, int threads) {
  parallelFor(threads, n, 16384, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double v = widen(y[i]) + (z ? widen(z[i]) : 0.0);
      switch (f.act) {
        case ConvFusion::Act::None:
          break;
        case ConvFusion::Act::Relu:
          v = v > 0 ? v : 0;
          break;
        case ConvFusion::Act::LeakyRelu:
          v = v > 0 ? v : v * f.alpha;
          break;
        case ConvFusion::Act::Tanh:
          v = std::tanh(v);
          break;
        case ConvFusion::Act::Sigmoid:
          v = 1 / (1 + std::exp(-v));
          break;
        case ConvFusion::Act::Clip:
          v = std::min<double>(std::max<double>(v, f.alpha), f.beta);
          break;
        case ConvFusion::Act::HardSigmoid:
          v = std::min(1.0, std::max(0.0, f.alpha * v + f.beta));
          break;
        case ConvFusion::Act::QuickGelu:
          v = v / (1 + std::exp(-f.alpha * v));
          break;
      }
      y[i] = narrow<T>(v);
    }
  });
}

}  // namespace

void applyConvFusion(const ConvFusion& f, const Tensor* z, Tensor& y, int threads) {
  dispatchTypes<ONNXFLEET_FLOAT_TYPES>(y.dtype, "FusedConv", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fuseTyped<T>(f, z ? z->as<T>() : nullptr, y.as<T>(), y.numel(), threads);
  });
}

}  // namespace onnxfleet
