// JPEG 2000 (JP2 file or raw J2K codestream) through OpenJPEG. Samples of any precision are brought to 8 bits
// by shifting (as PIL does); signed samples are offset first. Three or more components give RGB (sYCC is
// converted), fewer give gray; subsampled components are upsampled by nearest neighbour.
#ifdef ONNXFLEET_HAVE_OPENJPEG
#include <openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "cpu/image/decoders/image_decoders.h"

namespace onnxfleet {
namespace {

struct OpjSource {
  const uint8_t* data;
  OPJ_UINT64 size;
  OPJ_UINT64 pos;
  std::string message;
};

OPJ_SIZE_T readOpj(void* dst, OPJ_SIZE_T n, void* user) {
  OpjSource* s = static_cast<OpjSource*>(user);
  if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);
  const OPJ_UINT64 count = std::min<OPJ_UINT64>(n, s->size - s->pos);
  std::memcpy(dst, s->data + s->pos, count);
  s->pos += count;
  return static_cast<OPJ_SIZE_T>(count);
}
OPJ_OFF_T skipOpj(OPJ_OFF_T n, void* user) {
  OpjSource* s = static_cast<OpjSource*>(user);
  const OPJ_OFF_T pos = static_cast<OPJ_OFF_T>(s->pos), size = static_cast<OPJ_OFF_T>(s->size);
  const OPJ_OFF_T to = std::max<OPJ_OFF_T>(0, std::min(size, pos + n));
  s->pos = static_cast<OPJ_UINT64>(to);
  return to - pos;
}
OPJ_BOOL seekOpj(OPJ_OFF_T n, void* user) {
  OpjSource* s = static_cast<OpjSource*>(user);
  if (n < 0 || static_cast<OPJ_UINT64>(n) > s->size) return OPJ_FALSE;
  s->pos = static_cast<OPJ_UINT64>(n);
  return OPJ_TRUE;
}
void onOpjError(const char* msg, void* user) {
  std::string& m = static_cast<OpjSource*>(user)->message;
  if (m.empty()) m = msg;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
}
void onOpjQuiet(const char*, void*) {}

// One component's sample at output pixel (x, y), as 8 bits.
uint8_t sample(const opj_image_comp_t& c, int64_t x, int64_t y, int64_t width, int64_t height) {
  const int64_t cx = std::min<int64_t>(x * c.w / width, c.w - 1),
                cy = std::min<int64_t>(y * c.h / height, c.h - 1);
  const int prec = std::clamp<int>(static_cast<int>(c.prec), 1, 31);
  int64_t v = c.data[cy * c.w + cx];
  if (c.sgnd) v += int64_t{1} << (prec - 1);
  v = std::clamp<int64_t>(v, 0, (int64_t{1} << prec) - 1);
  return static_cast<uint8_t>(prec >= 8 ? v >> (prec - 8) : v << (8 - prec));
}

inline uint8_t clamp8(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

DecodeResult convert(const opj_image_t& img, DecodedImage& out) {
  if (img.numcomps < 1 || !img.comps) return {DecodeStatus::Invalid, "OpenJPEG: image has no components"};
  const int channels = img.numcomps >= 3 ? 3 : 1;
  for (int c = 0; c < channels; ++c)
    if (!img.comps[c].data || img.comps[c].w == 0 || img.comps[c].h == 0)
      return {DecodeStatus::Invalid, "OpenJPEG: component " + std::to_string(c) + " was not decoded"};
  DecodeResult r;
  if (!prepareImage(img.comps[0].w, img.comps[0].h, channels, out, r)) return r;
  const bool sycc = channels == 3 && img.color_space == OPJ_CLRSPC_SYCC;
  uint8_t* dst = out.pixels.data();
  for (int64_t y = 0; y < out.height; ++y) {
    for (int64_t x = 0; x < out.width; ++x, dst += channels) {
      for (int c = 0; c < channels; ++c) dst[c] = sample(img.comps[c], x, y, out.width, out.height);
      if (!sycc) continue;
      const double yy = dst[0], cb = dst[1] - 128.0, cr = dst[2] - 128.0;
      dst[0] = clamp8(yy + 1.402 * cr);
      dst[1] = clamp8(yy - 0.344136 * cb - 0.714136 * cr);
      dst[2] = clamp8(yy + 1.772 * cb);
    }
  }
  return r;
}

}  // namespace

DecodeResult decodeJpeg2000(const uint8_t* data, size_t size, DecodedImage& out) {
  static const uint8_t kJ2k[4] = {0xFF, 0x4F, 0xFF, 0x51};
  const bool raw = size >= 4 && std::memcmp(data, kJ2k, 4) == 0;
  OpjSource src{data, static_cast<OPJ_UINT64>(size), 0, {}};
  opj_codec_t* codec = opj_create_decompress(raw ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
  opj_stream_t* stream = opj_stream_default_create(OPJ_TRUE);
  opj_image_t* image = nullptr;
  struct Cleanup {
    opj_codec_t*& codec;
    opj_stream_t*& stream;
    opj_image_t*& image;
    ~Cleanup() {
      if (image) opj_image_destroy(image);
      if (stream) opj_stream_destroy(stream);
      if (codec) opj_destroy_codec(codec);
    }
  } cleanup{codec, stream, image};
  if (!codec || !stream) throw std::bad_alloc();
  opj_set_error_handler(codec, onOpjError, &src);
  opj_set_warning_handler(codec, onOpjQuiet, &src);
  opj_set_info_handler(codec, onOpjQuiet, &src);
  opj_stream_set_user_data(stream, &src, nullptr);
  opj_stream_set_user_data_length(stream, src.size);
  opj_stream_set_read_function(stream, readOpj);
  opj_stream_set_skip_function(stream, skipOpj);
  opj_stream_set_seek_function(stream, seekOpj);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  auto failed = [&] {
    return DecodeResult{DecodeStatus::Invalid,
                        "OpenJPEG: " + (src.message.empty() ? "cannot decode" : src.message)};
  };
  if (!opj_setup_decoder(codec, &params) || !opj_read_header(stream, codec, &image) || !image)
    return failed();
  // Refuse huge images before OpenJPEG allocates their tiles.
  const int64_t width = static_cast<int64_t>(image->x1) - image->x0,
                height = static_cast<int64_t>(image->y1) - image->y0;
  if (width > kMaxDecodedPixels || height > kMaxDecodedPixels || width * height > kMaxDecodedPixels)
    return {DecodeStatus::Unsupported, "image of " + std::to_string(width) + "x" + std::to_string(height) +
                                           " pixels exceeds the limit of " +
                                           std::to_string(kMaxDecodedPixels) + " pixels"};
  if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) return failed();
  return convert(*image, out);
}

}  // namespace onnxfleet
#endif  // ONNXFLEET_HAVE_OPENJPEG
