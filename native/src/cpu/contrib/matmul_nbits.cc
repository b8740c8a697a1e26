// MatMulNBits (com.microsoft): Y = A x dequant(B)^T (+ bias), B holding N rows of K weights quantized to
// `bits` (2..8) in blocks of block_size along K: w = (q - zero_point) * scale per block. Each block is a
// little-endian bit stream of block_size values; packed uint8 zero points use the same packing along the
// blocks of a row, float zero points are one per block, and the default zero point is 2^(bits-1).
// Constant weights are dequantized once at load time into a float (N, K) matrix; the product runs in float32
// through oneDNN (A in float16/bfloat16 is widened).
#include <cstring>

#include "core/kernel.h"
#include "cpu/contrib/dense_gemm.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

class MatMulNBitsKernel : public Kernel {
 public:
  MatMulNBitsKernel(const NodeDesc& n, const CompileContext& cc)
      : K_(n.required("K").i),
        N_(n.required("N").i),
        bits_(n.getInt("bits", 4)),
        block_(n.required("block_size").i) {
    check(bits_ >= 2 && bits_ <= 8, "bits must be 2..8, got " + std::to_string(bits_));
    check(block_ >= 16 && (block_ & (block_ - 1)) == 0, "block_size must be a power of two >= 16");
    check(K_ > 0 && N_ > 0, "K and N must be positive");
    blocks_ = (K_ + block_ - 1) / block_;
    const Tensor* b = cc.constantInput(n, 1);
    const Tensor* s = cc.constantInput(n, 2);
    const bool hasZp = n.inputs.size() > 3 && n.inputs[3] >= 0;
    const Tensor* zp = hasZp ? cc.constantInput(n, 3) : nullptr;
    if (b && s && (!hasZp || zp)) {
      weights_.resize(static_cast<size_t>(N_ * K_));
      dequantize(*b, *s, zp, weights_.data());
    }
  }

  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    check(a.rank() >= 1 && a.shape.back() == K_,
          "A's last dim must be K = " + std::to_string(K_) + ", got " + shapeToString(a.shape));
    check(a.dtype == DType::Float || a.dtype == DType::Float16 || a.dtype == DType::BFloat16,
          "A must be float, float16 or bfloat16");
    check(!ctx.hasInput(4), "g_idx (deprecated) is not supported");
    Shape out = a.shape;
    out.back() = N_;
    Tensor& y = ctx.allocOutput(0, a.dtype, out);
    const int64_t M = a.numel() / K_;
    if (M == 0) return;
    const float* w = weights_.data();
    Tensor wt;
    if (weights_.empty()) {
      wt = ctx.scratch(DType::Float, {N_, K_});
      dequantize(ctx.input(1), ctx.input(2), ctx.hasInput(3) ? &ctx.input(3) : nullptr, wt.as<float>());
      w = wt.as<float>();
    }
    dispatchTypes<float, Half, BFloat16>(a.dtype, "MatMulNBits", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const float* af;
      float* yf;
      Tensor at, yt;
      if constexpr (std::is_same_v<T, float>) {
        af = a.as<float>(), yf = y.as<float>();
      } else {
        at = ctx.scratch(DType::Float, {M, K_}), yt = ctx.scratch(DType::Float, {M, N_});
        for (int64_t i = 0; i < M * K_; ++i) at.as<float>()[i] = Num<T>::load(a.as<T>()[i]);
        af = at.as<float>(), yf = yt.as<float>();
      }
      mm_.run(ctx, {{M, K_}, {K_, 1}, af}, {{K_, N_}, {1, K_}, w}, {M, N_}, yf, 1.f);
      if (ctx.hasInput(5)) {
        const Tensor& bias = ctx.input(5);
        check(bias.numel() == N_, "bias must have N = " + std::to_string(N_) + " values");
        const std::vector<float> bv = loadFloats<float>(bias, "bias");
        for (int64_t m = 0; m < M; ++m)
          for (int64_t j = 0; j < N_; ++j) yf[m * N_ + j] += bv[j];
      }
      if constexpr (!std::is_same_v<T, float>) {
        T* yp = y.as<T>();
        for (int64_t i = 0; i < M * N_; ++i) yp[i] = Num<T>::store(yf[i]);
      }
    });
  }

 private:
  // Value i of a little-endian bit stream of `bits`-wide fields.
  static int field(const uint8_t* p, int64_t i, int bits) {
    const int64_t bit = i * bits;
    const int64_t byte = bit >> 3, shift = bit & 7;
    uint32_t v = p[byte];
    if (shift + bits > 8) v |= static_cast<uint32_t>(p[byte + 1]) << 8;
    return static_cast<int>((v >> shift) & ((1u << bits) - 1));
  }

  void dequantize(const Tensor& b, const Tensor& s, const Tensor* zp, float* w) const {
    const int64_t blob = block_ * bits_ / 8;
    check(b.dtype == DType::UInt8 && b.numel() == N_ * blocks_ * blob,
          "B must be uint8 (N, k_blocks, blob_size) = " + shapeToString({N_, blocks_, blob}) + ", got " +
              b.describe());
    check(s.numel() == N_ * blocks_,
          "scales must have N * k_blocks = " + std::to_string(N_ * blocks_) + " values");
    const std::vector<float> scales = loadFloats<float>(s, "scales");
    const bool packedZp = zp && zp->dtype == DType::UInt8;
    const int64_t zpRow = (blocks_ * bits_ + 7) / 8;
    std::vector<float> zpf;
    if (zp) {
      if (packedZp)
        check(zp->numel() == N_ * zpRow, "packed zero_points must be (N, ceil(k_blocks * bits / 8))");
      else
        check(zp->numel() == N_ * blocks_, "zero_points must have N * k_blocks values"),
            zpf = loadFloats<float>(*zp, "zero_points");
    }
    const float dflt = static_cast<float>(1 << (bits_ - 1));
    const uint8_t* bp = b.as<uint8_t>();
    for (int64_t n = 0; n < N_; ++n)
      for (int64_t blk = 0; blk < blocks_; ++blk) {
        const float sc = scales[n * blocks_ + blk];
        float z = dflt;
        if (packedZp)
          z = static_cast<float>(field(zp->as<uint8_t>() + n * zpRow, blk, static_cast<int>(bits_)));
        else if (zp)
          z = zpf[n * blocks_ + blk];
        const uint8_t* q = bp + (n * blocks_ + blk) * blob;
        const int64_t k0 = blk * block_, len = std::min(block_, K_ - k0);
        for (int64_t e = 0; e < len; ++e)
          w[n * K_ + k0 + e] = (static_cast<float>(field(q, e, static_cast<int>(bits_))) - z) * sc;
      }
  }

  int64_t K_, N_, bits_, block_, blocks_ = 0;
  std::vector<float> weights_;  // dequantized (N, K) when B, scales and zero points are constant
  contrib::StridedMatMul mm_;
};

ONNXFLEET_KERNEL("com.microsoft", "MatMulNBits", 1, "cpu", MatMulNBitsKernel);

}  // namespace
}  // namespace onnxfleet
