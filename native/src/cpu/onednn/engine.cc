#include "cpu/onednn/engine.h"

namespace onnxfleet {
namespace onednn {

dnnl::engine& cpuEngine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

void rethrow(const dnnl::error& e, const std::string& what) {
  throw Error(what + ": oneDNN error (status " + std::to_string(static_cast<int>(e.status)) +
              "): " + e.what());
}

dnnl::memory::desc plainDesc(const dims& d, dnnl::memory::data_type dt) {
  dims strides(d.size());
  int64_t s = 1;
  for (size_t i = d.size(); i-- > 0;) {
    strides[i] = s;
    s *= d[i] > 0 ? d[i] : 1;
  }
  return dnnl::memory::desc(d, dt, strides);
}

dnnl::memory::desc stridedDesc(const dims& d, const dims& strides, dnnl::memory::data_type dt) {
  return dnnl::memory::desc(d, dt, strides);
}

dnnl::primitive_attr baseAttr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

dnnl::memory wrap(const dnnl::memory::desc& md, const void* data) {
  return dnnl::memory(md, cpuEngine(), const_cast<void*>(data));
}

dnnl::reorder makeReorder(const dnnl::memory::desc& from, const dnnl::memory::desc& to) {
  return dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), from, cpuEngine(), to));
}

dnnl::memory Call::scratch(const dnnl::memory::desc& md) {
  const size_t bytes = md.get_size();
  holders_.push_back(ctx_.scratch(DType::UInt8, {static_cast<int64_t>(bytes > 0 ? bytes : 1)}));
  return dnnl::memory(md, cpuEngine(), holders_.back().data);
}

void Call::run(const dnnl::primitive& p, const dnnl::memory::desc& scratchpad,
               std::unordered_map<int, dnnl::memory> args) {
  const size_t bytes = scratchpad.get_size();
  if (bytes > 0) {
    // CPU primitives run synchronously, so one scratchpad serves every primitive of this call.
    if (bytes > scratchpadBytes_) {
      holders_.push_back(ctx_.scratch(DType::UInt8, {static_cast<int64_t>(bytes)}));
      scratchpadData_ = holders_.back().data, scratchpadBytes_ = bytes;
    }
    args.emplace(DNNL_ARG_SCRATCHPAD, dnnl::memory(scratchpad, cpuEngine(), scratchpadData_));
  }
  p.execute(stream_, args);
}

void Call::reorder(const dnnl::reorder& r, const dnnl::memory& src, const dnnl::memory& dst) {
  r.execute(stream_, {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
}

dnnl::memory PackedWeights::get(const dnnl::memory::desc& want, int threads, bool markUsed) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& e : entries_) {
    if (e.md == want) {
      e.used = e.used || markUsed;
      return e.mem;
    }
  }
  bool roomLeft = entries_.size() < kMaxLayouts;
  for (auto& e : entries_) roomLeft = roomLeft || !e.used;
  if (!roomLeft) return dnnl::memory();
  dnnl::memory packed(want, cpuEngine());  // oneDNN owns (and aligns) the buffer
  {
    ThreadBudget budget(threads);
    dnnl::memory src(plain_, cpuEngine(), source_.data);
    dnnl::stream s(cpuEngine());
    dnnl::reorder(src, packed).execute(s, src, packed);
    s.wait();
  }
  for (auto& e : entries_) {
    if (!e.used) {  // a guess nobody ran with: replace it rather than keep two copies
      e = Entry{want, packed, markUsed};
      return packed;
    }
  }
  entries_.push_back(Entry{want, packed, markUsed});
  return packed;
}

size_t PackedWeights::packedBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (auto& e : entries_) n += e.md.get_size();
  return n;
}

}  // namespace onednn
}  // namespace onnxfleet
