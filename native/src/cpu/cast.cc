// Cast and CastLike between every element type ONNX lists except complex: the C++ numeric types, bool,
// float16/bfloat16 (direct conversions, F16C for float<->float16), strings (parsed/printed through
// double or int64), and the small types of util/small_types.h (through a float or int64 buffer).
// saturate and round_mode apply to the float8 targets; before opset 6 `to` is a type name string.
#include <cstring>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/cast_convert.h"
#include "cpu/util/small_types.h"

namespace onnxfleet {
namespace {

DType parseTo(const NodeDesc& n) {
  const Attr& a = n.required("to");
  if (a.type == Attr::Type::String) {  // Cast-1: "FLOAT", "INT64", ...
    static const char* names[] = {"UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
                                  "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
                                  "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
    for (int i = 1; i < static_cast<int>(sizeof(names) / sizeof(names[0])); ++i)
      if (a.s == names[i]) return static_cast<DType>(i);
    throw Error("Cast: unknown type name '" + a.s + "'");
  }
  check(dtypeValid(static_cast<int32_t>(a.i)), "Cast: invalid target type " + std::to_string(a.i));
  return static_cast<DType>(a.i);
}

E8M0Rounding parseRounding(const NodeDesc& n) {
  const std::string m = n.getString("round_mode", "up");
  if (m == "up") return E8M0Rounding::Up;
  if (m == "down") return E8M0Rounding::Down;
  if (m == "nearest") return E8M0Rounding::Nearest;
  throw Error("Cast: round_mode must be up, down or nearest, got '" + m + "'");
}

bool isComplex(DType t) { return t == DType::Complex64 || t == DType::Complex128; }

// Converts src into dst (same element count). Small types and strings go through an intermediate buffer
// of float (small floats), int64 (small ints, strings to integers) or double (strings to floats).
void castTensor(const Tensor& src, Tensor& dst, bool saturate, E8M0Rounding rounding, int threads) {
  check(!isComplex(src.dtype) && !isComplex(dst.dtype),
        std::string("Cast does not support ") + dtypeName(isComplex(src.dtype) ? src.dtype : dst.dtype));
  const int64_t n = src.numel();
  if (src.dtype == dst.dtype) {
    if (src.dtype == DType::String) {
      for (int64_t i = 0; i < n; ++i) dst.as<std::string>()[i] = src.as<std::string>()[i];
    } else if (src.bytes()) {
      std::memcpy(dst.data, src.data, src.bytes());
    }
    return;
  }
  // Normalise the source to a plain C++ type.
  Tensor plain = src;
  std::vector<float> f32;
  std::vector<int64_t> i64;
  std::vector<double> f64;
  if (isSmallFloat(src.dtype)) {
    f32.resize(n);
    decodeSmallFloat(src, f32.data(), threads);
    plain.dtype = DType::Float;
    plain.data = f32.data();
  } else if (isSmallInt(src.dtype)) {
    i64.resize(n);
    decodeSmallInt(src, i64.data());
    plain.dtype = DType::Int64;
    plain.data = i64.data();
  } else if (src.dtype == DType::String) {
    const bool toInt = dst.dtype != DType::Float && dst.dtype != DType::Double &&
                       dst.dtype != DType::Float16 && dst.dtype != DType::BFloat16 &&
                       !isSmallFloat(dst.dtype);
    if (toInt) {
      i64.resize(n);
      for (int64_t i = 0; i < n; ++i) i64[i] = parseInt(src.as<std::string>()[i]);
      plain.dtype = DType::Int64;
      plain.data = i64.data();
    } else {
      f64.resize(n);
      for (int64_t i = 0; i < n; ++i) f64[i] = parseDouble(src.as<std::string>()[i]);
      plain.dtype = DType::Double;
      plain.data = f64.data();
    }
  }
  if (plain.dtype == dst.dtype) {  // e.g. string -> int64 or double: the buffer is the answer
    std::memcpy(dst.data, plain.data, dst.bytes());
    return;
  }
  if (dst.dtype == DType::String) {
    formatAll(plain, dst.as<std::string>());
  } else if (isSmallFloat(dst.dtype)) {
    std::vector<float> tmp(n);
    convertAll(plain, DType::Float, tmp.data(), threads);
    encodeSmallFloat(tmp.data(), dst, saturate, rounding, threads);
  } else if (isSmallInt(dst.dtype)) {
    std::vector<int64_t> tmp(n);
    convertAll(plain, DType::Int64, tmp.data(), threads);
    encodeSmallInt(tmp.data(), dst);
  } else {
    convertAll(plain, dst.dtype, dst.data, threads);
  }
}

class CastKernel : public Kernel {
 public:
  CastKernel(const NodeDesc& n, const CompileContext&)
      : like_(n.opType == "CastLike"),
        to_(like_ ? DType::Undefined : parseTo(n)),
        saturate_(n.getInt("saturate", 1) != 0),
        rounding_(parseRounding(n)) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const DType to = like_ ? ctx.input(1).dtype : to_;
    Tensor& y = ctx.allocOutput(0, to, x.shape);
    castTensor(x, y, saturate_, rounding_, ctx.threads());
  }

 private:
  bool like_;
  DType to_;
  bool saturate_;
  E8M0Rounding rounding_;
};

// 1: `to` is a string; 6: an int; 9/13: string and bfloat16 types; 19: float8 and saturate; 21/23/24/25:
// int4/uint4, float4e2m1, float8e8m0 (round_mode), int2/uint2.
ONNX_CPU_KERNEL("Cast", 1, CastKernel);
ONNX_CPU_KERNEL("Cast", 6, CastKernel);
ONNX_CPU_KERNEL("Cast", 9, CastKernel);
ONNX_CPU_KERNEL("Cast", 13, CastKernel);
ONNX_CPU_KERNEL("Cast", 19, CastKernel);
ONNX_CPU_KERNEL("Cast", 21, CastKernel);
ONNX_CPU_KERNEL("Cast", 23, CastKernel);
ONNX_CPU_KERNEL("Cast", 24, CastKernel);
ONNX_CPU_KERNEL("Cast", 25, CastKernel);
ONNX_CPU_KERNEL("CastLike", 15, CastKernel);
ONNX_CPU_KERNEL("CastLike", 19, CastKernel);
ONNX_CPU_KERNEL("CastLike", 21, CastKernel);
ONNX_CPU_KERNEL("CastLike", 23, CastKernel);
ONNX_CPU_KERNEL("CastLike", 24, CastKernel);
ONNX_CPU_KERNEL("CastLike", 25, CastKernel);

}  // namespace
}  // namespace onnxfleet
