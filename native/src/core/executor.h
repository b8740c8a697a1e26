// Compiled graphs and their execution: one call runs a whole plan; kernels are resolved at compile time.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "arena.h"
#include "kernel.h"

namespace onnxfleet {

struct PlanNode {
  NodeDesc desc;
  const KernelDef* def = nullptr;
  std::unique_ptr<Kernel> kernel;
  std::vector<int> freeAfter;  // slots whose last use is this node
};

struct Graph {
  std::vector<std::string> valueNames;  // slot -> name, for errors and profiles
  std::vector<int> inputs;              // formal inputs, bound by the caller
  std::vector<int> outputs;
  std::vector<std::pair<int, Tensor>> constants;      // slot -> initializer (owned by the model)
  std::vector<std::pair<std::string, int>> captures;  // outer-scope name -> slot (subgraphs only)
  std::vector<PlanNode> nodes;
  std::vector<char> isOutput;  // slot -> is a graph output (allocated on the heap, not in the arena)
  std::string name;
};

// One run's mutable state: the arena, thread budget, profiling buffer.
class RunState {
 public:
  RunState(Arena& arena, int threads, bool profile) : arena_(arena), threads_(threads), profile_(profile) {
    start_ = std::chrono::steady_clock::now();
  }
  Arena& arena() { return arena_; }
  int threads() const { return threads_; }
  bool profiling() const { return profile_; }
  double nowNs() const {
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start_).count();
  }
  // Per executed top-level node: index, start ns, end ns (relative to the run's start).
  std::vector<double> timings;
  int depth = 0;

 private:
  Arena& arena_;
  int threads_;
  bool profile_;
  std::chrono::steady_clock::time_point start_;
};

struct Frame {
  const Graph& graph;
  std::vector<Value> slots;
  const PlanNode* current = nullptr;
};

// Runs a graph: `inputs` bind to graph.inputs in order, `outer` supplies captured names. Returns outputs.
std::vector<Value> executeGraph(const Graph& g, std::vector<Value> inputs,
                                const std::map<std::string, Value>* outer, RunState& run);

// Resolves kernels and builds them; called once per graph after parsing. Throws naming unsupported nodes.
void compileGraph(Graph& g, int threads, const std::string& provider);

struct CompiledModel {
  std::string key;
  std::shared_ptr<Graph> graph;
  std::string metadata;  // opaque JSON written by the TS side, returned on registry hits
  ArenaPool arenas;
  size_t weightBytes = 0;
};

// Process-wide registry: every thread (and every piscina worker) that compiles the same key gets the same
// CompiledModel, so weights are held once per process. Entries die with their last session.
class ModelRegistry {
 public:
  static ModelRegistry& instance();
  std::shared_ptr<CompiledModel> find(const std::string& key);
  // Inserts unless another thread won the race; returns the entry that is in the registry.
  std::shared_ptr<CompiledModel> insert(std::shared_ptr<CompiledModel> m);
  size_t size();

 private:
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<CompiledModel>> models_;
};

}  // namespace onnxfleet
