// TreeEnsemble (ai.onnx.ml opset 5): every row of X [N, F] walks each tree from its root (interior nodes
// compare one feature with <=, <, >=, >, ==, != or set membership; NaN goes to the true branch where
// nodes_missing_value_tracks_true says so) to a leaf, which adds its weight to one target. Targets aggregate
// by SUM, AVERAGE (sum / number of trees), MIN or MAX (MIN/MAX start from the type's largest/lowest value, as
// in the ONNX reference), then an optional post transform (SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT, as in
// onnxruntime). Output [N, n_targets] in X's type (float, double, float16); comparisons run in double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/kernel.h"
#include "cpu/util/shape_util.h"

namespace onnxfleet {
namespace {

enum Mode : uint8_t { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember };
enum Aggregate { kAverage, kSum, kMin, kMax };
enum Post { kNone, kSoftmax, kLogistic, kSoftmaxZero, kProbit };

template <typename T>
auto toFloatOrSelf(T v) {
  if constexpr (std::is_same_v<T, Half>)
    return toFloat(v);
  else
    return v;
}

std::vector<double> tensorValues(const NodeDesc& n, const std::string& name, bool required) {
  if (!n.has(name)) {
    check(!required, "TreeEnsemble needs attribute " + name);
    return {};
  }
  const Tensor& t = n.attrs.at(name).t;
  std::vector<double> v(static_cast<size_t>(t.numel()));
  dispatchTypes<float, double, Half, uint8_t>(t.dtype, "TreeEnsemble attribute tensor", [&](auto tag) {
    using T = typename decltype(tag)::type;
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(toFloatOrSelf(t.as<T>()[i]));
  });
  return v;
}

// Inverse error function: a rational first guess refined by Newton steps on std::erf.
double erfInv(double y) {
  if (y <= -1) return -std::numeric_limits<double>::infinity();
  if (y >= 1) return std::numeric_limits<double>::infinity();
  const double pi = 3.14159265358979323846, a = 0.147, l = std::log(1 - y * y), t = 2 / (pi * a) + l / 2;
  double x = std::copysign(std::sqrt(std::sqrt(t * t - l / a) - t), y);
  for (int i = 0; i < 3; ++i) x -= (std::erf(x) - y) / (2 / std::sqrt(pi) * std::exp(-x * x));
  return x;
}

struct TreeNode {
  int64_t feature;
  double split;
  Mode mode;
  bool missingTrue;
  int64_t next[2];              // [false, true]: >= 0 a node, < 0 the leaf ~next
  std::vector<double> members;  // sorted, for kMember
};

class TreeEnsembleKernel : public Kernel {
 public:
  TreeEnsembleKernel(const NodeDesc& n, const CompileContext&)
      : targets_(n.getInt("n_targets", 1)),
        agg_(n.getInt("aggregate_function", kSum)),
        post_(n.getInt("post_transform", kNone)),
        roots_(n.required("tree_roots").ints) {
    check(agg_ >= kAverage && agg_ <= kMax,
          "TreeEnsemble: unknown aggregate_function " + std::to_string(agg_));
    check(post_ >= kNone && post_ <= kProbit,
          "TreeEnsemble: unknown post_transform " + std::to_string(post_));
    check(targets_ >= 1, "TreeEnsemble: n_targets must be positive");
    const std::vector<double> splits = tensorValues(n, "nodes_splits", true),
                              modes = tensorValues(n, "nodes_modes", true);
    const auto feat = n.required("nodes_featureids").ints, tId = n.required("nodes_truenodeids").ints,
               fId = n.required("nodes_falsenodeids").ints, tLeaf = n.required("nodes_trueleafs").ints,
               fLeaf = n.required("nodes_falseleafs").ints,
               miss = n.getInts("nodes_missing_value_tracks_true");
    leafTarget_ = n.required("leaf_targetids").ints;
    leafWeight_ = tensorValues(n, "leaf_weights", true);
    const size_t nn = feat.size(), nl = leafTarget_.size();
    check(splits.size() == nn && modes.size() == nn && tId.size() == nn && fId.size() == nn &&
              tLeaf.size() == nn && fLeaf.size() == nn && (miss.empty() || miss.size() == nn),
          "TreeEnsemble: nodes_* attributes differ in length");
    check(leafWeight_.size() == nl, "TreeEnsemble: leaf_targetids and leaf_weights differ in length");
    for (int64_t t : leafTarget_) check(t >= 0 && t < targets_, "TreeEnsemble: leaf target id out of range");
    const std::vector<double> members = tensorValues(n, "membership_values", false);
    size_t mpos = 0;
    nodes_.resize(nn);
    for (size_t i = 0; i < nn; ++i) {
      TreeNode& d = nodes_[i];
      check(modes[i] >= kLeq && modes[i] <= kMember, "TreeEnsemble: unknown node mode");
      check(feat[i] >= 0, "TreeEnsemble: negative feature id");
      d.feature = feat[i], d.split = splits[i], d.mode = static_cast<Mode>(modes[i]);
      d.missingTrue = !miss.empty() && miss[i] != 0;
      maxFeature_ = std::max(maxFeature_, d.feature);
      const int64_t ids[2] = {fId[i], tId[i]}, leaves[2] = {fLeaf[i], tLeaf[i]};
      for (int b = 0; b < 2; ++b) {
        const int64_t limit = static_cast<int64_t>(leaves[b] ? nl : nn);
        check(ids[b] >= 0 && ids[b] < limit,
              "TreeEnsemble: node " + std::to_string(i) + " branch out of range");
        d.next[b] = leaves[b] ? ~ids[b] : ids[b];
      }
      if (d.mode == kMember) {  // the next NaN-terminated run of membership_values
        check(mpos < members.size(), "TreeEnsemble: membership_values has too few sets");
        for (; mpos < members.size() && !std::isnan(members[mpos]); ++mpos)
          d.members.push_back(members[mpos]);
        ++mpos;
        std::sort(d.members.begin(), d.members.end());
      }
    }
    check(!roots_.empty(), "TreeEnsemble needs at least one tree");
    for (int64_t r : roots_)
      check(r >= 0 && r < static_cast<int64_t>(nn), "TreeEnsemble: tree root out of range");
    checkAcyclic();
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 2 || x.rank() == 1, "TreeEnsemble: X must be [N, F], got " + x.describe());
    const int64_t rows = x.rank() == 2 ? x.shape[0] : 1, f = x.shape.back();
    check(maxFeature_ < f, "TreeEnsemble: a node reads feature " + std::to_string(maxFeature_) +
                               " but X has " + std::to_string(f));
    Tensor& y = ctx.allocOutput(0, x.dtype, {rows, targets_});
    dispatchTypes<float, double, Half>(x.dtype, "TreeEnsemble", [&](auto tag) {
      using T = typename decltype(tag)::type;
      double big = 65504.0;  // float16 max
      if constexpr (!std::is_same_v<T, Half>) big = static_cast<double>(std::numeric_limits<T>::max());
      const T* src = x.as<T>();
      T* dst = y.as<T>();
      parallelFor(ctx.threads(), rows, 16, [&](int64_t b, int64_t e) {
        std::vector<double> feat(static_cast<size_t>(f)), acc(static_cast<size_t>(targets_));
        for (int64_t r = b; r < e; ++r) {
          for (int64_t j = 0; j < f; ++j) feat[j] = static_cast<double>(toFloatOrSelf(src[r * f + j]));
          std::fill(acc.begin(), acc.end(), agg_ == kMin ? big : agg_ == kMax ? -big : 0.0);
          for (int64_t root : roots_) {
            const int64_t leaf = walk(root, feat.data());
            double& a = acc[leafTarget_[leaf]];
            const double w = leafWeight_[leaf];
            a = agg_ == kMin ? std::min(a, w) : agg_ == kMax ? std::max(a, w) : a + w;
          }
          if (agg_ == kAverage)
            for (double& a : acc) a /= static_cast<double>(roots_.size());
          postTransform(acc);
          for (int64_t t = 0; t < targets_; ++t) dst[r * targets_ + t] = fromDouble<T>(acc[t]);
        }
      });
    });
  }

 private:
  template <typename T>
  static T fromDouble(double d) {
    if constexpr (std::is_same_v<T, Half>)
      return fromFloat<Half>(static_cast<float>(d));
    else
      return static_cast<T>(d);
  }
  int64_t walk(int64_t i, const double* feat) const {
    while (i >= 0) {
      const TreeNode& d = nodes_[i];
      const double v = feat[d.feature];
      bool go;
      if (std::isnan(v) && d.missingTrue) {
        go = true;
      } else {
        switch (d.mode) {
          case kLeq:
            go = v <= d.split;
            break;
          case kLt:
            go = v < d.split;
            break;
          case kGte:
            go = v >= d.split;
            break;
          case kGt:
            go = v > d.split;
            break;
          case kEq:
            go = v == d.split;
            break;
          case kNeq:
            go = v != d.split;
            break;
          default:
            go = std::binary_search(d.members.begin(), d.members.end(), v);
            break;
        }
      }
      i = d.next[go ? 1 : 0];
    }
    return ~i;
  }
  void postTransform(std::vector<double>& a) const {
    if (post_ == kLogistic) {
      for (double& v : a) v = 1 / (1 + std::exp(-v));
    } else if (post_ == kProbit) {
      for (double& v : a) v = std::sqrt(2.0) * erfInv(2 * v - 1);
    } else if (post_ == kSoftmax || post_ == kSoftmaxZero) {
      const bool keepZero = post_ == kSoftmaxZero;
      double mx = -std::numeric_limits<double>::infinity(), sum = 0;
      for (double v : a) mx = std::max(mx, v);
      for (double& v : a) sum += (v = keepZero && v == 0 ? 0 : std::exp(v - mx));
      for (double& v : a) v = sum > 0 ? v / sum : 0;
    }
  }
  // Rejects node graphs with a cycle reachable from a root (the walk would never reach a leaf).
  void checkAcyclic() const {
    std::vector<uint8_t> state(nodes_.size(), 0);  // 0 new, 1 on the stack, 2 done
    std::vector<std::pair<int64_t, int>> stack;
    for (int64_t root : roots_) {
      if (state[root]) continue;
      stack.push_back({root, 0});
      state[root] = 1;
      while (!stack.empty()) {
        auto& [node, b] = stack.back();
        if (b == 2) {
          state[node] = 2;
          stack.pop_back();
          continue;
        }
        const int64_t c = nodes_[node].next[b++];
        if (c < 0 || state[c] == 2) continue;
        check(state[c] == 0, "TreeEnsemble: the nodes form a cycle");
        state[c] = 1;
        stack.push_back({c, 0});
      }
    }
  }

  int64_t targets_, agg_, post_;
  std::vector<int64_t> roots_, leafTarget_;
  std::vector<double> leafWeight_;
  std::vector<TreeNode> nodes_;
  int64_t maxFeature_ = -1;
};

ONNXFLEET_KERNEL("ai.onnx.ml", "TreeEnsemble", 5, "cpu", TreeEnsembleKernel);

}  // namespace
}  // namespace onnxfleet
