// Conversions between JS objects and engine values: plans in, tensors in and out.
#pragma once
#include <napi.h>

#include <memory>

#include "../core/executor.h"

namespace onnxfleet {

// Reads a plan object (see engine/plan/plan.ts, NativePlan) into a compiled graph. Constants are copied.
std::shared_ptr<Graph> readPlan(const Napi::Object& plan, int threads, const std::string& provider);

// Reads {dtype, dims, data} (or a sequence / null) into a Value. When `copy` is false the tensor aliases
// the JS buffer, which the caller must keep alive while the value is used.
Value readValue(const Napi::Value& v, bool copy, const std::string& what);
Tensor readTensor(const Napi::Object& o, bool copy, const std::string& what);

// Converts a value to JS; heap tensors owned by no one else are handed over without a copy.
Napi::Value writeValue(Napi::Env env, Value v);

}  // namespace onnxfleet
