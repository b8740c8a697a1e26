#include "bridge.h"

#include <cstring>

namespace onnxfleet {

namespace {

std::vector<int> readInts(const Napi::Value& v) {
  std::vector<int> out;
  if (!v.IsArray()) return out;
  auto a = v.As<Napi::Array>();
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  return out;
}

int64_t readInt64(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Int64Value(&lossless);
  }
  return v.As<Napi::Number>().Int64Value();
}

Shape readDims(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw Error(what + ": dims must be an array");
  auto a = v.As<Napi::Array>();
  Shape s;
  s.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const int64_t d = readInt64(a.Get(i));
    if (d < 0) throw Error(what + ": negative dimension " + std::to_string(d));
    s.push_back(d);
  }
  return s;
}

Attr readAttr(const Napi::Object& o, int threads, const std::string& provider, const std::string& what) {
  Attr a;
  const std::string type = o.Get("type").As<Napi::String>().Utf8Value();
  const Napi::Value v = o.Get("value");
  if (type == "f") {
    a.type = Attr::Type::Float;
    a.f = v.As<Napi::Number>().FloatValue();
  } else if (type == "i") {
    a.type = Attr::Type::Int;
    a.i = readInt64(v);
  } else if (type == "s") {
    a.type = Attr::Type::String;
    a.s = v.As<Napi::String>().Utf8Value();
  } else if (type == "t") {
    a.type = Attr::Type::Tensor;
    a.t = readTensor(v.As<Napi::Object>(), true, what);
  } else if (type == "g") {
    a.type = Attr::Type::Graph;
    a.g = readPlan(v.As<Napi::Object>(), threads, provider);
  } else if (type == "fs" || type == "is" || type == "ss" || type == "ts" || type == "gs") {
    auto arr = v.As<Napi::Array>();
    const uint32_t n = arr.Length();
    if (type == "fs") {
      a.type = Attr::Type::Floats;
      for (uint32_t i = 0; i < n; ++i) a.floats.push_back(arr.Get(i).As<Napi::Number>().FloatValue());
    } else if (type == "is") {
      a.type = Attr::Type::Ints;
      for (uint32_t i = 0; i < n; ++i) a.ints.push_back(readInt64(arr.Get(i)));
    } else if (type == "ss") {
      a.type = Attr::Type::Strings;
      for (uint32_t i = 0; i < n; ++i) a.strings.push_back(arr.Get(i).As<Napi::String>().Utf8Value());
    } else if (type == "ts") {
      a.type = Attr::Type::Tensors;
      for (uint32_t i = 0; i < n; ++i)
        a.tensors.push_back(readTensor(arr.Get(i).As<Napi::Object>(), true, what));
    } else {
      a.type = Attr::Type::Graphs;
      for (uint32_t i = 0; i < n; ++i)
        a.graphs.push_back(readPlan(arr.Get(i).As<Napi::Object>(), threads, provider));
    }
  } else {
    throw Error(what + ": unknown attribute type '" + type + "'");
  }
  return a;
}

void checkSlots(const std::vector<int>& slots, size_t n, const std::string& what) {
  for (int s : slots)
    if (s < -1 || s >= static_cast<int>(n))
      throw Error(what + ": value slot " + std::to_string(s) + " out of range");
}

}  // namespace

Tensor readTensor(const Napi::Object& o, bool copy, const std::string& what) {
  const int32_t raw = o.Get("dtype").As<Napi::Number>().Int32Value();
  if (!dtypeValid(raw)) throw Error(what + ": unknown dtype " + std::to_string(raw));
  Tensor t;
  t.dtype = static_cast<DType>(raw);
  t.shape = readDims(o.Get("dims"), what);
  const Napi::Value data = o.Get("data");
  const int64_t n = t.numel();
  if (t.dtype == DType::String) {
    if (!data.IsArray()) throw Error(what + ": string tensor data must be an array of strings");
    auto arr = data.As<Napi::Array>();
    if (arr.Length() != static_cast<uint32_t>(n))
      throw Error(what + ": " + std::to_string(arr.Length()) + " strings for shape " +
                  shapeToString(t.shape));
    Tensor h = allocateHeapTensor(DType::String, t.shape);
    auto* s = h.as<std::string>();
    for (uint32_t i = 0; i < arr.Length(); ++i) s[i] = arr.Get(i).As<Napi::String>().Utf8Value();
    return h;
  }
  if (!data.IsTypedArray()) throw Error(what + ": tensor data must be a typed array");
  auto ta = data.As<Napi::TypedArray>();
  const size_t need = t.bytes();
  if (ta.ByteLength() != need)
    throw Error(what + ": " + std::to_string(ta.ByteLength()) + " data bytes for " + t.describe() +
                " (needs " + std::to_string(need) + ")");
  auto* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  if (copy) {
    Tensor h = allocateHeapTensor(t.dtype, t.shape);
    if (need) std::memcpy(h.data, base, need);
    return h;
  }
  t.data = base;
  t.holder = std::shared_ptr<void>(base, [](void*) {});  // the caller keeps the JS buffer alive
  return t;
}

Value readValue(const Napi::Value& v, bool copy, const std::string& what) {
  if (v.IsNull() || v.IsUndefined()) return Value();
  auto o = v.As<Napi::Object>();
  if (o.Has("sequence")) {
    auto arr = o.Get("sequence").As<Napi::Array>();
    std::vector<Tensor> items;
    for (uint32_t i = 0; i < arr.Length(); ++i)
      items.push_back(readTensor(arr.Get(i).As<Napi::Object>(), copy, what + "[" + std::to_string(i) + "]"));
    DType elem = static_cast<DType>(o.Get("elemType").As<Napi::Number>().Int32Value());
    return Value::ofSequence(std::move(items), elem);
  }
  return Value::of(readTensor(o, copy, what));
}

std::shared_ptr<Graph> readPlan(const Napi::Object& plan, int threads, const std::string& provider) {
  auto g = std::make_shared<Graph>();
  g->name = plan.Has("name") ? plan.Get("name").ToString().Utf8Value() : "";
  auto names = plan.Get("values").As<Napi::Array>();
  for (uint32_t i = 0; i < names.Length(); ++i) g->valueNames.push_back(names.Get(i).ToString().Utf8Value());
  const size_t nv = g->valueNames.size();
  g->inputs = readInts(plan.Get("inputs"));
  g->outputs = readInts(plan.Get("outputs"));
  checkSlots(g->inputs, nv, "graph inputs");
  checkSlots(g->outputs, nv, "graph outputs");

  auto constants = plan.Get("constants").As<Napi::Array>();
  for (uint32_t i = 0; i < constants.Length(); ++i) {
    auto c = constants.Get(i).As<Napi::Object>();
    const int slot = c.Get("slot").As<Napi::Number>().Int32Value();
    checkSlots({slot}, nv, "constant");
    g->constants.emplace_back(slot, readTensor(c, true, "initializer '" + g->valueNames[slot] + "'"));
  }
  if (plan.Has("captures")) {
    auto caps = plan.Get("captures").As<Napi::Array>();
    for (uint32_t i = 0; i < caps.Length(); ++i) {
      auto c = caps.Get(i).As<Napi::Object>();
      const int slot = c.Get("slot").As<Napi::Number>().Int32Value();
      checkSlots({slot}, nv, "capture");
      g->captures.emplace_back(c.Get("name").ToString().Utf8Value(), slot);
    }
  }

  auto nodes = plan.Get("nodes").As<Napi::Array>();
  g->nodes.resize(nodes.Length());
  for (uint32_t i = 0; i < nodes.Length(); ++i) {
    auto n = nodes.Get(i).As<Napi::Object>();
    NodeDesc& d = g->nodes[i].desc;
    d.name = n.Get("name").ToString().Utf8Value();
    d.opType = n.Get("opType").ToString().Utf8Value();
    d.domain = n.Get("domain").ToString().Utf8Value();
    d.opset = n.Get("opset").As<Napi::Number>().Int32Value();
    d.inputs = readInts(n.Get("inputs"));
    d.outputs = readInts(n.Get("outputs"));
    d.implicitInputs = readInts(n.Get("implicitInputs"));
    checkSlots(d.inputs, nv, "node '" + d.name + "' inputs");
    checkSlots(d.outputs, nv, "node '" + d.name + "' outputs");
    checkSlots(d.implicitInputs, nv, "node '" + d.name + "' implicit inputs");
    if (n.Has("implicitNames")) {
      auto in = n.Get("implicitNames").As<Napi::Array>();
      for (uint32_t k = 0; k < in.Length(); ++k) d.implicitNames.push_back(in.Get(k).ToString().Utf8Value());
    }
    if (d.implicitNames.size() != d.implicitInputs.size())
      throw Error("node '" + d.name + "': implicitNames and implicitInputs differ in length");
    g->nodes[i].freeAfter = readInts(n.Get("freeAfter"));
    checkSlots(g->nodes[i].freeAfter, nv, "node '" + d.name + "' freeAfter");
    auto attrs = n.Get("attrs").As<Napi::Array>();
    for (uint32_t k = 0; k < attrs.Length(); ++k) {
      auto a = attrs.Get(k).As<Napi::Object>();
      const std::string an = a.Get("name").ToString().Utf8Value();
      d.attrs[an] = readAttr(a, threads, provider, d.where() + " attribute '" + an + "'");
    }
  }
  compileGraph(*g, threads, provider);
  return g;
}

namespace {

Napi::Value writeTensor(Napi::Env env, Tensor t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("dtype", static_cast<int>(t.dtype));
  Napi::Array dims = Napi::Array::New(env, t.shape.size());
  for (size_t i = 0; i < t.shape.size(); ++i)
    dims.Set(i, Napi::Number::New(env, static_cast<double>(t.shape[i])));
  o.Set("dims", dims);
  const int64_t n = t.numel();
  if (t.dtype == DType::String) {
    Napi::Array arr = Napi::Array::New(env, n);
    const auto* s = t.as<std::string>();
    for (int64_t i = 0; i < n; ++i) arr.Set(static_cast<uint32_t>(i), Napi::String::New(env, s[i]));
    o.Set("data", arr);
    return o;
  }
  const size_t bytes = t.bytes();
  // Hand the block over when nobody else can see it; otherwise copy (aliases, weights, JS inputs).
  if (bytes > 0 && isHeapBacked(t) && t.holder.use_count() == 1 && t.data == t.holder.get()) {
    auto* keep = new std::shared_ptr<void>(std::move(t.holder));
    o.Set("data",
          Napi::ArrayBuffer::New(
              env, t.data, bytes, [](Napi::Env, void*, std::shared_ptr<void>* k) { delete k; }, keep));
  } else {
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, bytes);
    if (bytes) std::memcpy(ab.Data(), t.data, bytes);
    o.Set("data", ab);
  }
  return o;
}

}  // namespace

Napi::Value writeValue(Napi::Env env, Value v) {
  switch (v.kind) {
    case Value::Kind::Empty:
      return env.Null();
    case Value::Kind::Tensor:
      return writeTensor(env, std::move(v.tensor));
    case Value::Kind::Sequence: {
      Napi::Object o = Napi::Object::New(env);
      Napi::Array arr = Napi::Array::New(env, v.sequence.size());
      for (size_t i = 0; i < v.sequence.size(); ++i) arr.Set(i, writeTensor(env, std::move(v.sequence[i])));
      o.Set("sequence", arr);
      o.Set("elemType", static_cast<int>(v.elemType));
      return o;
    }
  }
  return env.Null();
}

}  // namespace onnxfleet
