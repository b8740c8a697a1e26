// TIFF through libtiff's RGBA interface (every photometric, compression and bit depth it supports, first
// page only, top-left orientation). Gray images (one colour sample) stay 1 channel; alpha is dropped
// without touching the colours.
// With libtiff >= 4.5 messages are captured per image instead of being printed.
#ifdef ONNXFLEET_HAVE_LIBTIFF
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "cpu/image/decoders/image_decoders.h"

namespace onnxfleet {
namespace {

struct TiffSource {
  const uint8_t* data;
  toff_t size;
  toff_t pos;
  char message[200];
};

tmsize_t readTiff(thandle_t h, void* dst, tmsize_t n) {
  TiffSource* s = static_cast<TiffSource*>(h);
  if (n <= 0 || s->pos >= s->size) return 0;
  const toff_t count = std::min<toff_t>(static_cast<toff_t>(n), s->size - s->pos);
  std::memcpy(dst, s->data + s->pos, count);
  s->pos += count;
  return static_cast<tmsize_t>(count);
}
tmsize_t writeTiff(thandle_t, void*, tmsize_t) { return 0; }
toff_t seekTiff(thandle_t h, toff_t off, int whence) {
  TiffSource* s = static_cast<TiffSource*>(h);
  const toff_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->size : 0;
  if (off > ~toff_t{0} - base) return static_cast<toff_t>(-1);
  s->pos = base + off;  // past the end is allowed; reads there return nothing
  return s->pos;
}
int closeTiff(thandle_t) { return 0; }
toff_t sizeTiff(thandle_t h) { return static_cast<TiffSource*>(h)->size; }
int mapTiff(thandle_t, void**, toff_t*) { return 0; }
void unmapTiff(thandle_t, void*, toff_t) {}

#if TIFFLIB_VERSION >= 20221213
int onTiffError(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  TiffSource* s = static_cast<TiffSource*>(user);
  std::vsnprintf(s->message, sizeof(s->message), fmt, ap);
  return 1;
}
int onTiffWarning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

TIFF* openTiff(TiffSource& src) {
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  if (!opts) return nullptr;
  TIFFOpenOptionsSetErrorHandlerExtR(opts, onTiffError, &src);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, onTiffWarning, &src);
  TIFF* tif = TIFFClientOpenExt("memory", "rm", &src, readTiff, writeTiff, seekTiff, closeTiff, sizeTiff,
                                mapTiff, unmapTiff, opts);
  TIFFOpenOptionsFree(opts);
  return tif;
}
#else
TIFF* openTiff(TiffSource& src) {
  return TIFFClientOpen("memory", "rm", &src, readTiff, writeTiff, seekTiff, closeTiff, sizeTiff, mapTiff,
                        unmapTiff);
}
#endif

}  // namespace

DecodeResult decodeTiff(const uint8_t* data, size_t size, DecodedImage& out) {
  TiffSource src{data, static_cast<toff_t>(size), 0, {0}};
  TIFF* tif = openTiff(src);
  if (!tif)
    return {DecodeStatus::Invalid, std::string("libtiff: ") + (src.message[0] ? src.message : "cannot open")};
  struct Closer {
    TIFF* t;
    ~Closer() { TIFFClose(t); }
  } closer{tif};
  uint32_t width = 0, height = 0;
  uint16_t photometric = PHOTOMETRIC_RGB, samples = 1, extraCount = 0;
  uint16_t* extra = nullptr;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PHOTOMETRIC, &photometric);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extraCount, &extra);
  const bool gray = (photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE) &&
                    samples - extraCount == 1;
  if (extraCount > 0 && extra && extra[0] == EXTRASAMPLE_UNASSALPHA) {
    // The RGBA interface would premultiply unassociated alpha into the colours; alpha is dropped here, so
    // declare it associated and get the stored colours back unchanged (what PIL's RGBA -> RGB gives).
    std::vector<uint16_t> kinds(extra, extra + extraCount);
    kinds[0] = EXTRASAMPLE_ASSOCALPHA;
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, extraCount, kinds.data());
  }
  DecodeResult r;
  char emsg[1024] = {0};
  if (!TIFFRGBAImageOK(tif, emsg)) return {DecodeStatus::Invalid, std::string("libtiff: ") + emsg};
  if (!prepareImage(width, height, gray ? 1 : 3, out, r)) return r;
  std::vector<uint32_t> raster(static_cast<size_t>(width) * height);
  if (!TIFFReadRGBAImageOriented(tif, width, height, raster.data(), ORIENTATION_TOPLEFT, 1))
    return {DecodeStatus::Invalid,
            std::string("libtiff: ") + (src.message[0] ? src.message : "cannot read image")};
  uint8_t* dst = out.pixels.data();
  for (size_t i = 0; i < raster.size(); ++i) {
    const uint32_t p = raster[i];
    if (gray) {
      dst[i] = static_cast<uint8_t>(TIFFGetR(p));
    } else {
      dst[i * 3] = static_cast<uint8_t>(TIFFGetR(p));
      dst[i * 3 + 1] = static_cast<uint8_t>(TIFFGetG(p));
      dst[i * 3 + 2] = static_cast<uint8_t>(TIFFGetB(p));
    }
  }
  return r;
}

}  // namespace onnxfleet
#endif  // ONNXFLEET_HAVE_LIBTIFF
