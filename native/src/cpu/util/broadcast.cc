#include "broadcast.h"

namespace onnxfleet {

Shape broadcastShapes(const Shape& a, const Shape& b) {
  if (a == b) return a;
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    check(da == db || da == 1 || db == 1,
          "shapes " + shapeToString(a) + " and " + shapeToString(b) + " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcastShapes(const std::vector<const Shape*>& shapes) {
  check(!shapes.empty(), "broadcast of no shapes");
  Shape out = *shapes[0];
  for (size_t i = 1; i < shapes.size(); ++i) out = broadcastShapes(out, *shapes[i]);
  return out;
}

bool broadcastsTo(const Shape& in, const Shape& out) {
  if (in.size() > out.size()) return false;
  const size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i] != 1 && in[i] != out[lead + i]) return false;
  return true;
}

Shape legacyBroadcastShape(const Shape& a, const Shape& b, bool broadcast, bool hasAxis, int64_t axis) {
  if (!broadcast) {
    check(a == b, "shapes " + shapeToString(a) + " and " + shapeToString(b) +
                      " differ and the legacy broadcast attribute is not set");
    return b;
  }
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(b.size());
  check(rb <= ra,
        "legacy broadcast: B " + shapeToString(b) + " has a higher rank than A " + shapeToString(a));
  if (shapeNumel(b) == 1 && !hasAxis) return Shape{};
  if (!hasAxis) axis = ra - rb;
  if (axis < 0) axis += ra;
  check(axis >= 0 && axis + rb <= ra, "legacy broadcast: axis " + std::to_string(axis) + " does not fit B " +
                                          shapeToString(b) + " into A " + shapeToString(a));
  Shape padded = b;
  padded.resize(static_cast<size_t>(ra - axis), 1);
  check(broadcastsTo(padded, a), "legacy broadcast: B " + shapeToString(b) + " does not match A " +
                                     shapeToString(a) + " at axis " + std::to_string(axis));
  return padded;
}

}  // namespace onnxfleet
