// TensorScatter (opset 24): present = past_cache with, for every prefix index before `axis` (the first one
// being the batch), the rows update[..., s, ...] written at sequence position write_indices[batch] + s
// (modulo max_sequence_length in "circular" mode). Any element type; sub-byte types go through one byte
// per element.
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class TensorScatterKernel : public Kernel {
 public:
  TensorScatterKernel(const NodeDesc& n, const CompileContext&) : axis_(n.getInt("axis", -2)) {
    const std::string mode = n.getString("mode", "linear");
    check(mode == "linear" || mode == "circular", "mode must be 'linear' or 'circular', got '" + mode + "'");
    circular_ = mode == "circular";
  }

  void compute(KernelContext& ctx) override {
    const Tensor& past = ctx.input(0);
    const Tensor& update = ctx.input(1);
    const int r = past.rank();
    check(update.dtype == past.dtype, std::string("update must have past_cache's element type ") +
                                          dtypeName(past.dtype) + ", got " + dtypeName(update.dtype));
    check(r >= 2 && update.rank() == r, "past_cache and update must have one rank >= 2, got " +
                                            shapeToString(past.shape) + " and " +
                                            shapeToString(update.shape));
    const int axis = static_cast<int>(normalizeAxis(axis_, r, "axis"));
    check(axis != 0, "axis cannot be the batch dimension 0");
    for (int d = 0; d < r; ++d)
      check(d == axis ? update.shape[d] <= past.shape[d] : update.shape[d] == past.shape[d],
            "update " + shapeToString(update.shape) + " does not fit past_cache " +
                shapeToString(past.shape) + " along axis " + std::to_string(axis));
    const int64_t batch = past.shape[0], maxLen = past.shape[axis], len = update.shape[axis];
    const int64_t prefix = dimProduct(past.shape, 0, axis), perBatch = prefix / std::max<int64_t>(batch, 1);
    const int64_t inner = dimProduct(past.shape, axis + 1, r);
    std::vector<int64_t> start(static_cast<size_t>(batch), 0);
    if (ctx.hasInput(2)) {
      const Tensor& wi = ctx.input(2);
      check(wi.numel() == batch,
            "write_indices must have batch_size " + std::to_string(batch) + " values, got " + wi.describe());
      start = readInts(wi, "write_indices");
    }
    for (int64_t b = 0; b < batch; ++b) {
      if (circular_) {
        start[b] = maxLen > 0 ? ((start[b] % maxLen) + maxLen) % maxLen : 0;
      } else {
        check(start[b] >= 0 && start[b] + len <= maxLen,
              "write index " + std::to_string(start[b]) + " + sequence length " + std::to_string(len) +
                  " exceeds max_sequence_length " + std::to_string(maxLen) + " (linear mode)");
      }
    }
    Tensor& out = ctx.allocOutput(0, past.dtype, past.shape);
    if (out.numel() == 0) return;
    const bool sub = isSubByte(past.dtype);
    std::vector<uint8_t> pastBytes, updBytes, outBytes;
    const void* src = past.data;
    const void* upd = update.data;
    void* dst = out.data;
    DType storage = past.dtype;
    if (sub) {
      const int bits = dtypeBits(past.dtype);
      pastBytes.resize(past.numel()), updBytes.resize(update.numel()), outBytes.resize(past.numel());
      unpackBits(past.data, pastBytes.data(), past.numel(), bits);
      unpackBits(update.data, updBytes.data(), update.numel(), bits);
      src = pastBytes.data(), upd = updBytes.data(), dst = outBytes.data(), storage = DType::UInt8;
    }
    copyElements(storage, dst, src, past.numel(), ctx.threads());
    dispatchStorage(storage, "TensorScatter", [&](auto tag) {
      using S = typename decltype(tag)::type;
      const S* u = static_cast<const S*>(upd);
      S* o = static_cast<S*>(dst);
      parallelFor(ctx.threads(), prefix * len, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t t = begin; t < end; ++t) {
                      const int64_t p = t / len, s = t % len;
                      int64_t pos = start[p / perBatch] + s;
                      if (circular_) pos %= maxLen;
                      copyN(o + (p * maxLen + pos) * inner, u + (p * len + s) * inner, inner);
                    }
                  });
    });
    if (sub) packBits(outBytes.data(), out.data, out.numel(), dtypeBits(past.dtype));
  }

 private:
  int64_t axis_;
  bool circular_ = false;
};

ONNX_CPU_KERNEL("TensorScatter", 24, TensorScatterKernel);

}  // namespace
}  // namespace onnxfleet
