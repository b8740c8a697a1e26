// Col2Im: folds column blocks [N, C * prod(block), L] back into an image [N, C, *image_shape], summing where
// blocks overlap (torch.nn.Fold), for any number of spatial dims, with strides, dilations and pads.
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

class Col2ImKernel : public Kernel {
 public:
  Col2ImKernel(const NodeDesc& n, const CompileContext&)
      : dilations_(n.getInts("dilations")), pads_(n.getInts("pads")), strides_(n.getInts("strides")) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const std::vector<int64_t> img = readInts(ctx.input(1), "image_shape");
    const std::vector<int64_t> blk = readInts(ctx.input(2), "block_shape");
    const size_t nd = img.size();
    check(x.rank() == 3, "Col2Im input must be [N, C*prod(block_shape), L], got " + x.describe());
    check(nd >= 1 && blk.size() == nd,
          "Col2Im image_shape and block_shape must have the same non-zero length");
    const std::vector<int64_t> dil = dilations_.empty() ? std::vector<int64_t>(nd, 1) : dilations_;
    const std::vector<int64_t> str = strides_.empty() ? std::vector<int64_t>(nd, 1) : strides_;
    const std::vector<int64_t> pad = pads_.empty() ? std::vector<int64_t>(2 * nd, 0) : pads_;
    check(dil.size() == nd && str.size() == nd && pad.size() == 2 * nd,
          "Col2Im dilations/strides/pads do not match the number of spatial dims");
    std::vector<int64_t> nblk(nd);
    for (size_t d = 0; d < nd; ++d) {
      check(img[d] > 0 && blk[d] > 0 && dil[d] > 0 && str[d] > 0 && pad[d] >= 0 && pad[d + nd] >= 0,
            "Col2Im: image/block shapes, dilations and strides must be positive, pads non-negative");
      const int64_t padded = img[d] + pad[d] + pad[d + nd];
      check(blk[d] - 1 <= (padded - 1) / dil[d],
            "Col2Im: dilated block larger than the padded image along spatial dim " + std::to_string(d));
      nblk[d] = (padded - (dil[d] * (blk[d] - 1) + 1)) / str[d] + 1;
    }
    const int64_t kprod = checkedNumel(Shape(blk.begin(), blk.end()), "Col2Im block_shape");
    const int64_t lprod = checkedNumel(Shape(nblk.begin(), nblk.end()), "Col2Im blocks");
    check(x.shape[1] % kprod == 0, "Col2Im: input dim 1 (" + std::to_string(x.shape[1]) +
                                       ") is not a multiple of prod(block_shape) = " + std::to_string(kprod));
    check(x.shape[2] == lprod, "Col2Im: input has L = " + std::to_string(x.shape[2]) + " blocks, expected " +
                                   std::to_string(lprod));
    const int64_t batch = x.shape[0], chans = x.shape[1] / kprod;
    Shape outShape{batch, chans};
    outShape.insert(outShape.end(), img.begin(), img.end());
    const int64_t isz = checkedNumel(Shape(img.begin(), img.end()), "Col2Im image_shape");
    Tensor& y = ctx.allocOutput(0, x.dtype, outShape);
    const std::vector<int64_t> ist = contiguousStrides(Shape(img.begin(), img.end()));
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(x.dtype, "Col2Im", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename ComputeType<T>::type;
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      parallelFor(ctx.threads(), batch * chans, 1, [&](int64_t b, int64_t e) {
        std::vector<C> acc(static_cast<size_t>(isz));
        std::vector<int64_t> ko(nd), bo(nd);
        for (int64_t nc = b; nc < e; ++nc) {
          std::fill(acc.begin(), acc.end(), C(0));
          const T* col = src + nc * kprod * lprod;
          std::fill(ko.begin(), ko.end(), 0);
          for (int64_t k = 0; k < kprod; ++k) {
            std::fill(bo.begin(), bo.end(), 0);
            for (int64_t l = 0; l < lprod; ++l) {
              int64_t off = 0;
              bool inside = true;
              for (size_t d = 0; d < nd && inside; ++d) {
                const int64_t p = bo[d] * str[d] - pad[d] + ko[d] * dil[d];
                inside = p >= 0 && p < img[d];
                off += p * ist[d];
              }
              if (inside) acc[off] = static_cast<C>(acc[off] + loadC(col[k * lprod + l]));
              for (size_t d = nd; d-- > 0;) {  // next block position
                if (++bo[d] < nblk[d]) break;
                bo[d] = 0;
              }
            }
            for (size_t d = nd; d-- > 0;) {  // next kernel offset
              if (++ko[d] < blk[d]) break;
              ko[d] = 0;
            }
          }
          for (int64_t i = 0; i < isz; ++i) dst[nc * isz + i] = storeC<T>(acc[i]);
        }
      });
    });
  }

 private:
  std::vector<int64_t> dilations_, pads_, strides_;
};

ONNX_CPU_KERNEL("Col2Im", 18, Col2ImKernel);

}  // namespace
}  // namespace onnxfleet
