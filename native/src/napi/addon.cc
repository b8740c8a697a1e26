// The Node-API surface of the engine. Plans cross once at compile time; each run is one call carrying every
// feed and returning every output. `run` executes off the JS thread; `runSync` is for threads that are
// already off the event loop (piscina workers).
#include <napi.h>
#include <omp.h>

#include "../core/compute_thread.h"
#include "../core/executor.h"
#include "bridge.h"

namespace onnxfleet {
namespace {

struct ModelHandle {
  std::shared_ptr<CompiledModel> model;
};

Napi::Value wrapModel(Napi::Env env, std::shared_ptr<CompiledModel> m) {
  auto* h = new ModelHandle{std::move(m)};
  return Napi::External<ModelHandle>::New(env, h, [](Napi::Env, ModelHandle* p) { delete p; });
}

std::shared_ptr<CompiledModel> unwrapModel(const Napi::Value& v) {
  if (!v.IsExternal()) throw Error("expected a model handle");
  auto* h = v.As<Napi::External<ModelHandle>>().Data();
  if (!h->model) throw Error("the session was released");
  return h->model;
}

int readThreads(const Napi::Object& opts) {
  if (!opts.Has("threads")) return 1;
  const int t = opts.Get("threads").As<Napi::Number>().Int32Value();
  return t < 1 ? 1 : t;
}

// Everything one run needs, gathered on the JS thread so that execution touches no JS values.
struct RunJob {
  std::shared_ptr<CompiledModel> model;
  std::vector<Value> inputs;
  int threads = 1;
  bool profile = false;
  std::vector<Value> outputs;
  std::vector<double> timings;
  size_t arenaPeak = 0;

  void execute() {
    omp_set_num_threads(threads);  // oneDNN reads the calling thread's OpenMP budget
    auto arena = model->arenas.acquire();
    try {
      RunState state(*arena, threads, profile);
      outputs = executeGraph(*model->graph, std::move(inputs), nullptr, state);
      timings = std::move(state.timings);
    } catch (...) {
      inputs.clear();
      outputs.clear();
      model->arenas.release(std::move(arena));
      throw;
    }
    // Outputs that still live in the arena (aliases of intermediates) must be copied out before release.
    for (auto& v : outputs) {
      if (v.isTensor() && isArenaBacked(v.tensor)) v.tensor = copyTensor(v.tensor);
      for (auto& t : v.sequence)
        if (isArenaBacked(t)) t = copyTensor(t);
    }
    arenaPeak = arena->peakBytes();
    model->arenas.release(std::move(arena));
  }

  Napi::Object result(Napi::Env env) {
    Napi::Object r = Napi::Object::New(env);
    Napi::Array outs = Napi::Array::New(env, outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i) outs.Set(i, writeValue(env, std::move(outputs[i])));
    r.Set("outputs", outs);
    r.Set("arenaPeakBytes", Napi::Number::New(env, static_cast<double>(arenaPeak)));
    if (profile) {
      auto ta = Napi::Float64Array::New(env, timings.size());
      for (size_t i = 0; i < timings.size(); ++i) ta[i] = timings[i];
      r.Set("timings", ta);
    }
    return r;
  }
};

std::unique_ptr<RunJob> prepareRun(const Napi::CallbackInfo& info) {
  auto job = std::make_unique<RunJob>();
  job->model = unwrapModel(info[0]);
  if (!info[1].IsArray()) throw Error("feeds must be an array");
  auto feeds = info[1].As<Napi::Array>();
  const Graph& g = *job->model->graph;
  if (feeds.Length() != g.inputs.size())
    throw Error("expected " + std::to_string(g.inputs.size()) + " feeds, got " +
                std::to_string(feeds.Length()));
  for (uint32_t i = 0; i < feeds.Length(); ++i)
    job->inputs.push_back(readValue(feeds.Get(i), false, "input '" + g.valueNames[g.inputs[i]] + "'"));
  if (info.Length() > 2 && info[2].IsObject()) {
    auto opts = info[2].As<Napi::Object>();
    job->threads = readThreads(opts);
    job->profile = opts.Has("profile") && opts.Get("profile").ToBoolean();
  }
  return job;
}

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, std::unique_ptr<RunJob> job, Napi::Value feeds)
      : Napi::AsyncWorker(env, "onnxfleet.run"),
        job_(std::move(job)),
        deferred_(Napi::Promise::Deferred::New(env)) {
    feeds_ = Napi::Persistent(feeds.As<Napi::Object>());  // keeps zero-copy input buffers alive
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      runOnComputeThread([this] { job_->execute(); });  // one long-lived OpenMP team (compute_thread.h)
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(job_->result(Env())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::unique_ptr<RunJob> job_;
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference feeds_;
};

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

Napi::Value Compile(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto plan = info[0].As<Napi::Object>();
    const std::string key = info[1].As<Napi::String>().Utf8Value();
    const std::string metadata = info[2].As<Napi::String>().Utf8Value();
    auto opts = info[3].As<Napi::Object>();
    if (auto existing = ModelRegistry::instance().find(key)) return wrapModel(info.Env(), existing);
    const std::string provider = opts.Has("provider") ? opts.Get("provider").ToString().Utf8Value() : "cpu";
    auto m = std::make_shared<CompiledModel>();
    m->key = key;
    m->metadata = metadata;
    m->graph = readPlan(plan, readThreads(opts), provider);
    for (const auto& c : m->graph->constants) m->weightBytes += c.second.bytes();
    // Compiling (weight packing, constant folding) opened OpenMP teams on this, the JS thread. Runs happen on
    // compute threads, so give those worker threads back: libgomp counts every team's threads, and more of
    // them than cores puts every team into short spinning (see compute_thread.h).
    omp_pause_resource_all(omp_pause_soft);
    return wrapModel(info.Env(), ModelRegistry::instance().insert(std::move(m)));
  });
}

Napi::Value Lookup(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto m = ModelRegistry::instance().find(info[0].As<Napi::String>().Utf8Value());
    if (!m) return info.Env().Null();
    Napi::Object r = Napi::Object::New(info.Env());
    r.Set("metadata", m->metadata);
    r.Set("handle", wrapModel(info.Env(), m));
    return r;
  });
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto* w = new RunWorker(info.Env(), prepareRun(info), info[1]);
    auto p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value RunSync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto job = prepareRun(info);
    job->execute();
    return job->result(info.Env());
  });
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  if (info[0].IsExternal()) info[0].As<Napi::External<ModelHandle>>().Data()->model.reset();
  return info.Env().Undefined();
}

Napi::Value ModelInfo(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto m = unwrapModel(info[0]);
    Napi::Object r = Napi::Object::New(info.Env());
    r.Set("weightBytes", Napi::Number::New(info.Env(), static_cast<double>(m->weightBytes)));
    r.Set("key", m->key);
    r.Set("shareCount", Napi::Number::New(info.Env(), static_cast<double>(m.use_count() - 1)));
    return r;
  });
}

Napi::Value Kernels(const Napi::CallbackInfo& info) {
  const auto& defs = KernelRegistry::instance().all();
  Napi::Array arr = Napi::Array::New(info.Env(), defs.size());
  for (size_t i = 0; i < defs.size(); ++i) {
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("domain", defs[i].domain);
    o.Set("opType", defs[i].opType);
    o.Set("sinceVersion", defs[i].sinceVersion);
    o.Set("provider", defs[i].provider);
    arr.Set(i, o);
  }
  return arr;
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("models", Napi::Number::New(info.Env(), static_cast<double>(ModelRegistry::instance().size())));
  r.Set("maxThreads", Napi::Number::New(info.Env(), omp_get_num_procs()));
  return r;
}

}  // namespace
}  // namespace onnxfleet

static Napi::Object InitOnnxfleet(Napi::Env env, Napi::Object exports) {
  using namespace onnxfleet;
  exports.Set("compile", Napi::Function::New(env, Compile));
  exports.Set("lookup", Napi::Function::New(env, Lookup));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("runSync", Napi::Function::New(env, RunSync));
  exports.Set("release", Napi::Function::New(env, Release));
  exports.Set("modelInfo", Napi::Function::New(env, ModelInfo));
  exports.Set("kernels", Napi::Function::New(env, Kernels));
  exports.Set("stats", Napi::Function::New(env, Stats));
  return exports;
}

NODE_API_MODULE(onnxfleet, InitOnnxfleet)
