// Adapters from system image libraries to one result for ImageDecoder: 8-bit pixels, row-major HWC, either
// 1 channel (grayscale source) or 3 (RGB; alpha dropped). Each adapter is compiled only when binding.gyp
// found its library (ONNXFLEET_HAVE_* from native/detect-libs.mjs). None throws through library code: they
// report Invalid (the stream cannot be decoded: ImageDecoder returns an empty image, as the spec says) or
// Unsupported (a valid stream this build cannot handle, e.g. too large: ImageDecoder raises an error).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace onnxfleet {

struct DecodedImage {
  int64_t width = 0;
  int64_t height = 0;
  int channels = 0;  // 1 or 3
  std::vector<uint8_t> pixels;
};

enum class DecodeStatus { Ok, Invalid, Unsupported };

struct DecodeResult {
  DecodeStatus status = DecodeStatus::Ok;
  std::string why;  // what the library reported, for Invalid/Unsupported
};

// Images above this many pixels are refused (Unsupported) before any pixel memory is allocated: PIL's
// decompression-bomb limit (2 * Image.MAX_IMAGE_PIXELS), so what PIL decodes, this decodes too.
constexpr int64_t kMaxDecodedPixels = 178956970;

// Checks the header's dimensions and sizes `out` for width x height x channels; false with `r` set when the
// image is empty or too large.
inline bool prepareImage(int64_t width, int64_t height, int channels, DecodedImage& out, DecodeResult& r) {
  if (width <= 0 || height <= 0) {
    r = {DecodeStatus::Invalid,
         "image has no pixels (" + std::to_string(width) + "x" + std::to_string(height) + ")"};
    return false;
  }
  if (width > kMaxDecodedPixels || height > kMaxDecodedPixels || width * height > kMaxDecodedPixels) {
    r = {DecodeStatus::Unsupported, "image of " + std::to_string(width) + "x" + std::to_string(height) +
                                        " pixels exceeds the limit of " + std::to_string(kMaxDecodedPixels) +
                                        " pixels"};
    return false;
  }
  out.width = width;
  out.height = height;
  out.channels = channels;
  out.pixels.assign(static_cast<size_t>(width * height * channels), 0);
  return true;
}

DecodeResult decodeJpeg(const uint8_t* data, size_t size, DecodedImage& out);      // libjpeg(-turbo)
DecodeResult decodePng(const uint8_t* data, size_t size, DecodedImage& out);       // libpng
DecodeResult decodeTiff(const uint8_t* data, size_t size, DecodedImage& out);      // libtiff
DecodeResult decodeWebp(const uint8_t* data, size_t size, DecodedImage& out);      // libwebp
DecodeResult decodeJpeg2000(const uint8_t* data, size_t size, DecodedImage& out);  // OpenJPEG
DecodeResult decodeStb(const uint8_t* data, size_t size, DecodedImage& out);       // stb_image: BMP, PNM

}  // namespace onnxfleet
