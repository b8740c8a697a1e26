// Shape (start/end from 15), Size, Constant (every value_* form), ConstantOfShape, Range, EyeLike.
#include <cmath>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class ShapeKernel : public Kernel {
 public:
  ShapeKernel(const NodeDesc& n, const CompileContext&)
      : start_(n.getInt("start", 0)), end_(n.has("end") ? n.getInt("end", 0) : INT64_MAX) {}
  void compute(KernelContext& ctx) override {
    const Value& v = ctx.inputValue(0);
    check(v.isTensor(), "Shape needs a tensor input, got " + v.describe());
    const Shape& s = v.tensor.shape;
    const int64_t r = static_cast<int64_t>(s.size());
    auto clampDim = [r](int64_t i) { return std::clamp<int64_t>(i < 0 ? (i < -r ? 0 : i + r) : i, 0, r); };
    const int64_t b = clampDim(start_), e = std::max(b, clampDim(end_));
    Tensor& y = ctx.allocOutput(0, DType::Int64, {e - b});
    for (int64_t i = b; i < e; ++i) y.as<int64_t>()[i - b] = s[i];
  }

 private:
  int64_t start_, end_;
};

class SizeKernel : public Kernel {
 public:
  SizeKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const int64_t n = ctx.input(0).numel();
    ctx.allocOutput(0, DType::Int64, {}).as<int64_t>()[0] = n;
  }
};

// Constant: the value is built once; every run's output aliases it.
class ConstantKernel : public Kernel {
 public:
  ConstantKernel(const NodeDesc& n, const CompileContext&) {
    int forms = 0;
    for (const char* a : {"value", "sparse_value", "value_float", "value_floats", "value_int", "value_ints",
                          "value_string", "value_strings"})
      forms += n.has(a);
    check(forms == 1, "Constant needs exactly one value attribute, got " + std::to_string(forms));
    if (n.has("value") || n.has("sparse_value")) {
      value_ = n.required(n.has("value") ? "value" : "sparse_value").t;  // sparse values arrive densified
    } else if (n.has("value_float")) {
      value_ = allocateHeapTensor(DType::Float, {});
      value_.as<float>()[0] = n.getFloat("value_float", 0);
    } else if (n.has("value_floats")) {
      const auto v = n.getFloats("value_floats");
      value_ = allocateHeapTensor(DType::Float, {static_cast<int64_t>(v.size())});
      std::copy(v.begin(), v.end(), value_.as<float>());
    } else if (n.has("value_int")) {
      value_ = allocateHeapTensor(DType::Int64, {});
      value_.as<int64_t>()[0] = n.getInt("value_int", 0);
    } else if (n.has("value_ints")) {
      const auto v = n.getInts("value_ints");
      value_ = allocateHeapTensor(DType::Int64, {static_cast<int64_t>(v.size())});
      std::copy(v.begin(), v.end(), value_.as<int64_t>());
    } else if (n.has("value_string")) {
      value_ = allocateHeapTensor(DType::String, {});
      value_.as<std::string>()[0] = n.getString("value_string", "");
    } else {
      const auto v = n.getStrings("value_strings");
      value_ = allocateHeapTensor(DType::String, {static_cast<int64_t>(v.size())});
      std::copy(v.begin(), v.end(), value_.as<std::string>());
    }
    check(value_.defined(), "Constant value is undefined");
  }
  void compute(KernelContext& ctx) override { ctx.setOutput(0, value_); }

 private:
  Tensor value_;
};

class ConstantOfShapeKernel : public Kernel {
 public:
  ConstantOfShapeKernel(const NodeDesc& n, const CompileContext&) {
    if (n.has("value")) {
      value_ = n.required("value").t;
      check(value_.numel() == 1, "value must hold one element, got " + value_.describe());
    } else {
      value_ = allocateHeapTensor(DType::Float, {1});
      value_.as<float>()[0] = 0.f;
    }
  }
  void compute(KernelContext& ctx) override {
    const std::vector<int64_t> shape = readInts(ctx.input(0), "shape");
    checkedNumel(shape, "ConstantOfShape");
    Tensor& y = ctx.allocOutput(0, value_.dtype, shape);
    if (isSubByte(value_.dtype)) {
      const int bits = dtypeBits(value_.dtype);
      uint8_t v;
      unpackBits(value_.data, &v, 1, bits);
      std::vector<uint8_t> all(static_cast<size_t>(y.numel()), v);
      packBits(all.data(), y.data, y.numel(), bits);
      return;
    }
    dispatchStorage(value_.dtype, "ConstantOfShape", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S v = value_.as<S>()[0];
      S* d = y.as<S>();
      parallelFor(ctx.threads(), y.numel(), 1 << 16,
                  [&](int64_t b, int64_t e) { std::fill(d + b, d + e, v); });
    });
  }

 private:
  Tensor value_;
};

// Range: n = max(ceil((limit - start) / delta), 0); out[i] = start + i * delta. Integers count exactly;
// 16-bit floats compute in float (stash_type 1, the default).
class RangeKernel : public Kernel {
 public:
  RangeKernel(const NodeDesc&, const CompileContext&) {}
  void compute(KernelContext& ctx) override {
    const Tensor& ts = ctx.input(0);
    const Tensor& tl = ctx.input(1);
    const Tensor& td = ctx.input(2);
    check(ts.dtype == tl.dtype && ts.dtype == td.dtype, "start, limit and delta must share a dtype");
    check(ts.numel() == 1 && tl.numel() == 1 && td.numel() == 1, "start, limit and delta must be scalars");
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(ts.dtype, "Range", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const C s = loadC(ts.as<T>()[0]), l = loadC(tl.as<T>()[0]), d = loadC(td.as<T>()[0]);
      check(d != C(0), "delta cannot be 0");
      int64_t n;
      if constexpr (std::is_integral_v<C>) {
        const __int128 span = static_cast<__int128>(l) - static_cast<__int128>(s),
                       step = static_cast<__int128>(d);
        __int128 q = span / step;
        if (q * step != span && (span > 0) == (step > 0)) ++q;  // ceil when the signs agree
        check(q <= (__int128{1} << 48), "Range has too many elements");
        n = q > 0 ? static_cast<int64_t>(q) : 0;
      } else {
        const double c =
            std::ceil((static_cast<double>(l) - static_cast<double>(s)) / static_cast<double>(d));
        check((std::isfinite(c) && c <= 281474976710656.0) || c < 0, "Range has too many elements");
        n = c > 0 ? static_cast<int64_t>(c) : 0;
      }
      checkedNumel({n}, "Range");
      Tensor& y = ctx.allocOutput(0, ts.dtype, {n});
      T* o = y.as<T>();
      for (int64_t i = 0; i < n; ++i) o[i] = storeC<T>(static_cast<C>(s + static_cast<C>(i) * d));
    });
  }
};

class EyeLikeKernel : public Kernel {
 public:
  EyeLikeKernel(const NodeDesc& n, const CompileContext&)
      : dtype_(n.has("dtype") ? static_cast<DType>(n.getInt("dtype", 1)) : DType::Undefined),
        k_(n.getInt("k", 0)) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 2, "EyeLike needs a 2-D input");
    const DType dt = dtype_ == DType::Undefined ? x.dtype : dtype_;
    Tensor& y = ctx.allocOutput(0, dt, x.shape);
    const int64_t rows = x.shape[0], cols = x.shape[1];
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES, bool>(dt, "EyeLike", [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* o = y.as<T>();
      std::memset(static_cast<void*>(o), 0, y.bytes());
      T one;
      if constexpr (std::is_same_v<T, bool>)
        one = true;
      else
        one = storeC<T>(1);
      for (int64_t i = std::max<int64_t>(0, -k_); i < rows && i + k_ < cols; ++i) o[i * cols + i + k_] = one;
    });
  }

 private:
  DType dtype_;
  int64_t k_;
};

ONNX_CPU_KERNEL("Shape", 1, ShapeKernel);
ONNX_CPU_KERNEL("Shape", 15, ShapeKernel);
ONNX_CPU_KERNEL("Size", 1, SizeKernel);
ONNX_CPU_KERNEL("Constant", 1, ConstantKernel);
ONNX_CPU_KERNEL("Constant", 11, ConstantKernel);
ONNX_CPU_KERNEL("Constant", 12, ConstantKernel);
ONNX_CPU_KERNEL("ConstantOfShape", 9, ConstantOfShapeKernel);
ONNX_CPU_KERNEL("Range", 11, RangeKernel);
ONNX_CPU_KERNEL("EyeLike", 9, EyeLikeKernel);

}  // namespace
}  // namespace onnxfleet
