// QLinearMatMul (opsets 10 and 21): y = quantize((a - a_zp) x (b - b_zp) * a_scale * b_scale / y_scale, y_zp)
// with numpy matmul broadcasting. a's scale/zero point are one value or one per row, b's one value or one
// per column (also per batch matrix); y's are one value. The multiplier a_scale * b_scale / y_scale is
// formed in the scales' type (float16/bfloat16 round after each step, as the ONNX reference does) and
// applied in double; rounding is half to even. int8/uint8 operands use the integer product (oneDNN or
// int32 loops); opset 21's float8 operands and outputs go through float.
#include <algorithm>

#include "core/parallel.h"
#include "cpu/quant/int_gemm.h"
#include "cpu/quant/quant_util.h"
#include "cpu/util/lowbit.h"

namespace onnxfleet {
namespace {

// One quantized operand with its parameters.
struct QOperand {
  const Tensor* t = nullptr;
  std::vector<float> scale, zpF;
  std::vector<int32_t> zpI;  // int8/uint8 operands
  MatParam sP, zP;
};

QOperand readOperand(KernelContext& ctx, int idx, int64_t lines, int64_t batches, const char* name) {
  QOperand q;
  q.t = &ctx.input(idx);
  const DType dt = q.t->dtype;
  check(isInt8Type(dt) || (isSmallFloat(dt) && dtypeBits(dt) == 8 && dt != DType::Float8E8M0),
        std::string(name) + " must be int8, uint8 or float8, got " + dtypeName(dt));
  const Tensor& s = ctx.input(idx + 1);
  q.sP = resolveMatParam(s.shape, lines, batches, (std::string(name) + "_scale").c_str());
  q.scale = readFloats(s, "scale");
  if (ctx.hasInput(idx + 2)) {
    const Tensor& z = ctx.input(idx + 2);
    check(z.dtype == dt, std::string(name) + "_zero_point must have " + name + "'s type");
    q.zP = resolveMatParam(z.shape, lines, batches, (std::string(name) + "_zero_point").c_str());
    if (isInt8Type(dt))
      q.zpI = readQuantInts(z, "zero point");
    else
      q.zpF = readFloats(z, "zero point");
  }
  return q;
}

// (x - zp) of operand element (matrix `mat`, row r, col c) as float, for the float8 path.
float centered(const QOperand& q, int64_t flat, int64_t mat, int64_t line) {
  const float v = lowbit::isLowBit(q.t->dtype) ? lowbit::toFloat(q.t->dtype, q.t->as<uint8_t>(), flat)
                  : q.t->dtype == DType::Int8  ? static_cast<float>(q.t->as<int8_t>()[flat])
                                               : static_cast<float>(q.t->as<uint8_t>()[flat]);
  if (!q.zpI.empty()) return v - q.zpI[q.zP.index(mat, line)];
  if (!q.zpF.empty()) return v - q.zpF[q.zP.index(mat, line)];
  return v;
}

void batchIndex(const MatMulGeometry& g, int64_t i, int64_t& ai, int64_t& bi) {
  int64_t aOff, bOff;
  g.offsets(i, aOff, bOff);
  ai = g.m * g.k != 0 ? aOff / (g.m * g.k) : 0;
  bi = g.k * g.n != 0 ? bOff / (g.k * g.n) : 0;
}

class QLinearMatMulKernel : public Kernel {
 public:
  QLinearMatMulKernel(const NodeDesc& node, const CompileContext& cc)
      : bConstant_(cc.constantInput(node, 3) != nullptr) {}

  void compute(KernelContext& ctx) override {
    const MatMulGeometry g = resolveMatMul(ctx.input(0).shape, ctx.input(3).shape);
    const QOperand a = readOperand(ctx, 0, g.m, shapeNumel(g.aBatch), "a");
    const QOperand b = readOperand(ctx, 3, g.n, shapeNumel(g.bBatch), "b");
    const Tensor& ys = ctx.input(6);
    check(ys.numel() == 1, "y_scale must have one element, got " + shapeToString(ys.shape));
    const DType sdt = ys.dtype;
    check(ctx.input(1).dtype == sdt && ctx.input(4).dtype == sdt,
          "a_scale, b_scale and y_scale must share a type");
    const float ysv = readFloats(ys, "y_scale")[0];
    DType out = a.t->dtype;
    float yzp = 0.f;
    if (ctx.hasInput(7)) {
      const Tensor& z = ctx.input(7);
      check(z.numel() == 1, "y_zero_point must have one element, got " + shapeToString(z.shape));
      out = z.dtype;
      yzp = readFloats(z, "y_zero_point")[0];
    }
    int32_t lo = 0, hi = 0;
    const bool intOut = isInt8Type(out) && lowbit::intRange(out, lo, hi);
    check(intOut || (isSmallFloat(out) && dtypeBits(out) == 8 && out != DType::Float8E8M0),
          std::string("y must be int8, uint8 or float8, got ") + dtypeName(out));
    auto inPrec = [&](float v) {
      return sdt == DType::Float16 ? roundToHalf(v) : sdt == DType::BFloat16 ? roundToBf16(v) : v;
    };

    Tensor& y = ctx.allocOutput(0, out, g.out);
    if (y.numel() == 0) return;
    const bool intIn = isInt8Type(a.t->dtype) && isInt8Type(b.t->dtype);
    Tensor acc = ctx.scratch(intIn ? DType::Int32 : DType::Float, g.out);
    if (intIn) {
      batchedIntMatMul(gemm_, ctx, g, *a.t, *b.t, a.zpI.empty() ? nullptr : a.zpI.data(), a.zP,
                       b.zpI.empty() ? nullptr : b.zpI.data(), b.zP, acc.as<int32_t>(), bConstant_);
    } else {
      float* c = acc.as<float>();
      for (int64_t i = 0; i < g.batchCount(); ++i) {
        int64_t ai, bi;
        batchIndex(g, i, ai, bi);
        for (int64_t r = 0; r < g.m; ++r)
          for (int64_t j = 0; j < g.n; ++j) {
            float s = 0.f;
            for (int64_t kk = 0; kk < g.k; ++kk)
              s += centered(a, (ai * g.m + r) * g.k + kk, ai, r) *
                   centered(b, (bi * g.k + kk) * g.n + j, bi, j);
            c[(i * g.m + r) * g.n + j] = s;
          }
      }
    }
    // Requantize every output element.
    const int64_t mn = g.m * g.n;
    uint8_t* yb = y.as<uint8_t>();
    parallelFor(ctx.threads(), g.batchCount() * g.m, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.n)),
                [&](int64_t rb, int64_t re) {
                  for (int64_t row = rb; row < re; ++row) {
                    const int64_t i = row / g.m, r = row % g.m;
                    int64_t ai, bi;
                    batchIndex(g, i, ai, bi);
                    const float as = a.scale[a.sP.index(ai, r)];
                    for (int64_t j = 0; j < g.n; ++j) {
                      const int64_t at = i * mn + r * g.n + j;
                      const double mult = inPrec(inPrec(as * b.scale[b.sP.index(bi, j)]) / ysv);
                      const double v = (intIn ? acc.as<int32_t>()[at] : acc.as<float>()[at]) * mult;
                      if (intOut) {
                        const int32_t q = roundClamp(v, static_cast<int32_t>(yzp), lo, hi);
                        yb[at] = static_cast<uint8_t>(q);  // int8 results keep their two's complement bits
                      } else {
                        yb[at] = lowbit::floatCode(out, static_cast<float>(v) + yzp, true);
                      }
                    }
                  }
                });
  }

 private:
  bool bConstant_;
  IntGemm gemm_;
};

ONNX_CPU_KERNEL("QLinearMatMul", 10, QLinearMatMulKernel);
ONNX_CPU_KERNEL("QLinearMatMul", 21, QLinearMatMulKernel);

}  // namespace
}  // namespace onnxfleet
