// WebP (lossy and lossless, still images) through libwebp, decoded straight to RGB with its default fancy
// upsampling, which is what PIL gets; alpha is dropped. Animated WebP is refused (it needs libwebpdemux).
#ifdef ONNXFLEET_HAVE_LIBWEBP
#include <webp/decode.h>

#include "cpu/image/decoders/image_decoders.h"

namespace onnxfleet {

DecodeResult decodeWebp(const uint8_t* data, size_t size, DecodedImage& out) {
  WebPBitstreamFeatures features;
  const VP8StatusCode status = WebPGetFeatures(data, size, &features);
  if (status != VP8_STATUS_OK)
    return {DecodeStatus::Invalid, "libwebp: cannot read the header (status " + std::to_string(status) + ")"};
  if (features.has_animation)
    return {DecodeStatus::Unsupported, "animated WebP is not supported (only still images are decoded)"};
  DecodeResult r;
  if (!prepareImage(features.width, features.height, 3, out, r)) return r;
  if (!WebPDecodeRGBInto(data, size, out.pixels.data(), out.pixels.size(), static_cast<int>(out.width * 3)))
    return {DecodeStatus::Invalid, "libwebp: cannot decode the image data"};
  return r;
}

}  // namespace onnxfleet
#endif  // ONNXFLEET_HAVE_LIBWEBP
