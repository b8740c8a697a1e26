// Shared oneDNN plumbing for the CPU kernels: one process-wide engine, a stream per call, plain memory
// descriptors for our row-major tensors, weights packed once per layout, and a small per-kernel cache of
// primitives keyed by input shapes. Primitives use a user scratchpad taken from the run's arena, so runs that
// share one compiled model on different threads never share scratch memory.
#pragma once
#include <omp.h>

#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/kernel.h"

namespace onnxfleet {
namespace onednn {

using dims = dnnl::memory::dims;

dnnl::engine& cpuEngine();

// An Error carrying the oneDNN status and message, prefixed with what we were doing.
[[noreturn]] void rethrow(const dnnl::error& e, const std::string& what);

// Row-major ("plain") descriptor of a dense float tensor, any rank oneDNN supports.
dnnl::memory::desc plainDesc(const dims& d, dnnl::memory::data_type dt = dnnl::memory::data_type::f32);
// Descriptor with explicit strides (transposed views, broadcast batch dims).
dnnl::memory::desc stridedDesc(const dims& d, const dims& strides,
                               dnnl::memory::data_type dt = dnnl::memory::data_type::f32);
inline dims toDims(const Shape& s) { return dims(s.begin(), s.end()); }

// Sets the calling thread's OpenMP budget while alive. oneDNN reads it when it creates a primitive, and the
// primitive must be created with the budget it will run with (its thread partitioning is baked in).
class ThreadBudget {
 public:
  explicit ThreadBudget(int threads) : saved_(omp_get_max_threads()) {
    omp_set_num_threads(threads < 1 ? 1 : threads);
  }
  ~ThreadBudget() { omp_set_num_threads(saved_); }
  ThreadBudget(const ThreadBudget&) = delete;
  ThreadBudget& operator=(const ThreadBudget&) = delete;

 private:
  int saved_;
};

// Primitive attributes every kernel starts from: user-managed scratchpad.
dnnl::primitive_attr baseAttr();

// One kernel call's oneDNN work: a fresh stream, scratch buffers taken from the run's arena (kept alive until
// the call ends), and the primitives run in order. The CPU runtime executes synchronously; finish() waits.
class Call {
 public:
  explicit Call(KernelContext& ctx) : ctx_(ctx), stream_(cpuEngine()) {}
  // A buffer for `md` from the run's arena.
  dnnl::memory scratch(const dnnl::memory::desc& md);
  // Runs p with `args`, adding a scratchpad of size `scratchpad` when the primitive needs one.
  void run(const dnnl::primitive& p, const dnnl::memory::desc& scratchpad,
           std::unordered_map<int, dnnl::memory> args);
  void reorder(const dnnl::reorder& r, const dnnl::memory& src, const dnnl::memory& dst);
  void finish() { stream_.wait(); }

 private:
  KernelContext& ctx_;
  dnnl::stream stream_;
  std::vector<Tensor> holders_;
  void* scratchpadData_ = nullptr;
  size_t scratchpadBytes_ = 0;
};

// Wraps a raw pointer (never written through for inputs) as a oneDNN memory.
dnnl::memory wrap(const dnnl::memory::desc& md, const void* data);
// A reorder primitive between two layouts (created with the calling thread's budget).
dnnl::reorder makeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to);

// A constant weight tensor reordered into whatever layouts the primitives ask for. The layout a primitive
// prefers can depend on the activation shape and thread count, so the packing is keyed by descriptor; the
// first packing (done at kernel construction for a guessed shape) is replaced if no primitive ever used it.
// At most kMaxLayouts packed copies are kept; past that get() returns an empty memory and the caller
// reorders the plain weights per call (bounded memory for workloads with many shapes).
class PackedWeights {
 public:
  // `plain` describes the weights as stored in `source` (which must outlive this object: it shares the
  // initializer's holder).
  PackedWeights(Tensor source, dnnl::memory::desc plain)
      : source_(std::move(source)), plain_(std::move(plain)) {}
  static constexpr size_t kMaxLayouts = 3;
  // Returns the weights in layout `want`, packing them now if needed; empty when the cap is reached.
  // Thread-safe.
  dnnl::memory get(const dnnl::memory::desc& want, int threads, bool markUsed = true);
  size_t packedBytes() const;

 private:
  struct Entry {
    dnnl::memory::desc md;
    dnnl::memory mem;
    bool used;
  };
  Tensor source_;
  dnnl::memory::desc plain_;
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

// Per-kernel cache of execution plans keyed by a signature (input shapes, thread count...). Plans are built
// outside the lock and are immutable once published, so concurrent runs only contend on the lookup.
template <typename Plan>
class PlanCache {
 public:
  using Key = std::vector<int64_t>;
  template <typename Make>
  std::shared_ptr<const Plan> get(const Key& key, Make&& make) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& e : entries_)
        if (e.first == key) return e.second;
    }
    std::shared_ptr<const Plan> plan = make();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& e : entries_)
      if (e.first == key) return e.second;                               // another thread won the race
    if (entries_.size() >= kCapacity) entries_.erase(entries_.begin());  // oldest first
    entries_.emplace_back(key, plan);
    return plan;
  }

 private:
  static constexpr size_t kCapacity = 16;
  std::mutex mu_;
  std::vector<std::pair<Key, std::shared_ptr<const Plan>>> entries_;
};

}  // namespace onednn
}  // namespace onnxfleet
