#include "cpu/quant/int_conv.h"

#include <algorithm>
#include <vector>

#include "core/parallel.h"

namespace onnxfleet {

namespace {

// col[(c * kSize + kp) * outSize + op] = x at the input position kernel point kp sees from output op, or
// `pad` outside the input; every byte is XORed with `flip` (0x80 turns uint8 into int8 minus 128). x points
// at the group's first channel of one image. Output positions are walked in runs along the last axis.
void im2col(const ConvGeometry& g, const uint8_t* x, uint8_t pad, uint8_t flip, int64_t channels,
            uint8_t* col, int threads) {
  const int nsp = g.spatial(), last = nsp - 1;
  int64_t inSize = 1, outSize = 1, kSize = 1;
  for (int i = 0; i < nsp; ++i) inSize *= g.in[i], outSize *= g.out[i], kSize *= g.kernel[i];
  const int64_t outLast = g.out[last], inLast = g.in[last], sLast = g.strides[last];
  const uint8_t padv = pad ^ flip;
  parallelFor(threads, channels * kSize, std::max<int64_t>(1, 16384 / outSize), [&](int64_t rb, int64_t re) {
    std::vector<int64_t> k(nsp), o(nsp);
    for (int64_t row = rb; row < re; ++row) {
      const int64_t c = row / kSize;
      int64_t kp = row % kSize;
      for (int d = last; d >= 0; --d) k[d] = kp % g.kernel[d], kp /= g.kernel[d];
      const uint8_t* xc = x + c * inSize;
      uint8_t* dst = col + row * outSize;
      // Output positions ow whose input column ix = ow * s - pad + k * dil lies in [0, inLast).
      const int64_t shift = k[last] * g.dilations[last] - g.padBegin[last];
      int64_t lo = shift >= 0 ? 0 : (-shift + sLast - 1) / sLast;
      int64_t hi = inLast - shift <= 0 ? 0 : (inLast - shift + sLast - 1) / sLast;
      lo = std::min(lo, outLast), hi = std::min(std::max(hi, lo), outLast);
      std::fill(o.begin(), o.end(), 0);
      for (int64_t op = 0; op < outSize; op += outLast, dst += outLast) {
        int64_t off = 0;
        bool inside = true;
        for (int d = 0; d < last; ++d) {
          const int64_t ix = o[d] * g.strides[d] - g.padBegin[d] + k[d] * g.dilations[d];
          inside = inside && ix >= 0 && ix < g.in[d];
          off = off * g.in[d] + ix;
        }
        if (!inside || lo == hi) {
          std::fill(dst, dst + outLast, padv);
        } else {
          const int64_t base = off * inLast + shift;
          std::fill(dst, dst + lo, padv);
          for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = xc[base + ow * sLast] ^ flip;
          std::fill(dst + hi, dst + outLast, padv);
        }
        for (int d = last - 1; d >= 0 && ++o[d] == g.out[d]; --d) o[d] = 0;
      }
    }
  });
}

bool isPointwise(const ConvGeometry& g) {
  for (int i = 0; i < g.spatial(); ++i)
    if (g.kernel[i] != 1 || g.strides[i] != 1 || g.padBegin[i] != 0 || g.padEnd[i] != 0) return false;
  return true;
}

}  // namespace

void intConv(IntGemm& gemm, KernelContext& ctx, const ConvGeometry& g, const Tensor& x, int32_t xzp,
             const Tensor& w, const int32_t* wzp, int64_t wzpStep, int32_t* y) {
  const int nsp = g.spatial();
  int64_t inSize = 1, outSize = 1, kSize = 1;
  for (int i = 0; i < nsp; ++i) inSize *= g.in[i], outSize *= g.out[i], kSize *= g.kernel[i];
  const int64_t cg = g.c / g.group, mg = g.m / g.group, rows = cg * kSize;
  const bool direct = isPointwise(g);
  Tensor col;
  if (!direct) col = ctx.scratch(DType::UInt8, {std::max<int64_t>(1, rows * outSize)});
  const uint8_t* xb = x.as<uint8_t>();
  const uint8_t* wb = w.as<uint8_t>();
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t grp = 0; grp < g.group; ++grp) {
      const uint8_t* xg = xb + (n * g.c + grp * cg) * inSize;
      // A uint8 x is stored into col as int8 (x - 128), which the product takes without converting it again.
      const bool flip = !direct && x.dtype == DType::UInt8;
      if (!direct)
        im2col(g, xg, static_cast<uint8_t>(xzp), flip ? 0x80 : 0, cg, col.as<uint8_t>(), ctx.threads());
      const int32_t zb = flip ? xzp - 128 : xzp;
      IntGemmArgs a;
      a.m = mg, a.n = outSize, a.k = rows;
      a.a = Int8Matrix{wb + grp * mg * rows, w.dtype == DType::Int8, rows};
      a.b = Int8Matrix{direct ? xg : col.as<uint8_t>(), x.dtype == DType::Int8 || flip, outSize};
      a.za = wzp ? wzp + grp * mg * wzpStep : nullptr, a.zaStep = wzpStep;
      a.zb = &zb, a.zbStep = 0;
      a.c = y + (n * g.m + grp * mg) * outSize, a.ldc = outSize;
      gemm.run(ctx, a);
    }
  }
}

}  // namespace onnxfleet
