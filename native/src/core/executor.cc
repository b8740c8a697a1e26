#include "executor.h"

#include <sstream>

namespace onnxfleet {

namespace {

std::string describeInputs(const Frame& f, const NodeDesc& n) {
  std::ostringstream o;
  o << "inputs: ";
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (i) o << ", ";
    const int s = n.inputs[i];
    if (s < 0) {
      o << "<absent>";
      continue;
    }
    o << "'" << f.graph.valueNames[s] << "' " << f.slots[s].describe();
  }
  return o.str();
}

}  // namespace

std::vector<Value> executeGraph(const Graph& g, std::vector<Value> inputs,
                                const std::map<std::string, Value>* outer, RunState& run) {
  Frame frame{g, std::vector<Value>(g.valueNames.size()), nullptr};
  for (const auto& c : g.constants) frame.slots[c.first] = Value::of(c.second);
  if (inputs.size() > g.inputs.size())
    throw Error("graph '" + g.name + "' takes " + std::to_string(g.inputs.size()) + " inputs, got " +
                std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) frame.slots[g.inputs[i]] = std::move(inputs[i]);
  if (outer) {
    for (const auto& c : g.captures) {
      auto it = outer->find(c.first);
      if (it == outer->end())
        throw Error("graph '" + g.name + "' uses outer value '" + c.first + "' that is not bound");
      frame.slots[c.second] = it->second;
    }
  }
  const bool timed = run.profiling() && run.depth == 0;
  ++run.depth;
  struct DepthGuard {
    RunState& r;
    ~DepthGuard() { --r.depth; }
  } guard{run};

  for (size_t idx = 0; idx < g.nodes.size(); ++idx) {
    const PlanNode& pn = g.nodes[idx];
    frame.current = &pn;
    const double t0 = timed ? run.nowNs() : 0;
    try {
      KernelContext ctx(pn.desc, run, frame);
      pn.kernel->compute(ctx);
    } catch (const std::exception& e) {
      throw Error(pn.desc.where() + ": " + e.what() + " [" + describeInputs(frame, pn.desc) + "]");
    }
    if (timed) {
      run.timings.push_back(static_cast<double>(idx));
      run.timings.push_back(t0);
      run.timings.push_back(run.nowNs());
    }
    for (int s : pn.freeAfter) frame.slots[s] = Value();
  }

  std::vector<Value> outs;
  outs.reserve(g.outputs.size());
  for (int s : g.outputs) outs.push_back(frame.slots[s]);
  return outs;
}

void compileGraph(Graph& g, int threads, const std::string& provider) {
  g.isOutput.assign(g.valueNames.size(), 0);
  for (int s : g.outputs) g.isOutput[s] = 1;

  struct Ctx : CompileContext {
    std::map<int, const Tensor*> constants;
    int nthreads = 1;
    const Tensor* constantInput(const NodeDesc& n, int i) const override {
      if (i < 0 || i >= static_cast<int>(n.inputs.size()) || n.inputs[i] < 0) return nullptr;
      auto it = constants.find(n.inputs[i]);
      return it == constants.end() ? nullptr : it->second;
    }
    int threads() const override { return nthreads; }
  } ctx;
  ctx.nthreads = threads;
  for (const auto& c : g.constants) ctx.constants[c.first] = &c.second;

  std::vector<std::string> unsupported;
  for (auto& pn : g.nodes) {
    pn.def = KernelRegistry::instance().find(pn.desc.domain, pn.desc.opType, pn.desc.opset, provider);
    // The reference provider has its own kernels only where the cpu one is a fast path (oneDNN); for every
    // other op the plain cpu kernel already is the reference.
    if (!pn.def && provider == "reference")
      pn.def = KernelRegistry::instance().find(pn.desc.domain, pn.desc.opType, pn.desc.opset, "cpu");
    if (!pn.def) {
      unsupported.push_back(pn.desc.where());
      continue;
    }
    pn.desc.sinceVersion = pn.def->sinceVersion;
  }
  if (!unsupported.empty()) {
    std::string msg = "unsupported operator" + std::string(unsupported.size() > 1 ? "s" : "") +
                      " for provider '" + provider + "': ";
    for (size_t i = 0; i < unsupported.size() && i < 8; ++i) msg += (i ? "; " : "") + unsupported[i];
    if (unsupported.size() > 8) msg += "; and " + std::to_string(unsupported.size() - 8) + " more";
    throw Error(msg);
  }
  for (auto& pn : g.nodes) {
    try {
      pn.kernel = pn.def->create(pn.desc, ctx);
    } catch (const std::exception& e) {
      throw Error(pn.desc.where() + ": " + e.what());
    }
  }
}

ModelRegistry& ModelRegistry::instance() {
  static ModelRegistry r;
  return r;
}

std::shared_ptr<CompiledModel> ModelRegistry::find(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = models_.find(key);
  if (it == models_.end()) return nullptr;
  auto m = it->second.lock();
  if (!m) models_.erase(it);
  return m;
}

std::shared_ptr<CompiledModel> ModelRegistry::insert(std::shared_ptr<CompiledModel> m) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = models_[m->key];
  if (auto existing = slot.lock()) return existing;
  slot = m;
  return m;
}

size_t ModelRegistry::size() {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto& kv : models_)
    if (!kv.second.expired()) ++n;
  return n;
}

}  // namespace onnxfleet
