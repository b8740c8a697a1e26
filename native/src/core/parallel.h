// Intra-op parallelism. OpenMP is the pool: oneDNN (Debian build) uses it too, so there is one set of
// worker threads per calling thread and no two runtimes spinning against each other.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace onnxfleet {

// Calls fn(begin, end) over [0, n) split in contiguous chunks on up to `threads` threads. Chunks smaller
// than `grain` items are not split further. fn must not throw: validate before calling parallelFor.
template <typename F>
void parallelFor(int threads, int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  const int64_t maxChunks = (n + grain - 1) / grain;
  const int nt = static_cast<int>(std::min<int64_t>(std::max(threads, 1), maxChunks));
  if (nt <= 1) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    const int64_t per = n / nt, rem = n % nt;
    const int64_t begin = t * per + std::min<int64_t>(t, rem);
    const int64_t end = begin + per + (t < rem ? 1 : 0);
    if (begin < end) fn(begin, end);
  }
}

}  // namespace onnxfleet
