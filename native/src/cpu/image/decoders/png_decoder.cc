// PNG through libpng: palette and low-bit gray are expanded, 16-bit samples keep their high byte and alpha
// is dropped (as PIL's RGB/L modes do); gray stays 1 channel. Gamma and colour-profile chunks are ignored,
// like PIL, so the output is the stored samples.
#ifdef ONNXFLEET_HAVE_LIBPNG
#include <png.h>

#include <cstdio>
#include <cstring>
#include <new>

#include "cpu/image/decoders/image_decoders.h"

namespace onnxfleet {
namespace {

struct PngSource {
  const uint8_t* data;
  size_t size;
  size_t pos;
  char message[200];
};

void readPng(png_structp png, png_bytep dst, png_size_t n) {
  PngSource* s = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > s->size - s->pos) png_error(png, "stream ends inside the image");
  std::memcpy(dst, s->data + s->pos, n);
  s->pos += n;
}
void onPngError(png_structp png, png_const_charp msg) {
  PngSource* s = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(s->message, sizeof(s->message), "%s", msg);
  png_longjmp(png, 1);
}
void onPngWarning(png_structp, png_const_charp) {}

// Everything libpng can longjmp out of lives here; `out` and `rows` belong to the caller.
DecodeResult run(png_structp png, png_infop info, PngSource& src, DecodedImage& out,
                 std::vector<png_bytep>& rows) {
  DecodeResult r;  // before setjmp: a longjmp must not skip a destructor
  if (setjmp(png_jmpbuf(png))) return {DecodeStatus::Invalid, std::string("libpng: ") + src.message};
  png_set_read_fn(png, &src, readPng);
  png_read_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  const int colorType = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (colorType == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_strip_16(png);
  if (colorType & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  if (channels != 1 && channels != 3) return {DecodeStatus::Invalid, "libpng: unexpected channel count"};
  if (!prepareImage(width, height, channels, out, r)) return r;
  if (png_get_rowbytes(png, info) != static_cast<size_t>(width) * channels)
    return {DecodeStatus::Invalid, "libpng: unexpected row size"};
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y)
    rows[y] = out.pixels.data() + static_cast<size_t>(y) * width * channels;
  png_read_image(png, rows.data());  // trailing chunks are not read: junk after the image is no error
  return r;
}

}  // namespace

DecodeResult decodePng(const uint8_t* data, size_t size, DecodedImage& out) {
  PngSource src{data, size, 0, {0}};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, onPngError, onPngWarning);
  if (!png) throw std::bad_alloc();
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw std::bad_alloc();
  }
  std::vector<png_bytep> rows;
  DecodeResult r;
  try {
    r = run(png, info, src, out, rows);
  } catch (...) {  // allocation failure in our own code
    png_destroy_read_struct(&png, &info, nullptr);
    throw;
  }
  png_destroy_read_struct(&png, &info, nullptr);
  return r;
}

}  // namespace onnxfleet
#endif  // ONNXFLEET_HAVE_LIBPNG
