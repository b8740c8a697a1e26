// MatMulInteger (opset 10): Y = (A - a_zero_point) x (B - b_zero_point) in int32, numpy matmul broadcasting.
// A and B are int8 or uint8; a_zero_point is one value or one per row of A, b_zero_point one value or one
// per column of B (also per batch matrix: [..., M, 1] / [..., 1, N]).
#include "cpu/quant/int_gemm.h"
#include "cpu/quant/quant_util.h"

namespace onnxfleet {
namespace {

class MatMulIntegerKernel : public Kernel {
 public:
  MatMulIntegerKernel(const NodeDesc& node, const CompileContext& cc)
      : bConstant_(cc.constantInput(node, 1) != nullptr) {}

  void compute(KernelContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    check(isInt8Type(a.dtype) && isInt8Type(b.dtype), std::string("A and B must be int8 or uint8, got ") +
                                                          dtypeName(a.dtype) + " and " + dtypeName(b.dtype));
    const MatMulGeometry g = resolveMatMul(a.shape, b.shape);
    std::vector<int32_t> za, zb;
    MatParam zaP, zbP;
    if (ctx.hasInput(2)) {
      const Tensor& t = ctx.input(2);
      check(t.dtype == a.dtype, "a_zero_point must have A's type");
      zaP = resolveMatParam(t.shape, g.m, shapeNumel(g.aBatch), "a_zero_point");
      za = readQuantInts(t, "a_zero_point");
    }
    if (ctx.hasInput(3)) {
      const Tensor& t = ctx.input(3);
      check(t.dtype == b.dtype, "b_zero_point must have B's type");
      zbP = resolveMatParam(t.shape, g.n, shapeNumel(g.bBatch), "b_zero_point");
      zb = readQuantInts(t, "b_zero_point");
    }
    Tensor& y = ctx.allocOutput(0, DType::Int32, g.out);
    if (y.numel() == 0) return;
    batchedIntMatMul(gemm_, ctx, g, a, b, za.empty() ? nullptr : za.data(), zaP,
                     zb.empty() ? nullptr : zb.data(), zbP, y.as<int32_t>(), bConstant_);
  }

 private:
  bool bConstant_;
  IntGemm gemm_;
};

ONNX_CPU_KERNEL("MatMulInteger", 10, MatMulIntegerKernel);

}  // namespace
}  // namespace onnxfleet
