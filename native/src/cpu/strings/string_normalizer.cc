// StringNormalizer: drops the elements of a [C] or [1, C] string tensor that equal a stop word (optionally
// ignoring case), then lower- or upper-cases what is left. When every element is dropped the output is a
// single "" ([1] or [1, 1]). Case mapping is our own locale-independent table (cpu/strings/utf8.h lists its
// coverage), so the `locale` attribute is accepted but does not change the result.
#include <string>
#include <unordered_set>
#include <vector>

#include "core/kernel.h"
#include "cpu/strings/utf8.h"

namespace onnxfleet {
namespace {

enum class CaseChange { None, Lower, Upper };

class StringNormalizerKernel : public Kernel {
 public:
  StringNormalizerKernel(const NodeDesc& n, const CompileContext&)
      : caseSensitive_(n.getInt("is_case_sensitive", 0) != 0) {
    const std::string action = n.getString("case_change_action", "NONE");
    if (action == "LOWER")
      action_ = CaseChange::Lower;
    else if (action == "UPPER")
      action_ = CaseChange::Upper;
    else
      check(action == "NONE",
            "StringNormalizer: case_change_action must be LOWER, UPPER or NONE, got '" + action + "'");
    for (const std::string& w : n.getStrings("stopwords"))
      stop_.insert(caseSensitive_ ? w : utf8::toLower(w));
  }
  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.dtype == DType::String,
          std::string("StringNormalizer input must be string, got ") + dtypeName(x.dtype));
    check(x.rank() == 1 || (x.rank() == 2 && x.shape[0] == 1),
          "StringNormalizer input must be [C] or [1, C], got " + x.describe());
    const std::string* src = x.as<std::string>();
    const int64_t n = x.numel();
    std::vector<const std::string*> kept;
    kept.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      if (!stop_.empty() && stop_.count(caseSensitive_ ? src[i] : utf8::toLower(src[i]))) continue;
      kept.push_back(&src[i]);
    }
    const int64_t k = static_cast<int64_t>(kept.size());
    const int64_t len = k == 0 ? 1 : k;
    Tensor& y = ctx.allocOutput(0, DType::String, x.rank() == 1 ? Shape{len} : Shape{1, len});
    std::string* dst = y.as<std::string>();
    for (int64_t i = 0; i < k; ++i) {
      const std::string& s = *kept[i];
      dst[i] = action_ == CaseChange::Lower   ? utf8::toLower(s)
               : action_ == CaseChange::Upper ? utf8::toUpper(s)
                                              : s;
    }
    if (k == 0) dst[0].clear();
  }

 private:
  bool caseSensitive_;
  CaseChange action_ = CaseChange::None;
  std::unordered_set<std::string> stop_;
};

ONNX_CPU_KERNEL("StringNormalizer", 10, StringNormalizerKernel);

}  // namespace
}  // namespace onnxfleet
