// Element conversions behind Cast (cast.cc): between the C++ element types, and to/from strings.
#pragma once
#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace onnxfleet {

// dst[i] = src[i] converted to dstType, for src and dstType among the C++ numeric types, bool, float16 and
// bfloat16. Floats to integers truncate toward zero (out of range is undefined in ONNX; here it does not
// trap); anything to bool is != 0; double to float16/bfloat16 rounds once (no double rounding).
void convertAll(const Tensor& src, DType dstType, void* dst, int threads);

// Plain decimal text: integers exactly, floats in the shortest form that reads back to the same value,
// "INF", "-INF" and "NaN" for the special values, bool as "1"/"0".
void formatAll(const Tensor& src, std::string* dst);

// Text to numbers: "INF", "+INF", "-INF", "NaN" in any case, plain and scientific notation. parseInt reads
// an integer exactly when the whole text is one, else truncates the float value ("100.5" -> 100);
// "true"/"false" are accepted for bool targets. Text that is not a number gives 0 (undefined in ONNX).
double parseDouble(const std::string& s);
int64_t parseInt(const std::string& s);

}  // namespace onnxfleet
