// RotaryEmbedding (opset 23): rotates every head vector of X, either 4-D (batch, heads, seq, head_size) or
// 3-D (batch, seq, heads * head_size) with the num_heads attribute, by the angles of its token. With
// position_ids (batch, seq) the caches are (max_position + 1, rotary_dim / 2) tables indexed by position;
// without, they are (batch, seq, rotary_dim / 2). rotary_embedding_dim = 0 rotates the whole head.
#include "core/kernel.h"
#include "cpu/transformer/rotary.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class RotaryEmbeddingKernel : public Kernel {
 public:
  RotaryEmbeddingKernel(const NodeDesc& n, const CompileContext&)
      : interleaved_(n.getInt("interleaved", 0) != 0),
        numHeads_(n.getInt("num_heads", 0)),
        rotDim_(n.getInt("rotary_embedding_dim", 0)) {}

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& cosT = ctx.input(1);
    const Tensor& sinT = ctx.input(2);
    const Tensor* pos = ctx.hasInput(3) ? &ctx.input(3) : nullptr;
    check(x.rank() == 3 || x.rank() == 4, "X must be 3-D or 4-D, got " + shapeToString(x.shape));
    const bool is4d = x.rank() == 4;
    const int64_t batch = x.shape[0], seq = is4d ? x.shape[2] : x.shape[1];
    int64_t heads, head;
    if (is4d) {
      heads = x.shape[1], head = x.shape[3];
    } else {
      check(numHeads_ > 0, "num_heads is required for a 3-D input");
      check(x.shape[2] % numHeads_ == 0, "hidden size " + std::to_string(x.shape[2]) +
                                             " is not a multiple of num_heads " + std::to_string(numHeads_));
      heads = numHeads_, head = x.shape[2] / numHeads_;
    }
    const int64_t rot = rotDim_ == 0 ? head : rotDim_;
    check(rot > 0 && rot % 2 == 0 && rot <= head, "rotary_embedding_dim " + std::to_string(rot) +
                                                      " must be even and at most head_size " +
                                                      std::to_string(head));
    const int64_t half = rot / 2;
    check(cosT.dtype == x.dtype && sinT.dtype == x.dtype,
          "cos_cache and sin_cache must have X's element type");
    check(cosT.shape == sinT.shape, "cos_cache " + shapeToString(cosT.shape) + " and sin_cache " +
                                        shapeToString(sinT.shape) + " differ");
    std::vector<int64_t> rows(static_cast<size_t>(batch * seq));  // cache row of each (batch, seq) token
    if (pos) {
      check(cosT.rank() == 2 && cosT.shape[1] == half,
            "with position_ids, cos_cache must be (max_position + 1, " + std::to_string(half) + "), got " +
                shapeToString(cosT.shape));
      check(pos->rank() == 2 && pos->shape[0] == batch && pos->shape[1] == seq,
            "position_ids must be " + shapeToString({batch, seq}) + ", got " + shapeToString(pos->shape));
      rows = readInts(*pos, "position_ids");
      for (int64_t p : rows)
        check(p >= 0 && p < cosT.shape[0], "position id " + std::to_string(p) + " is outside the cache of " +
                                               std::to_string(cosT.shape[0]) + " rows");
    } else {
      check(cosT.rank() == 3 && cosT.shape[0] == batch && cosT.shape[1] == seq && cosT.shape[2] == half,
            "without position_ids, cos_cache must be " + shapeToString({batch, seq, half}) + ", got " +
                shapeToString(cosT.shape));
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
    }
    Tensor& y = ctx.allocOutput(0, x.dtype, x.shape);
    if (y.numel() == 0) return;
    dispatchTypes<float, Half, BFloat16>(x.dtype, "RotaryEmbedding", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xp = x.as<T>();
      const T* cp = cosT.as<T>();
      const T* sp = sinT.as<T>();
      T* yp = y.as<T>();
      const int64_t n = batch * heads * seq;
      parallelFor(ctx.threads(), n, std::max<int64_t>(1, 16384 / head), [&](int64_t b, int64_t e) {
        for (int64_t v = b; v < e; ++v) {  // v enumerates (batch, seq, head) in X's memory order
          int64_t bi, si, off;
          if (is4d) {
            bi = v / (heads * seq), si = v % seq, off = v * head;
          } else {
            bi = v / (seq * heads), si = (v / heads) % seq, off = v * head;
          }
          const int64_t row = rows[bi * seq + si] * half;
          rotateHead(xp + off, yp + off, cp + row, sp + row, rot, head, interleaved_);
        }
      });
    });
  }

 private:
  bool interleaved_;
  int64_t numHeads_, rotDim_;
};

ONNX_CPU_KERNEL("RotaryEmbedding", 23, RotaryEmbeddingKernel);

}  // namespace
}  // namespace onnxfleet
