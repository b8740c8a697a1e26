// TfIdfVectorizer: counts, per input row, the pool n-grams found in it, where an n-gram of length n taken
// with skip s reads tokens i, i+s+1, i+2(s+1), ... (s from 0 to max_skip_count; 1-grams count once). Counts
// go to the output coordinate ngram_indexes[k] of the k-th pool n-gram; lengths outside [min_gram_length,
// max_gram_length] are not counted. Modes: TF = counts, IDF = weight where count > 0, TFIDF = count * weight.
// As in the ONNX reference and onnxruntime, weights[j] scales output coordinate j (the spec's wording ties
// weights to pool order; the two agree when ngram_indexes is 0..k-1). Tokens are int32/int64 or strings
// (matched against pool_int64s or pool_strings); the pool is stored as a trie of token ids.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/kernel.h"
#include "core/parallel.h"

namespace onnxfleet {
namespace {

enum class Weighting { TF, IDF, TFIDF };

class TfIdfVectorizerKernel : public Kernel {
 public:
  TfIdfVectorizerKernel(const NodeDesc& n, const CompileContext&)
      : minN_(n.required("min_gram_length").i),
        maxN_(n.required("max_gram_length").i),
        maxSkip_(n.required("max_skip_count").i),
        weights_(n.getFloats("weights")) {
    const std::string mode = n.required("mode").s;
    check(mode == "TF" || mode == "IDF" || mode == "TFIDF", "TfIdfVectorizer: unknown mode '" + mode + "'");
    mode_ = mode == "TF" ? Weighting::TF : mode == "IDF" ? Weighting::IDF : Weighting::TFIDF;
    check(minN_ >= 1 && maxN_ >= minN_ && maxSkip_ >= 0,
          "TfIdfVectorizer: need 1 <= min_gram_length <= max_gram_length and max_skip_count >= 0");
    const std::vector<int64_t> counts = n.required("ngram_counts").ints;
    const std::vector<int64_t> indexes = n.required("ngram_indexes").ints;
    strings_ = n.has("pool_strings");
    check(strings_ != n.has("pool_int64s"),
          "TfIdfVectorizer needs exactly one of pool_strings and pool_int64s");
    std::vector<int64_t> pool;
    if (strings_) {
      for (const std::string& s : n.getStrings("pool_strings"))
        pool.push_back(vocab_.emplace(s, vocab_.size()).first->second);
    } else {
      pool = n.getInts("pool_int64s");
    }
    const int64_t poolSize = static_cast<int64_t>(pool.size());
    nodes_.emplace_back();  // root
    size_t gram = 0;
    for (size_t level = 0; level < counts.size(); ++level) {
      const int64_t len = static_cast<int64_t>(level) + 1;
      const int64_t b = counts[level], e = level + 1 < counts.size() ? counts[level + 1] : poolSize;
      check(
          b >= 0 && b <= e && e <= poolSize && (e - b) % len == 0,
          "TfIdfVectorizer: ngram_counts do not split the pool into whole " + std::to_string(len) + "-grams");
      for (int64_t p = b; p < e; p += len, ++gram) {
        check(gram < indexes.size(), "TfIdfVectorizer: more pool n-grams than ngram_indexes");
        check(indexes[gram] >= 0 && indexes[gram] < (int64_t{1} << 31),
              "TfIdfVectorizer: ngram_indexes value " + std::to_string(indexes[gram]) + " out of range");
        int cur = 0;
        for (int64_t k = 0; k < len; ++k) {
          auto it = nodes_[cur].next.find(pool[p + k]);
          if (it == nodes_[cur].next.end()) {
            nodes_.emplace_back();
            it = nodes_[cur].next.emplace(pool[p + k], static_cast<int>(nodes_.size()) - 1).first;
          }
          cur = it->second;
        }
        nodes_[cur].id = indexes[gram];
        outSize_ = std::max(outSize_, indexes[gram] + 1);
      }
    }
    check(gram == indexes.size(), "TfIdfVectorizer: ngram_indexes has " + std::to_string(indexes.size()) +
                                      " values for " + std::to_string(gram) + " pool n-grams");
    check(weights_.empty() || static_cast<int64_t>(weights_.size()) >= outSize_,
          "TfIdfVectorizer: weights has " + std::to_string(weights_.size()) + " values for " +
              std::to_string(outSize_) + " output coordinates");
  }

  void compute(KernelContext& ctx) override {
    const Tensor& x = ctx.input(0);
    check(x.rank() == 1 || x.rank() == 2, "TfIdfVectorizer input must be [C] or [N, C], got " + x.describe());
    check(strings_ ? x.dtype == DType::String : (x.dtype == DType::Int32 || x.dtype == DType::Int64),
          std::string("TfIdfVectorizer input ") + dtypeName(x.dtype) + " does not match the " +
              (strings_ ? "string" : "int64") + " pool");
    const int64_t rows = x.rank() == 2 ? x.shape[0] : 1, cols = x.shape[x.rank() - 1];
    Tensor& y = ctx.allocOutput(0, DType::Float, x.rank() == 2 ? Shape{rows, outSize_} : Shape{outSize_});
    parallelFor(ctx.threads(), rows, 1, [&](int64_t b, int64_t e) {
      std::vector<int64_t> tok(static_cast<size_t>(cols));
      std::vector<uint32_t> cnt(static_cast<size_t>(outSize_));
      for (int64_t r = b; r < e; ++r) {
        for (int64_t c = 0; c < cols; ++c) tok[c] = token(x, r * cols + c);
        std::fill(cnt.begin(), cnt.end(), 0u);
        count(tok, cnt);
        float* out = y.as<float>() + r * outSize_;
        for (int64_t j = 0; j < outSize_; ++j) {
          const float w = weights_.empty() ? 1.f : weights_[j];
          out[j] = mode_ == Weighting::TF    ? static_cast<float>(cnt[j])
                   : mode_ == Weighting::IDF ? (cnt[j] > 0 ? w : 0.f)
                                             : static_cast<float>(cnt[j]) * w;
        }
      }
    });
  }

 private:
  struct TrieNode {
    std::unordered_map<int64_t, int> next;
    int64_t id = -1;  // output coordinate of the n-gram ending here
  };
  int64_t token(const Tensor& x, int64_t i) const {
    if (x.dtype == DType::Int64) return x.as<int64_t>()[i];
    if (x.dtype == DType::Int32) return x.as<int32_t>()[i];
    const auto it = vocab_.find(x.as<std::string>()[i]);
    return it == vocab_.end() ? -1 : it->second;  // ids are >= 0, so -1 matches nothing
  }
  void count(const std::vector<int64_t>& tok, std::vector<uint32_t>& cnt) const {
    const int64_t n = static_cast<int64_t>(tok.size());
    int64_t startN = minN_;
    for (int64_t dist = 1; dist <= maxSkip_ + 1; ++dist) {
      for (int64_t s = 0; s < n; ++s) {
        if (s + dist * (startN - 1) >= n) break;
        int cur = 0;
        for (int64_t len = 1, p = s; len <= maxN_ && p < n; ++len, p += dist) {
          const auto it = nodes_[cur].next.find(tok[p]);
          if (it == nodes_[cur].next.end()) break;
          cur = it->second;
          if (len >= startN && nodes_[cur].id >= 0) ++cnt[nodes_[cur].id];
        }
      }
      if (startN == 1 && ++startN > maxN_) break;  // 1-grams do not depend on the skip: count them once
    }
  }

  int64_t minN_, maxN_, maxSkip_;
  std::vector<float> weights_;
  Weighting mode_ = Weighting::TF;
  bool strings_ = false;
  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<TrieNode> nodes_;
  int64_t outSize_ = 0;
};

ONNX_CPU_KERNEL("TfIdfVectorizer", 9, TfIdfVectorizerKernel);

}  // namespace
}  // namespace onnxfleet
