// StringSplit: splits every string on a delimiter (Python str.split(sep, maxsplit)), or, when the delimiter
// is absent or "", on runs of whitespace with leading/trailing whitespace dropped (str.split(None, maxsplit);
// whitespace is Python's Unicode set, see utf8.h). Y gets one more dim, as long as the longest split, padded
// with ""; Z holds each element's number of substrings. A negative or absent maxsplit means no limit.
#include <algorithm>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "cpu/strings/utf8.h"

namespace onnxfleet {
namespace {

// Byte length of the whitespace code point at s[i], 0 when s[i] does not start one.
size_t spaceAt(const std::string& s, size_t i) {
  uint32_t cp;
  const size_t len = utf8::decode(s, i, cp);
  return len && utf8::isSpace(cp) ? len : 0;
}

void splitWhitespace(const std::string& s, int64_t maxsplit, std::vector<std::string>& out) {
  const size_t n = s.size();
  size_t i = 0;
  auto skipSpace = [&] {
    for (size_t l; i < n && (l = spaceAt(s, i)) != 0;) i += l;
  };
  for (int64_t splits = 0; maxsplit < 0 || splits < maxsplit; ++splits) {
    skipSpace();
    if (i == n) return;
    const size_t j = i;
    while (i < n && spaceAt(s, i) == 0) ++i;
    out.emplace_back(s, j, i - j);
  }
  skipSpace();
  if (i < n) out.emplace_back(s, i);
}

void splitDelimiter(const std::string& s, const std::string& d, int64_t maxsplit,
                    std::vector<std::string>& out) {
  size_t i = 0;
  for (int64_t splits = 0; maxsplit < 0 || splits < maxsplit; ++splits) {
    const size_t p = s.find(d, i);
    if (p == std::string::npos) break;
    out.emplace_back(s, i, p - i);
    i = p + d.size();
  }
  out.emplace_back(s, i);
}

class StringSplitKernel : public Kernel {
 public:
  StringSplitKernel(const NodeDesc& n, const CompileContext&)
      : delimiter_(n.getString("delimiter", "")),
        maxsplit_(n.has("maxsplit") ? n.getInt("maxsplit", -1) : -1) {}
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.dtype == DType::String,
          std::string("StringSplit input must be string, got ") + dtypeName(x.dtype));
    const int64_t n = x.numel();
    const std::string* src = x.as<std::string>();
    std::vector<std::vector<std::string>> parts(static_cast<size_t>(n));
    int64_t width = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (delimiter_.empty())
        splitWhitespace(src[i], maxsplit_, parts[i]);
      else
        splitDelimiter(src[i], delimiter_, maxsplit_, parts[i]);
      width = std::max<int64_t>(width, static_cast<int64_t>(parts[i].size()));
    }
    Shape ys = x.shape;
    ys.push_back(width);
    Tensor& y = ctx.allocOutput(0, DType::String, ys);
    Tensor& z = ctx.allocOutput(1, DType::Int64, x.shape);
    std::string* dst = y.as<std::string>();
    int64_t* cnt = z.as<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t m = static_cast<int64_t>(parts[i].size());
      cnt[i] = m;
      for (int64_t j = 0; j < m; ++j) dst[i * width + j] = std::move(parts[i][j]);
      for (int64_t j = m; j < width; ++j) dst[i * width + j].clear();
    }
  }

 private:
  std::string delimiter_;
  int64_t maxsplit_;
};

ONNX_CPU_KERNEL("StringSplit", 20, StringSplitKernel);

}  // namespace
}  // namespace onnxfleet
