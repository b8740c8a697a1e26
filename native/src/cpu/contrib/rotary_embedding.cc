// RotaryEmbedding (com.microsoft): rotates each head vector of a 3-D (batch, seq, hidden) or 4-D (batch,
// heads, seq, head_size) input by the angles of its position, read from (max_seq, rotary_dim / 2) cos/sin
// tables. position_ids is (batch, seq), or one value: the offset of the first token (positions offset + s).
// Without num_heads the head size of a 3-D input is 2 * the cache width.
#include "core/kernel.h"
#include "cpu/transformer/rotary.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class MsRotaryEmbeddingKernel : public Kernel {
 public:
  MsRotaryEmbeddingKernel(const NodeDesc& n, const CompileContext&)
      : interleaved_(n.getInt("interleaved", 0) != 0),
        numHeads_(n.getInt("num_heads", 0)),
        rotDim_(n.getInt("rotary_embedding_dim", 0)) {
    check(n.getInt("is_packed_batching", 0) == 0, "is_packed_batching is not supported");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& pos = ctx.input(1);
    const Tensor& cosT = ctx.input(2);
    const Tensor& sinT = ctx.input(3);
    check(x.rank() == 3 || x.rank() == 4, "input must be 3-D or 4-D, got " + shapeToString(x.shape));
    check(cosT.rank() == 2 && cosT.shape == sinT.shape, "cos_cache/sin_cache must be one 2-D shape");
    check(cosT.dtype == x.dtype && sinT.dtype == x.dtype, "caches must have the input's element type");
    const bool is4d = x.rank() == 4;
    const int64_t batch = x.shape[0], seq = is4d ? x.shape[2] : x.shape[1];
    int64_t heads, head;
    if (is4d) {
      heads = x.shape[1], head = x.shape[3];
    } else {
      const int64_t hidden = x.shape[2];
      head = numHeads_ > 0 ? hidden / numHeads_ : cosT.shape[1] * 2;
      check(head > 0 && hidden % head == 0,
            "hidden size " + std::to_string(hidden) + " does not split into heads");
      heads = hidden / head;
      check(numHeads_ <= 0 || heads == numHeads_, "hidden size " + std::to_string(hidden) +
                                                      " is not a multiple of num_heads " +
                                                      std::to_string(numHeads_));
    }
    const int64_t rot = rotDim_ > 0 ? rotDim_ : head, half = rot / 2;
    check(rot % 2 == 0 && rot <= head && cosT.shape[1] == half,
          "cos_cache width " + std::to_string(cosT.shape[1]) +
              " must be rotary_dim / 2 = " + std::to_string(half));
    const std::vector<int64_t> ids = readInts(pos, "position_ids");
    check(ids.size() == 1 || static_cast<int64_t>(ids.size()) == batch * seq,
          "position_ids must be (1) or (batch, seq), got " + shapeToString(pos.shape));
    std::vector<int64_t> rows(static_cast<size_t>(batch * seq));
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t s = 0; s < seq; ++s) {
        const int64_t p = ids.size() == 1 ? ids[0] + s : ids[b * seq + s];
        check(p >= 0 && p < cosT.shape[0], "position " + std::to_string(p) + " is outside the cache of " +
                                               std::to_string(cosT.shape[0]) + " rows");
        rows[b * seq + s] = p;
      }
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    if (y.numel() == 0) return;
    dispatchTypes<float, Half, BFloat16>(x.dtype, "RotaryEmbedding", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xp = x.as<T>();
      T* yp = y.as<T>();
      parallelFor(ctx.threads(), batch * heads * seq, std::max<int64_t>(1, 16384 / head),
                  [&](int64_t b0, int64_t e0) {
                    for (int64_t v = b0; v < e0; ++v) {
                      const int64_t bi = is4d ? v / (heads * seq) : v / (seq * heads);
                      const int64_t si = is4d ? v % seq : (v / heads) % seq;
                      const int64_t row = rows[bi * seq + si] * half;
                      rotateHead(xp + v * head, yp + v * head, cosT.as<T>() + row, sinT.as<T>() + row, rot,
                                 head, interleaved_);
                    }
                  });
    });
  }

 private:
  bool interleaved_;
  int64_t numHeads_, rotDim_;
};

ONNXFLEET_KERNEL("com.microsoft", "RotaryEmbedding", 1, "cpu", MsRotaryEmbeddingKernel);

}  // namespace
}  // namespace onnxfleet
