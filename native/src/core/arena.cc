#include "arena.h"

#include <cstdlib>

#include "error.h"

namespace onnxfleet {

namespace {
size_t sizeClass(size_t bytes) {  // round up to 64 bytes, then to 1/8 steps of the next power of two
  size_t b = ((bytes + 63) / 64) * 64;
  if (b <= 4096) return b == 0 ? 64 : b;
  size_t p = 4096;
  while (p < b) p <<= 1;
  const size_t step = p / 8;
  return ((b + step - 1) / step) * step;
}
}  // namespace

void ArenaBlockReturn::operator()(void* p) const { arena->give(p, bytes); }

bool isArenaBacked(const Tensor& t) {
  return t.holder && std::get_deleter<ArenaBlockReturn>(t.holder) != nullptr;
}

Arena::~Arena() {
  for (auto& kv : free_) std::free(kv.second);
}

void* Arena::take(size_t bytes) {
  auto it = free_.find(bytes);
  void* p;
  if (it != free_.end()) {
    p = it->second;
    free_.erase(it);
  } else {
    p = std::aligned_alloc(64, bytes);
    if (!p) throw Error("out of memory: arena could not allocate " + std::to_string(bytes) + " bytes");
    reserved_ += bytes;
  }
  inUse_ += bytes;
  if (inUse_ > peak_) peak_ = inUse_;
  return p;
}

void Arena::give(void* p, size_t bytes) {
  inUse_ -= bytes;
  free_.emplace(bytes, p);
}

Tensor Arena::allocate(DType dtype, const Shape& shape) {
  if (dtype == DType::String) return allocateHeapTensor(dtype, shape);
  for (int64_t d : shape)
    if (d < 0) throw Error("negative dimension in shape " + shapeToString(shape));
  Tensor t;
  t.dtype = dtype;
  t.shape = shape;
  const size_t bytes = sizeClass(t.bytes());
  void* p = take(bytes);
  t.data = p;
  t.holder = std::shared_ptr<void>(p, ArenaBlockReturn{this, bytes});
  return t;
}

std::unique_ptr<Arena> ArenaPool::acquire() {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.empty()) return std::make_unique<Arena>();
  auto a = std::move(idle_.back());
  idle_.pop_back();
  return a;
}

void ArenaPool::release(std::unique_ptr<Arena> a) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(a));
}

}  // namespace onnxfleet
