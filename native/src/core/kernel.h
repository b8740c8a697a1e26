// The kernel contract: a node's description (parsed once at compile time), the context a kernel computes in,
// and the registry that maps (domain, op type, since_version, provider) to a kernel factory.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "error.h"
#include "tensor.h"

namespace onnxfleet {

struct Graph;  // a compiled graph (executor.h)

struct Attr {
  enum class Type : uint8_t { Float, Int, String, Tensor, Graph, Floats, Ints, Strings, Tensors, Graphs };
  Type type = Type::Int;
  float f = 0;
  int64_t i = 0;
  std::string s;
  onnxfleet::Tensor t;
  std::shared_ptr<onnxfleet::Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<onnxfleet::Tensor> tensors;
  std::vector<std::shared_ptr<onnxfleet::Graph>> graphs;
};

// Everything a kernel factory may read about its node. Inputs/outputs are value slots; -1 means "absent".
struct NodeDesc {
  std::string name;
  std::string opType;
  std::string domain;    // "" for ai.onnx
  int opset = 0;         // the model's opset for this domain (kernels use it for version-dependent behaviour)
  int sinceVersion = 0;  // since_version of the kernel that was chosen
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::vector<int> implicitInputs;  // outer-scope values used by subgraphs (If/Loop/Scan)
  std::vector<std::string> implicitNames;
  std::map<std::string, Attr> attrs;

  bool has(const std::string& attr) const { return attrs.count(attr) != 0; }
  int64_t getInt(const std::string& attr, int64_t dflt) const;
  float getFloat(const std::string& attr, float dflt) const;
  std::string getString(const std::string& attr, const std::string& dflt) const;
  std::vector<int64_t> getInts(const std::string& attr, std::vector<int64_t> dflt = {}) const;
  std::vector<float> getFloats(const std::string& attr, std::vector<float> dflt = {}) const;
  std::vector<std::string> getStrings(const std::string& attr, std::vector<std::string> dflt = {}) const;
  const Attr& required(const std::string& attr) const;  // throws naming the attribute
  std::string where() const;                            // "node 'n' (Conv, ai.onnx opset 13)"
};

class RunState;  // executor.h
struct Frame;    // executor.h

// What a kernel sees while computing. Inputs are read-only; outputs are allocated through the context so the
// executor can place them in the run's arena (or on the heap when they leave as graph outputs).
class KernelContext {
 public:
  KernelContext(const NodeDesc& node, RunState& run, Frame& frame) : node_(node), run_(run), frame_(frame) {}
  const NodeDesc& node() const { return node_; }

  int numInputs() const { return static_cast<int>(node_.inputs.size()); }
  bool hasInput(int i) const;        // present in the node and not an empty optional
  const Tensor& input(int i) const;  // throws if absent or not a tensor
  const Value& inputValue(int i) const;

  int numOutputs() const { return static_cast<int>(node_.outputs.size()); }
  bool wantsOutput(int i) const { return i < numOutputs() && node_.outputs[i] >= 0; }
  // Allocates output i. For an output the node does not produce (absent slot) returns a scratch tensor.
  Tensor& allocOutput(int i, DType dtype, const Shape& shape);
  // Sets output i to an existing tensor (aliasing its memory, e.g. Reshape).
  void setOutput(int i, Tensor t);
  void setOutputValue(int i, Value v);

  // Scratch memory from the run's arena, freed when the returned holder is dropped.
  Tensor scratch(DType dtype, const Shape& shape);

  int threads() const;
  // Runs a subgraph owned by this node: binds `inputs` to the subgraph's formal inputs and its outer-scope
  // names to this node's implicit inputs; returns the subgraph's outputs.
  std::vector<Value> runSubgraph(const Graph& g, std::vector<Value> inputs);

 private:
  const NodeDesc& node_;
  RunState& run_;
  Frame& frame_;
  std::deque<Tensor> scratch_;  // outputs the graph does not consume
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void compute(KernelContext& ctx) = 0;
};

// Compile-time view of a node's inputs: constant initializers are visible so kernels can prepack weights.
class CompileContext {
 public:
  virtual ~CompileContext() = default;
  virtual const Tensor* constantInput(const NodeDesc& node, int i) const = 0;
  virtual int threads() const = 0;
};

using KernelFactory = std::function<std::unique_ptr<Kernel>(const NodeDesc&, const CompileContext&)>;

struct KernelDef {
  std::string domain;
  std::string opType;
  int sinceVersion;
  std::string provider;
  KernelFactory create;
};

// The one kernel table. Lookup picks the highest since_version <= the model's opset for that domain.
class KernelRegistry {
 public:
  static KernelRegistry& instance();
  void add(KernelDef def);
  const KernelDef* find(const std::string& domain, const std::string& opType, int opset,
                        const std::string& provider) const;
  const std::vector<KernelDef>& all() const { return defs_; }

 private:
  std::vector<KernelDef> defs_;
};

struct KernelRegistration {
  explicit KernelRegistration(KernelDef def) { KernelRegistry::instance().add(std::move(def)); }
};

template <typename K>
KernelFactory factoryOf() {
  return [](const NodeDesc& n, const CompileContext& c) -> std::unique_ptr<Kernel> {
    return std::make_unique<K>(n, c);
  };
}

#define ONNXFLEET_CONCAT_INNER(a, b) a##b
#define ONNXFLEET_CONCAT(a, b) ONNXFLEET_CONCAT_INNER(a, b)
// Registers kernel class K (constructible from (const NodeDesc&, const CompileContext&)) for an op version.
#define ONNXFLEET_KERNEL(DOMAIN, OP, SINCE, PROVIDER, K)                                \
  static ::onnxfleet::KernelRegistration ONNXFLEET_CONCAT(onnxfleet_reg_, __COUNTER__)( \
      ::onnxfleet::KernelDef{DOMAIN, OP, SINCE, PROVIDER, ::onnxfleet::factoryOf<K>()})
// Shorthand for ai.onnx CPU kernels.
#define ONNX_CPU_KERNEL(OP, SINCE, K) ONNXFLEET_KERNEL("", OP, SINCE, "cpu", K)

}  // namespace onnxfleet
