// Per-run memory: a caching allocator whose blocks return to it when the last tensor using them is dropped.
// Each concurrent run takes its own arena from the model's pool, so runs never share intermediate memory.
#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "tensor.h"

namespace onnxfleet {

class Arena;
// Deleter of arena-backed tensors; its type lets the executor tell arena memory from heap memory.
struct ArenaBlockReturn {
  Arena* arena;
  size_t bytes;
  void operator()(void* p) const;
};
bool isArenaBacked(const Tensor& t);

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();
  Tensor allocate(DType dtype, const Shape& shape);
  size_t reservedBytes() const { return reserved_; }
  size_t peakBytes() const { return peak_; }

 private:
  friend struct ArenaBlockReturn;
  void* take(size_t bytes);
  void give(void* p, size_t bytes);
  std::multimap<size_t, void*> free_;  // size class -> block
  size_t reserved_ = 0, inUse_ = 0, peak_ = 0;
};

// Arenas kept between runs so steady-state runs allocate nothing from the system.
class ArenaPool {
 public:
  std::unique_ptr<Arena> acquire();
  void release(std::unique_ptr<Arena> a);

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Arena>> idle_;
};

}  // namespace onnxfleet
