// BMP and binary PNM (P5 gray, P6 colour; 16-bit samples keep their high byte) through stb_image, from
// Debian's libstb. Gray (+alpha) stays 1 channel, RGB(A) becomes 3; alpha is dropped.
#ifdef ONNXFLEET_HAVE_STB_IMAGE
#include <climits>

#include "cpu/image/decoders/image_decoders.h"
#include "stb_image.h"

namespace onnxfleet {
namespace {

std::string stbReason() {
  const char* why = stbi_failure_reason();
  return std::string("stb_image: ") + (why ? why : "cannot decode");
}

}  // namespace

DecodeResult decodeStb(const uint8_t* data, size_t size, DecodedImage& out) {
  if (size > static_cast<size_t>(INT_MAX)) return {DecodeStatus::Unsupported, "stream larger than 2 GiB"};
  int width = 0, height = 0, comps = 0;
  const int len = static_cast<int>(size);
  if (!stbi_info_from_memory(data, len, &width, &height, &comps)) return {DecodeStatus::Invalid, stbReason()};
  DecodeResult r;
  if (comps < 1 || comps > 4) return {DecodeStatus::Invalid, "stb_image: unexpected channel count"};
  const int channels = comps <= 2 ? 1 : 3;
  if (!prepareImage(width, height, channels, out, r)) return r;
  int w = 0, h = 0, n = 0;
  stbi_uc* px = stbi_load_from_memory(data, len, &w, &h, &n, comps);
  if (!px) return {DecodeStatus::Invalid, stbReason()};
  if (w != width || h != height) {
    stbi_image_free(px);
    return {DecodeStatus::Invalid, "stb_image: header and image disagree"};
  }
  const size_t count = static_cast<size_t>(width) * height;
  uint8_t* dst = out.pixels.data();
  for (size_t i = 0; i < count; ++i)
    for (int c = 0; c < channels; ++c) dst[i * channels + c] = px[i * comps + c];
  stbi_image_free(px);
  return r;
}

}  // namespace onnxfleet
#endif  // ONNXFLEET_HAVE_STB_IMAGE
