// LabelEncoder (ai.onnx.ml): maps each element through a key -> value table, with a default for keys not in
// it. Opset 1: classes_strings maps string -> its index (int64, default_int64) and int64 -> class name
// (default_string). Opset 2: keys_{strings,int64s,floats} -> values_{strings,int64s,floats} with
// default_{string,int64,float}. Opset 4 adds keys_tensor / values_tensor / default_tensor (string, int64,
// int32, int16, float, double). A repeated key keeps its last value; a NaN key matches every NaN input.
#include <cmath>
#include <string>
#include <unordered_map>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

bool isIntKey(DType t) { return t == DType::Int64 || t == DType::Int32 || t == DType::Int16; }
bool isFloatKey(DType t) { return t == DType::Float || t == DType::Double; }
bool tableType(DType t) { return t == DType::String || isIntKey(t) || isFloatKey(t); }

// Element i of an int or float tensor, widened.
int64_t intAt(const Tensor& t, int64_t i) {
  if (t.dtype == DType::Int64) return t.as<int64_t>()[i];
  if (t.dtype == DType::Int32) return t.as<int32_t>()[i];
  return t.as<int16_t>()[i];
}
double floatAt(const Tensor& t, int64_t i) {
  return t.dtype == DType::Float ? t.as<float>()[i] : t.as<double>()[i];
}

template <typename T>
Tensor vectorTensor(DType dt, const std::vector<T>& v) {
  Tensor t = allocateHeapTensor(dt, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.as<T>()[i] = v[i];
  return t;
}

class LabelEncoderKernel : public Kernel {
 public:
  LabelEncoderKernel(const NodeDesc& n, const CompileContext&) {
    if (n.sinceVersion < 2) {
      // Opset 1: the table is the class list; the direction follows the input type at run time.
      legacy_ = true;
      keys_ = vectorTensor(DType::String, n.getStrings("classes_strings"));
      std::vector<int64_t> idx(static_cast<size_t>(keys_.numel()));
      for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i);
      values_ = vectorTensor(DType::Int64, idx);
      default_ = vectorTensor(DType::Int64, std::vector<int64_t>{n.getInt("default_int64", -1)});
      legacyDefault_ = n.getString("default_string", "_Unused");
    } else {
      keys_ = pick(n, "keys");
      values_ = pick(n, "values");
      check(keys_.numel() == values_.numel(), "LabelEncoder: " + std::to_string(keys_.numel()) +
                                                  " keys but " + std::to_string(values_.numel()) + " values");
      if (n.has("values_tensor") && n.has("default_tensor")) {
        const Tensor& d = n.attrs.at("default_tensor").t;
        check(d.dtype == values_.dtype && d.numel() == 1,
              "LabelEncoder: default_tensor must be one " + std::string(dtypeName(values_.dtype)) + " value");
        default_ = copyTensor(d);
      } else if (values_.dtype == DType::String) {
        default_ =
            vectorTensor(DType::String, std::vector<std::string>{n.getString("default_string", "_Unused")});
      } else if (values_.dtype == DType::Float) {
        default_ = vectorTensor(DType::Float, std::vector<float>{n.getFloat("default_float", -0.0f)});
      } else if (values_.dtype == DType::Double) {
        default_ = vectorTensor(DType::Double, std::vector<double>{-0.0});
      } else {
        default_ = allocateHeapTensor(values_.dtype, {1});
        const int64_t d = n.getInt("default_int64", -1);
        dispatchIndexLike(values_.dtype, [&](auto tag) {
          using T = typename decltype(tag)::type;
          default_.as<T>()[0] = static_cast<T>(d);
        });
      }
      default_.shape = {1};
    }
    // Index the keys; later duplicates overwrite earlier ones.
    for (int64_t i = 0; i < keys_.numel(); ++i) {
      if (keys_.dtype == DType::String) {
        strMap_[keys_.as<std::string>()[i]] = i;
      } else if (isIntKey(keys_.dtype)) {
        intMap_[intAt(keys_, i)] = i;
      } else {
        const double k = floatAt(keys_, i);
        if (std::isnan(k))
          nanIndex_ = i;
        else
          floatMap_[k] = i;
      }
    }
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    if (legacy_ && x.dtype == DType::Int64) return legacyIndexToString(ctx, x);
    check(x.dtype == keys_.dtype, std::string("LabelEncoder: input is ") + dtypeName(x.dtype) +
                                      " but the keys are " + dtypeName(keys_.dtype));
    Tensor& y = ctx.allocOutput(0, values_.dtype, x.shape);
    dispatchStorage(values_.dtype, "LabelEncoder", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* vals = values_.as<S>();
      const S& def = default_.as<S>()[0];
      S* dst = y.as<S>();
      parallelFor(ctx.threads(), x.numel(), 4096, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const int64_t k = find(x, i);
          dst[i] = k >= 0 ? vals[k] : def;
        }
      });
    });
  }

 private:
  template <typename F>
  static void dispatchIndexLike(DType dt, F&& f) {
    if (dt == DType::Int64) return f(Tag<int64_t>{});
    if (dt == DType::Int32) return f(Tag<int32_t>{});
    return f(Tag<int16_t>{});
  }
  // The keys_* or values_* attribute that is set (exactly one must be).
  static Tensor pick(const NodeDesc& n, const std::string& prefix) {
    int found = 0;
    Tensor t;
    if (n.has(prefix + "_strings"))
      ++found, t = vectorTensor(DType::String, n.getStrings(prefix + "_strings"));
    if (n.has(prefix + "_int64s")) ++found, t = vectorTensor(DType::Int64, n.getInts(prefix + "_int64s"));
    if (n.has(prefix + "_floats")) ++found, t = vectorTensor(DType::Float, n.getFloats(prefix + "_floats"));
    if (n.has(prefix + "_tensor")) {
      ++found;
      const Tensor& a = n.attrs.at(prefix + "_tensor").t;
      check(tableType(a.dtype),
            "LabelEncoder: " + prefix + "_tensor has unsupported type " + dtypeName(a.dtype));
      t = copyTensor(a);
      t.shape = {t.numel()};
    }
    check(found == 1,
          "LabelEncoder needs exactly one " + prefix + "_* attribute, got " + std::to_string(found));
    return t;
  }
  int64_t find(const Tensor& x, int64_t i) const {
    if (x.dtype == DType::String) {
      const auto it = strMap_.find(x.as<std::string>()[i]);
      return it == strMap_.end() ? -1 : it->second;
    }
    if (isIntKey(x.dtype)) {
      const auto it = intMap_.find(intAt(x, i));
      return it == intMap_.end() ? -1 : it->second;
    }
    const double v = floatAt(x, i);
    if (std::isnan(v)) return nanIndex_;
    const auto it = floatMap_.find(v);
    return it == floatMap_.end() ? -1 : it->second;
  }
  // Opset 1 with int64 input: index -> class name, default_string when out of range.
  void legacyIndexToString(KernelContext& ctx, const Tensor& x) {
    Tensor& y = ctx.allocOutput(0, DType::String, x.shape);
    const int64_t* src = x.as<int64_t>();
    std::string* dst = y.as<std::string>();
    const int64_t nk = keys_.numel();
    for (int64_t i = 0; i < x.numel(); ++i)
      dst[i] = src[i] >= 0 && src[i] < nk ? keys_.as<std::string>()[src[i]] : legacyDefault_;
  }

  bool legacy_ = false;
  Tensor keys_, values_, default_;
  std::string legacyDefault_;
  std::unordered_map<std::string, int64_t> strMap_;
  std::unordered_map<int64_t, int64_t> intMap_;
  std::unordered_map<double, int64_t> floatMap_;
  int64_t nanIndex_ = -1;
};

ONNXFLEET_KERNEL("ai.onnx.ml", "LabelEncoder", 1, "cpu", LabelEncoderKernel);
ONNXFLEET_KERNEL("ai.onnx.ml", "LabelEncoder", 2, "cpu", LabelEncoderKernel);
ONNXFLEET_KERNEL("ai.onnx.ml", "LabelEncoder", 4, "cpu", LabelEncoderKernel);

}  // namespace
}  // namespace onnxfleet
