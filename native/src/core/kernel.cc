#include "kernel.h"

#include <algorithm>

#include "executor.h"

namespace onnxfleet {

// ---- NodeDesc attribute access ----

const Attr& NodeDesc::required(const std::string& attr) const {
  auto it = attrs.find(attr);
  if (it == attrs.end()) throw Error(where() + ": missing required attribute '" + attr + "'");
  return it->second;
}

int64_t NodeDesc::getInt(const std::string& attr, int64_t dflt) const {
  auto it = attrs.find(attr);
  return it == attrs.end() ? dflt : it->second.i;
}
float NodeDesc::getFloat(const std::string& attr, float dflt) const {
  auto it = attrs.find(attr);
  return it == attrs.end() ? dflt : it->second.f;
}
std::string NodeDesc::getString(const std::string& attr, const std::string& dflt) const {
  auto it = attrs.find(attr);
  return it == attrs.end() ? dflt : it->second.s;
}
std::vector<int64_t> NodeDesc::getInts(const std::string& attr, std::vector<int64_t> dflt) const {
  auto it = attrs.find(attr);
  return it == attrs.end() ? dflt : it->second.ints;
}
std::vector<float> NodeDesc::getFloats(const std::string& attr, std::vector<float> dflt) const {
  auto it = attrs.find(attr);
  return it == attrs.end() ? dflt : it->second.floats;
}
std::vector<std::string> NodeDesc::getStrings(const std::string& attr, std::vector<std::string> dflt) const {
  auto it = attrs.find(attr);
  return it == attrs.end() ? dflt : it->second.strings;
}

std::string NodeDesc::where() const {
  return "node '" + name + "' (" + opType + ", " + (domain.empty() ? std::string("ai.onnx") : domain) +
         " opset " + std::to_string(opset) + ")";
}

// ---- Registry ----

KernelRegistry& KernelRegistry::instance() {
  static KernelRegistry r;
  return r;
}

void KernelRegistry::add(KernelDef def) { defs_.push_back(std::move(def)); }

const KernelDef* KernelRegistry::find(const std::string& domain, const std::string& opType, int opset,
                                      const std::string& provider) const {
  const KernelDef* best = nullptr;
  for (const auto& d : defs_) {
    if (d.opType != opType || d.domain != domain || d.provider != provider || d.sinceVersion > opset)
      continue;
    if (!best || d.sinceVersion > best->sinceVersion) best = &d;
  }
  return best;
}

// ---- KernelContext ----

bool KernelContext::hasInput(int i) const {
  if (i < 0 || i >= numInputs() || node_.inputs[i] < 0) return false;
  return !frame_.slots[node_.inputs[i]].isEmpty();
}

const Value& KernelContext::inputValue(int i) const {
  static const Value kEmpty;
  if (i < 0 || i >= numInputs() || node_.inputs[i] < 0) return kEmpty;
  return frame_.slots[node_.inputs[i]];
}

const Tensor& KernelContext::input(int i) const {
  const Value& v = inputValue(i);
  if (!v.isTensor())
    throw Error("input " + std::to_string(i) + " is " + (v.isEmpty() ? "missing" : v.describe()) +
                ", expected a tensor");
  return v.tensor;
}

Tensor& KernelContext::allocOutput(int i, DType dtype, const Shape& shape) {
  check(i >= 0, "negative output index");
  Value v;
  v.kind = Value::Kind::Tensor;
  const int slot = i < numOutputs() ? node_.outputs[i] : -1;
  if (slot >= 0 && frame_.graph.isOutput[slot]) {
    v.tensor = allocateHeapTensor(dtype, shape);
  } else {
    v.tensor = run_.arena().allocate(dtype, shape);
  }
  if (slot < 0) {  // not consumed by anyone: keep it alive for the kernel in a scratch list
    scratch_.push_back(std::move(v.tensor));
    return scratch_.back();
  }
  frame_.slots[slot] = std::move(v);
  return frame_.slots[slot].tensor;
}

void KernelContext::setOutput(int i, Tensor t) { setOutputValue(i, Value::of(std::move(t))); }

void KernelContext::setOutputValue(int i, Value v) {
  if (!wantsOutput(i)) return;
  frame_.slots[node_.outputs[i]] = std::move(v);
}

Tensor KernelContext::scratch(DType dtype, const Shape& shape) { return run_.arena().allocate(dtype, shape); }

int KernelContext::threads() const { return run_.threads(); }

std::vector<Value> KernelContext::runSubgraph(const Graph& g, std::vector<Value> inputs) {
  std::map<std::string, Value> outer;
  for (size_t k = 0; k < node_.implicitInputs.size(); ++k) {
    const int slot = node_.implicitInputs[k];
    if (slot >= 0) outer[node_.implicitNames[k]] = frame_.slots[slot];
  }
  return executeGraph(g, std::move(inputs), &outer, run_);
}

}  // namespace onnxfleet
