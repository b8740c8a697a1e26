// RE2 -> ECMAScript pattern translation for RegexFullMatch (which documents the supported subset), and the
// UTF-8 -> code point widening both the pattern and the inputs go through.
#pragma once
#include <string>

namespace onnxfleet {

// Decodes UTF-8 into one wchar_t per code point; invalid bytes (and, where wchar_t is 16-bit, code points
// past U+FFFF) become U+FFFD.
std::wstring widenUtf8(const std::string& s);

// Translates an RE2 pattern (as code points) to an ECMAScript one for std::wregex. Sets *icase for a leading
// (?i). Throws Error naming the construct for RE2 features the translation does not support.
std::wstring re2ToEcmaScript(const std::wstring& pattern, bool* icase);

}  // namespace onnxfleet
