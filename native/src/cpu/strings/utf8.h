// UTF-8 helpers for the string kernels, independent of the machine's locales: decoding and encoding code
// points, Python's notion of whitespace, and simple (one-to-one) case mapping.
//
// Case mapping coverage (utf8.cc): ASCII, Latin-1 Supplement, Latin Extended-A, the regular parts of Latin
// Extended-B and the IPA letters it pairs with, Latin Extended Additional (Vietnamese etc.), Greek and Coptic
// (basic, accented and archaic letters), Cyrillic and Cyrillic Supplement, Armenian. Only simple mappings:
// characters whose full mapping changes length (German sharp s to "SS", ligatures) are left as they are, and
// there is no locale tailoring (Turkish dotless i). Other scripts pass through unchanged.
#pragma once
#include <cstdint>
#include <string>

namespace onnxfleet {
namespace utf8 {

// Decodes the code point starting at s[i]; returns its byte length, or 0 for an invalid or truncated
// sequence (overlong forms, surrogates and values past U+10FFFF are invalid).
size_t decode(const std::string& s, size_t i, uint32_t& cp);
void append(uint32_t cp, std::string& out);

// Python's str.isspace() set: ASCII \t\n\v\f\r and space, U+001C..U+001F, U+0085, U+00A0, U+1680,
// U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool isSpace(uint32_t cp);

uint32_t lower(uint32_t cp);
uint32_t upper(uint32_t cp);
// Maps every valid code point of s; invalid bytes are copied through unchanged.
std::string toLower(const std::string& s);
std::string toUpper(const std::string& s);

}  // namespace utf8
}  // namespace onnxfleet
