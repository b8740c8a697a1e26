// ImageDecoder (opset 20): decodes an encoded image (uint8 bytes) to uint8 [H, W, C], C = 3 for pixel_format
// RGB/BGR and 1 for Grayscale. The format is recognised from its signature and decoded by a system library
// (see decoders/): JPEG libjpeg, PNG libpng, TIFF libtiff, WebP libwebp, JPEG 2000 OpenJPEG, BMP and binary
// PNM stb_image. The expected outputs of the ONNX tests come from PIL, so conversions follow PIL: colour to
// gray is PIL's L = (19595 R + 38470 G + 7471 B + 32768) >> 16; a gray source asked for as RGB/BGR is
// replicated (PIL would return a 2-D array). A stream that cannot be decoded gives an empty [0, 0, C] image
// (the spec's "empty matrix"); a format this build has no library for raises an error naming the package.
#include <cstring>

#include "core/kernel.h"
#include "cpu/image/decoders/image_decoders.h"

namespace onnxfleet {
namespace {

enum class Format { Unknown, Jpeg, Png, Tiff, Webp, Jpeg2000, Bmp, Pnm };

struct FormatInfo {
  const char* name;
  const char* library;
  const char* package;                                            // Debian package
  DecodeResult (*decode)(const uint8_t*, size_t, DecodedImage&);  // null: built without the library
};

// The decoder of each library this build has (binding.gyp defines ONNXFLEET_HAVE_* for each one it found).
#ifdef ONNXFLEET_HAVE_LIBJPEG
#define ONNXFLEET_JPEG decodeJpeg
#else
#define ONNXFLEET_JPEG nullptr
#endif
#ifdef ONNXFLEET_HAVE_LIBPNG
#define ONNXFLEET_PNG decodePng
#else
#define ONNXFLEET_PNG nullptr
#endif
#ifdef ONNXFLEET_HAVE_LIBTIFF
#define ONNXFLEET_TIFF decodeTiff
#else
#define ONNXFLEET_TIFF nullptr
#endif
#ifdef ONNXFLEET_HAVE_LIBWEBP
#define ONNXFLEET_WEBP decodeWebp
#else
#define ONNXFLEET_WEBP nullptr
#endif
#ifdef ONNXFLEET_HAVE_OPENJPEG
#define ONNXFLEET_JPEG2000 decodeJpeg2000
#else
#define ONNXFLEET_JPEG2000 nullptr
#endif
#ifdef ONNXFLEET_HAVE_STB_IMAGE
#define ONNXFLEET_STB decodeStb
#else
#define ONNXFLEET_STB nullptr
#endif

FormatInfo infoOf(Format f) {
  switch (f) {
    case Format::Jpeg:
      return {"JPEG", "libjpeg", "libjpeg-dev (libjpeg62-turbo-dev)", ONNXFLEET_JPEG};
    case Format::Png:
      return {"PNG", "libpng", "libpng-dev", ONNXFLEET_PNG};
    case Format::Tiff:
      return {"TIFF", "libtiff", "libtiff-dev", ONNXFLEET_TIFF};
    case Format::Webp:
      return {"WebP", "libwebp", "libwebp-dev", ONNXFLEET_WEBP};
    case Format::Jpeg2000:
      return {"JPEG 2000", "OpenJPEG (libopenjp2)", "libopenjp2-7-dev", ONNXFLEET_JPEG2000};
    case Format::Bmp:
      return {"BMP", "stb_image (libstb)", "libstb-dev", ONNXFLEET_STB};
    case Format::Pnm:
      return {"PNM", "stb_image (libstb)", "libstb-dev", ONNXFLEET_STB};
    default:
      return {"unknown", "", "", nullptr};
  }
}

bool startsWith(const uint8_t* d, size_t n, const char* sig, size_t len) {
  return n >= len && std::memcmp(d, sig, len) == 0;
}

Format sniff(const uint8_t* d, size_t n) {
  if (startsWith(d, n, "\xFF\xD8\xFF", 3)) return Format::Jpeg;
  if (startsWith(d, n, "\x89PNG\r\n\x1A\n", 8)) return Format::Png;
  if (startsWith(d, n, "II*\0", 4) || startsWith(d, n, "MM\0*", 4) || startsWith(d, n, "II+\0", 4) ||
      startsWith(d, n, "MM\0+", 4))
    return Format::Tiff;
  if (n >= 12 && startsWith(d, n, "RIFF", 4) && std::memcmp(d + 8, "WEBP", 4) == 0) return Format::Webp;
  if (startsWith(d, n, "\0\0\0\x0CjP  \r\n\x87\n", 12) || startsWith(d, n, "\xFF\x4F\xFF\x51", 4))
    return Format::Jpeg2000;
  if (startsWith(d, n, "BM", 2)) return Format::Bmp;
  if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '7' && (d[2] == ' ' || (d[2] >= '\t' && d[2] <= '\r')))
    return Format::Pnm;
  return Format::Unknown;
}

enum class PixelFormat { Rgb, Bgr, Gray };

class ImageDecoderKernel : public Kernel {
 public:
  ImageDecoderKernel(const NodeDesc& node, const CompileContext&) {
    const std::string f = node.getString("pixel_format", "RGB");
    if (f == "RGB")
      format_ = PixelFormat::Rgb;
    else if (f == "BGR")
      format_ = PixelFormat::Bgr;
    else if (f == "Grayscale")
      format_ = PixelFormat::Gray;
    else
      throw Error("pixel_format must be 'RGB', 'BGR' or 'Grayscale', got '" + f + "'");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& in = ctx.input(0);
    check(in.dtype == DType::UInt8, std::string("encoded_stream must be uint8, got ") + dtypeName(in.dtype));
    const uint8_t* data = in.as<uint8_t>();
    const size_t size = static_cast<size_t>(in.numel());
    const int64_t channels = format_ == PixelFormat::Gray ? 1 : 3;
    const Format format = sniff(data, size);
    const FormatInfo info = infoOf(format);
    if (format == Format::Pnm && (data[1] != '5' && data[1] != '6'))
      throw Error(std::string("PNM variant P") + static_cast<char>(data[1]) +
                  " is not supported: only binary PGM (P5) and PPM (P6) are decoded");
    if (format != Format::Unknown && !info.decode)
      throw Error(std::string("cannot decode ") + info.name + ": onnxfleet was built without " +
                  info.library + "; install the Debian package " + info.package +
                  " and rebuild the addon (npm run build)");
    DecodedImage img;
    const DecodeResult r = format == Format::Unknown ? DecodeResult{DecodeStatus::Invalid, "unknown format"}
                                                     : info.decode(data, size, img);
    if (r.status == DecodeStatus::Unsupported)
      throw Error(std::string("cannot decode ") + info.name + ": " + r.why);
    if (r.status == DecodeStatus::Invalid) {
      ctx.allocOutput(0, DType::UInt8, {0, 0, channels});
      return;
    }
    Tensor& out = ctx.allocOutput(0, DType::UInt8, {img.height, img.width, channels});
    writePixels(img, out.as<uint8_t>());
  }

 private:
  void writePixels(const DecodedImage& img, uint8_t* dst) const {
    const size_t count = static_cast<size_t>(img.width * img.height);
    const uint8_t* src = img.pixels.data();
    if (format_ == PixelFormat::Gray) {
      if (img.channels == 1) {
        std::memcpy(dst, src, count);
        return;
      }
      for (size_t i = 0; i < count; ++i, src += 3)
        dst[i] = static_cast<uint8_t>((src[0] * 19595u + src[1] * 38470u + src[2] * 7471u + 0x8000u) >> 16);
      return;
    }
    const bool bgr = format_ == PixelFormat::Bgr;
    for (size_t i = 0; i < count; ++i, dst += 3) {
      if (img.channels == 1) {
        dst[0] = dst[1] = dst[2] = src[i];
      } else {
        const uint8_t* p = src + i * 3;
        dst[0] = p[bgr ? 2 : 0];
        dst[1] = p[1];
        dst[2] = p[bgr ? 0 : 2];
      }
    }
  }

  PixelFormat format_ = PixelFormat::Rgb;
};

ONNX_CPU_KERNEL("ImageDecoder", 20, ImageDecoderKernel);

}  // namespace
}  // namespace onnxfleet
