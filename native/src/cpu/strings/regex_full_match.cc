// RegexFullMatch: true where a string matches the whole pattern.
//
// ONNX specifies RE2 syntax; we translate the pattern to ECMAScript and run std::wregex on the input decoded
// to code points, which covers the ONNX conformance cases and the common RE2 subset: literals, '.', classes
// (ranges, negation, \d \w \s and their negations, POSIX [:name:]), groups (capturing, (?:...), (?P<n>...)),
// alternation, greedy and lazy quantifiers, ^ $ \A \z \b \B, \Q...\E, \x{...}, and leading flags (?i) (?s)
// (?U). RE2 semantics kept by the translation: '.' is any code point but \n, \s is [\t\n\f\r ], \w \d \b are
// ASCII-only (the regex runs in the classic locale), ^ and $ anchor the whole text.
// Rejected at compile time with an error naming the construct: Unicode classes (\p, \P), \C, \G, \Z,
// back-references, look-around (neither is valid RE2 either), inline flags other than leading i/s/U.
// With libstdc++ the regex runs in its polynomial (breadth-first) mode: time linear in the input and stack
// use independent of it. Elsewhere inputs longer than kMaxRecursiveInput code points are rejected, because
// the recursive matcher could overflow the stack.
#include <atomic>
#include <locale>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>

#include "core/kernel.h"
#include "core/parallel.h"
#include "cpu/strings/re2_translate.h"

namespace onnxfleet {
namespace {

#ifdef __GLIBCXX__
constexpr auto kRegexMode = std::regex::ECMAScript | std::regex_constants::__polynomial;
constexpr size_t kMaxRecursiveInput = SIZE_MAX;
#else
constexpr auto kRegexMode = std::regex::ECMAScript;
constexpr size_t kMaxRecursiveInput = 2000;
#endif

class RegexFullMatchKernel : public Kernel {
 public:
  RegexFullMatchKernel(const NodeDesc& n, const CompileContext&) {
    const std::string pattern = n.getString("pattern", "");
    bool icase = false;
    const std::wstring ecma = re2ToEcmaScript(widenUtf8(pattern), &icase);
    try {
      re_.imbue(std::locale::classic());
      re_.assign(ecma, kRegexMode | (icase ? std::regex::icase : std::regex::ECMAScript));
    } catch (const std::regex_error& e) {
      throw Error("RegexFullMatch: invalid pattern '" + pattern + "': " + e.what());
    }
  }
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.dtype == DType::String,
          std::string("RegexFullMatch input must be string, got ") + dtypeName(x.dtype));
    Tensor& y = ctx.allocOutput(0, DType::Bool, x.shape);
    const std::string* src = x.as<std::string>();
    bool* dst = y.as<bool>();
    const int64_t n = x.numel();
    // Matching runs on the worker threads; the first failure (too long for this build, or an exception from
    // the regex library) is recorded and reported after the loop.
    std::atomic<int64_t> failed{-1};
    std::string why;
    std::mutex whyLock;
    parallelFor(ctx.threads(), n, 64, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e && failed.load(std::memory_order_relaxed) < 0; ++i) {
        try {
          const std::wstring w = widenUtf8(src[i]);
          if (w.size() > kMaxRecursiveInput)
            throw std::length_error("input longer than this build can match safely");
          dst[i] = std::regex_match(w, re_);
        } catch (const std::exception& ex) {
          std::lock_guard<std::mutex> g(whyLock);
          if (failed.load() < 0) failed = i, why = ex.what();
        }
      }
    });
    if (failed >= 0)
      throw Error("RegexFullMatch: matching element " + std::to_string(failed.load()) + " failed: " + why);
  }

 private:
  std::wregex re_;
};

ONNX_CPU_KERNEL("RegexFullMatch", 20, RegexFullMatchKernel);

}  // namespace
}  // namespace onnxfleet