// RE2 -> ECMAScript pattern translation (supported subset: see regex_full_match.cc).
#include "cpu/strings/re2_translate.h"

#include <string>
#include <utility>

#include "core/error.h"
#include "cpu/strings/utf8.h"

namespace onnxfleet {
namespace {

constexpr int kMaxNesting = 128;

bool isMeta(wchar_t c) { return c < 128 && std::wstring(L"\\^$.|?*+()[]{}-/").find(c) != std::wstring::npos; }

void literal(wchar_t c, std::wstring& out) {
  if (isMeta(c)) out.push_back(L'\\');
  out.push_back(c);
}

// Translates one RE2 pattern (as code points) into an ECMAScript pattern; sets icase for a leading (?i).
class Translator {
 public:
  explicit Translator(std::wstring p) : p_(std::move(p)) {}
  std::wstring run(bool& icase) {
    icase = false;
    if (p_.compare(0, 2, L"(?") == 0 && p_.size() > 2 && p_[2] != L':' && p_[2] != L'P' && p_[2] != L'<' &&
        p_[2] != L'=' && p_[2] != L'!') {
      size_t j = 2;
      for (; j < p_.size() && p_[j] != L')'; ++j) {
        if (p_[j] == L'i')
          icase = true;
        else if (p_[j] == L's')
          dotAll_ = true;
        else if (p_[j] == L':')
          fail("scoped flag group (?flags:...)");
        else if (p_[j] != L'U')  // greediness does not change whether a full match exists
          fail(std::string("inline flag '") + static_cast<char>(p_[j] < 128 ? p_[j] : '?') + "'");
      }
      check(j < p_.size(), "RegexFullMatch: unterminated flag group");
      i_ = j + 1;
    }
    int depth = 0;
    while (i_ < p_.size()) {
      const wchar_t c = p_[i_++];
      if (c == L'\\') {
        escape(false);
      } else if (c == L'[') {
        charClass();
      } else if (c == L'.') {
        out_ += dotAll_ ? L"[\\s\\S]" : L"[^\\n]";
      } else if (c == L'(') {
        check(++depth <= kMaxNesting,
              "RegexFullMatch: groups nested deeper than " + std::to_string(kMaxNesting));
        group();
      } else if (c == L'{') {
        repetitionOrBrace();
      } else if (c == L'}' || c == L']') {
        literal(c, out_);  // stray closers are literals in RE2
      } else {
        if (c == L')') --depth;
        out_.push_back(c);
      }
    }
    return out_;
  }

 private:
  [[noreturn]] static void fail(const std::string& what) {
    throw Error("RegexFullMatch: unsupported RE2 construct " + what + " (see regex_full_match.cc)");
  }
  // After '{': {n}, {n,} and {n,m} are repetitions; anything else is a literal brace in RE2.
  void repetitionOrBrace() {
    size_t j = i_, digits = 0, comma = 0;
    for (; j < p_.size() && ((p_[j] >= L'0' && p_[j] <= L'9') || p_[j] == L','); ++j) {
      if (p_[j] == L',')
        ++comma;
      else if (comma == 0)
        ++digits;
    }
    const bool rep = j < p_.size() && p_[j] == L'}' && digits > 0 && comma <= 1;
    if (!rep) return literal(L'{', out_);
    out_.append(p_, i_ - 1, j + 1 - (i_ - 1));
    i_ = j + 1;
  }
  void group() {
    if (p_.compare(i_, 3, L"?P<") == 0 ||
        (p_.compare(i_, 2, L"?<") == 0 && i_ + 2 < p_.size() && p_[i_ + 2] != L'=' && p_[i_ + 2] != L'!')) {
      const size_t close = p_.find(L'>', i_);
      check(close != std::wstring::npos, "RegexFullMatch: unterminated group name");
      i_ = close + 1;
      out_ += L"(";
    } else if (p_.compare(i_, 2, L"?:") == 0) {
      i_ += 2;
      out_ += L"(?:";
    } else if (i_ < p_.size() && p_[i_] == L'?') {
      fail("'(?" +
           std::string(1, i_ + 1 < p_.size() && p_[i_ + 1] < 128 ? static_cast<char>(p_[i_ + 1]) : '?') +
           "' (look-around or inline flags)");
    } else {
      out_ += L"(";
    }
  }
  // After a backslash. inClass: inside [...] (no anchors there; \s expands to its members).
  void escape(bool inClass) {
    check(i_ < p_.size(), "RegexFullMatch: pattern ends with a backslash");
    const wchar_t c = p_[i_++];
    switch (c) {
      case L'd':
      case L'D':
      case L'w':
      case L'W':
      case L't':
      case L'n':
      case L'r':
      case L'f':
      case L'v':
      case L'0':
        out_.push_back(L'\\'), out_.push_back(c);
        return;
      case L'S':
        out_ += inClass ? L"\\S" : L"[^\\t\\n\\f\\r ]";
        return;
      case L's':
        out_ += inClass ? L"\\t\\n\\f\\r " : L"[\\t\\n\\f\\r ]";
        return;
      case L'a':
        out_ += L"\\x07";
        return;
      case L'b':
      case L'B':
        if (inClass) fail("\\b inside a class");
        out_.push_back(L'\\'), out_.push_back(c);
        return;
      case L'A':
        if (inClass) fail("\\A inside a class");
        out_ += L"^";
        return;
      case L'z':
        if (inClass) fail("\\z inside a class");
        out_ += L"$";
        return;
      case L'x': {
        uint32_t v = 0;
        if (i_ < p_.size() && p_[i_] == L'{') {
          const size_t close = p_.find(L'}', i_);
          check(close != std::wstring::npos && close > i_ + 1 && close - i_ <= 7,
                "RegexFullMatch: bad \\x{...}");
          for (size_t k = i_ + 1; k < close; ++k) v = v * 16 + hexDigit(p_[k]);
          i_ = close + 1;
        } else {
          check(i_ + 2 <= p_.size(), "RegexFullMatch: bad \\xHH");
          v = hexDigit(p_[i_]) * 16 + hexDigit(p_[i_ + 1]);
          i_ += 2;
        }
        check(v <= 0x10FFFF, "RegexFullMatch: \\x value past U+10FFFF");
        return literal(static_cast<wchar_t>(v), out_);
      }
      case L'Q': {
        const size_t end = p_.find(L"\\E", i_);
        const size_t stop = end == std::wstring::npos ? p_.size() : end;
        for (; i_ < stop; ++i_) literal(p_[i_], out_);
        if (end != std::wstring::npos) i_ += 2;
        return;
      }
      default:
        if (c >= L'1' && c <= L'9') fail("back-reference \\" + std::string(1, static_cast<char>(c)));
        if ((c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9'))
          fail("\\" + std::string(1, static_cast<char>(c)));
        return literal(c, out_);  // escaped punctuation or a non-ASCII character stands for itself
    }
  }
  void charClass() {
    out_.push_back(L'[');
    if (i_ < p_.size() && p_[i_] == L'^') out_.push_back(L'^'), ++i_;
    if (i_ < p_.size() && p_[i_] == L']') out_ += L"\\]", ++i_;  // a leading ] is a literal in RE2
    while (i_ < p_.size() && p_[i_] != L']') {
      const wchar_t c = p_[i_++];
      if (c == L'\\') {
        escape(true);
      } else if (c == L'[' && i_ < p_.size() && p_[i_] == L':') {
        const size_t close = p_.find(L":]", i_);
        check(close != std::wstring::npos, "RegexFullMatch: unterminated [:class:]");
        out_.append(p_, i_ - 1, close + 2 - (i_ - 1));
        i_ = close + 2;
      } else if (c == L'[') {
        out_ += L"\\[";
      } else {
        out_.push_back(c);
      }
    }
    check(i_ < p_.size(), "RegexFullMatch: unterminated character class");
    ++i_;
    out_.push_back(L']');
  }
  static uint32_t hexDigit(wchar_t c) {
    if (c >= L'0' && c <= L'9') return c - L'0';
    if (c >= L'a' && c <= L'f') return c - L'a' + 10;
    if (c >= L'A' && c <= L'F') return c - L'A' + 10;
    throw Error("RegexFullMatch: bad hex digit in \\x escape");
  }

  std::wstring p_, out_;
  size_t i_ = 0;
  bool dotAll_ = false;
};

}  // namespace

std::wstring widenUtf8(const std::string& s) {
  std::wstring w;
  w.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t len = utf8::decode(s, i, cp);
    if (!len || (sizeof(wchar_t) < 4 && cp > 0xFFFF)) cp = 0xFFFD;  // invalid bytes never match a literal
    w.push_back(static_cast<wchar_t>(cp));
    i += len ? len : 1;
  }
  return w;
}

std::wstring re2ToEcmaScript(const std::wstring& pattern, bool* icase) {
  return Translator(pattern).run(*icase);
}

}  // namespace onnxfleet
