// UTF-8 decoding and locale-independent simple case mapping (coverage listed in utf8.h).
#include "cpu/strings/utf8.h"

namespace onnxfleet {
namespace utf8 {
namespace {

// Ranges where a capital letter is followed by its small letter: first, first+2, ... are capitals.
struct Alternating {
  uint32_t first, last;
};
constexpr Alternating kAlternating[] = {
    {0x0100, 0x012F}, {0x0132, 0x0137}, {0x0139, 0x0148}, {0x014A, 0x0177}, {0x0179, 0x017E},
    {0x0182, 0x0185}, {0x0187, 0x0188}, {0x018B, 0x018C}, {0x0191, 0x0192}, {0x0198, 0x0199},
    {0x01A0, 0x01A5}, {0x01A7, 0x01A8}, {0x01AC, 0x01AD}, {0x01AF, 0x01B0}, {0x01B3, 0x01B6},
    {0x01B8, 0x01B9}, {0x01BC, 0x01BD}, {0x01CD, 0x01DC}, {0x01DE, 0x01EF}, {0x01F4, 0x01F5},
    {0x01F8, 0x021F}, {0x0222, 0x0233}, {0x0246, 0x024F}, {0x0370, 0x0373}, {0x0376, 0x0377},
    {0x03D8, 0x03EF}, {0x03F7, 0x03F8}, {0x03FA, 0x03FB}, {0x0460, 0x0481}, {0x048A, 0x04BF},
    {0x04C1, 0x04CE}, {0x04D0, 0x052F}, {0x1E00, 0x1E95}, {0x1EA0, 0x1EFF},
};

// Ranges of capitals whose small letters sit at a fixed distance.
struct Shifted {
  uint32_t first, last, delta;
};
constexpr Shifted kShifted[] = {
    {0x0041, 0x005A, 32}, {0x00C0, 0x00D6, 32}, {0x00D8, 0x00DE, 32}, {0x0388, 0x038A, 37},
    {0x038E, 0x038F, 63}, {0x0391, 0x03A1, 32}, {0x03A3, 0x03AB, 32}, {0x0400, 0x040F, 80},
    {0x0410, 0x042F, 32}, {0x0531, 0x0556, 48},
};

// Irregular pairs, both directions. The digraphs (DŽ Dž dž, LJ Lj lj, NJ Nj nj, DZ Dz dz) are below as
// capital -> small; their title-case forms are handled in lower()/upper().
struct Pair {
  uint32_t up, low;
};
constexpr Pair kPairs[] = {
    {0x0178, 0x00FF}, {0x0181, 0x0253}, {0x0186, 0x0254}, {0x0189, 0x0256}, {0x018A, 0x0257},
    {0x018E, 0x01DD}, {0x018F, 0x0259}, {0x0190, 0x025B}, {0x0193, 0x0260}, {0x0194, 0x0263},
    {0x0196, 0x0269}, {0x0197, 0x0268}, {0x019C, 0x026F}, {0x019D, 0x0272}, {0x019F, 0x0275},
    {0x01A9, 0x0283}, {0x01AE, 0x0288}, {0x01B1, 0x028A}, {0x01B2, 0x028B}, {0x01B7, 0x0292},
    {0x01F6, 0x0195}, {0x01F7, 0x01BF}, {0x0220, 0x019E}, {0x0386, 0x03AC}, {0x038C, 0x03CC},
    {0x04C0, 0x04CF}, {0x01C4, 0x01C6}, {0x01C7, 0x01C9}, {0x01CA, 0x01CC}, {0x01F1, 0x01F3},
};

// One-way mappings: small letters with no distinct capital of their own, and the reverse.
constexpr Pair kUpperOnly[] = {{0x0049, 0x0131}, {0x0053, 0x017F}, {0x039C, 0x00B5}, {0x03A3, 0x03C2}};
constexpr Pair kLowerOnly[] = {{0x0130, 0x0069}, {0x1E9E, 0x00DF}};

}  // namespace

size_t decode(const std::string& s, size_t i, uint32_t& cp) {
  const size_t n = s.size();
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  if (c < 0x80) return cp = c, 1;
  size_t len;
  uint32_t v, min;
  if ((c & 0xE0) == 0xC0)
    len = 2, v = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0)
    len = 3, v = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0)
    len = 4, v = c & 0x07, min = 0x10000;
  else
    return 0;
  if (i + len > n) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  cp = v;
  return len;
}

void append(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool isSpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

uint32_t lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  for (const Shifted& r : kShifted)
    if (cp >= r.first && cp <= r.last) return cp + r.delta;
  for (const Alternating& r : kAlternating)
    if (cp >= r.first && cp <= r.last) return ((cp - r.first) & 1) ? cp : cp + 1;
  if (cp == 0x01C5 || cp == 0x01C8 || cp == 0x01CB || cp == 0x01F2) return cp + 1;  // title-case digraphs
  for (const Pair& p : kPairs)
    if (cp == p.up) return p.low;
  for (const Pair& p : kLowerOnly)
    if (cp == p.up) return p.low;
  return cp;
}

uint32_t upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  for (const Shifted& r : kShifted)
    if (cp >= r.first + r.delta && cp <= r.last + r.delta) return cp - r.delta;
  for (const Alternating& r : kAlternating)
    if (cp >= r.first && cp <= r.last) return ((cp - r.first) & 1) ? cp - 1 : cp;
  if (cp == 0x01C5 || cp == 0x01C8 || cp == 0x01CB || cp == 0x01F2) return cp - 1;
  for (const Pair& p : kPairs)
    if (cp == p.low) return p.up;
  for (const Pair& p : kUpperOnly)
    if (cp == p.low) return p.up;
  return cp;
}

namespace {
template <typename F>
std::string mapString(const std::string& s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp;
    const size_t len = decode(s, i, cp);
    if (len == 0) {
      out.push_back(s[i++]);  // invalid byte: keep as is
    } else {
      append(f(cp), out);
      i += len;
    }
  }
  return out;
}
}  // namespace

std::string toLower(const std::string& s) { return mapString(s, lower); }
std::string toUpper(const std::string& s) { return mapString(s, upper); }

}  // namespace utf8
}  // namespace onnxfleet
