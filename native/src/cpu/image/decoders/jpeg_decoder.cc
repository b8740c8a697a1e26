// JPEG through libjpeg (libjpeg-turbo on Debian) with its defaults: islow IDCT and "fancy" (smooth) chroma
// upsampling, the same settings PIL uses, so RGB output matches PIL's byte for byte. Grayscale JPEGs stay
// 1 channel; CMYK/YCCK (inverted when written by Adobe) become RGB the way PIL converts CMYK.
#ifdef ONNXFLEET_HAVE_LIBJPEG
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "cpu/image/decoders/image_decoders.h"
// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

namespace onnxfleet {
namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void onJpegError(j_common_ptr cinfo) {
  JpegError* e = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}
void onJpegMessage(j_common_ptr) {}  // warnings (e.g. premature end of data) are not printed

// PIL's CMYK -> RGB: (255 - k) - c * (255 - k) / 255 with its rounding.
inline uint8_t cmykChannel(unsigned c, unsigned k) {
  const unsigned nk = 255 - k, t = c * nk + 128;
  return static_cast<uint8_t>(nk - (((t >> 8) + t) >> 8));
}

// Everything libjpeg can longjmp out of lives here; `out` and `row` belong to the caller.
DecodeResult run(jpeg_decompress_struct& cinfo, JpegError& err, const uint8_t* data, size_t size,
                 DecodedImage& out, std::vector<uint8_t>& row) {
  DecodeResult r;  // before setjmp: a longjmp must not skip a destructor
  if (setjmp(err.jump)) return {DecodeStatus::Invalid, std::string("libjpeg: ") + err.message};
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  const bool gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
  cinfo.out_color_space = cmyk ? JCS_CMYK : gray ? JCS_GRAYSCALE : JCS_RGB;
  if (!prepareImage(cinfo.image_width, cinfo.image_height, gray ? 1 : 3, out, r)) return r;
  jpeg_start_decompress(&cinfo);
  const size_t width = cinfo.output_width, comps = cinfo.output_components;
  if (cinfo.output_height != out.height || width != static_cast<size_t>(out.width) ||
      comps != (cmyk ? 4u : static_cast<size_t>(out.channels)))
    return {DecodeStatus::Invalid, "libjpeg: unexpected output geometry"};
  row.resize(width * comps);
  const bool inverted = cmyk && cinfo.saw_Adobe_marker;
  while (cinfo.output_scanline < cinfo.output_height) {
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(cinfo.output_scanline) * width * out.channels;
    JSAMPROW target = cmyk ? row.data() : dst;
    jpeg_read_scanlines(&cinfo, &target, 1);
    if (!cmyk) continue;
    for (size_t x = 0; x < width; ++x) {
      unsigned v[4];
      for (int c = 0; c < 4; ++c) v[c] = inverted ? 255u - row[x * 4 + c] : row[x * 4 + c];
      for (int c = 0; c < 3; ++c) dst[x * 3 + c] = cmykChannel(v[c], v[3]);
    }
  }
  jpeg_finish_decompress(&cinfo);
  return r;
}

}  // namespace

DecodeResult decodeJpeg(const uint8_t* data, size_t size, DecodedImage& out) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof(cinfo));
  JpegError err;
  err.message[0] = '\0';
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = onJpegError;
  err.mgr.output_message = onJpegMessage;
  std::vector<uint8_t> row;
  DecodeResult r;
  try {
    r = run(cinfo, err, data, size, out, row);
  } catch (...) {  // allocation failure in our own code
    jpeg_destroy_decompress(&cinfo);
    throw;
  }
  jpeg_destroy_decompress(&cinfo);
  return r;
}

}  // namespace onnxfleet
#endif  // ONNXFLEET_HAVE_LIBJPEG
