// Einsum: a generic evaluator. The equation is parsed once into labels (letters; "..." becomes right-aligned
// broadcast labels); each input gets one stride per label (repeated letters add up, giving diagonals), then
// every output element sums the product of the inputs over the labels missing from the output.
#include <cctype>
#include <map>

#include "core/kernel.h"
#include "cpu/util/reduce_util.h"

namespace onnxfleet {
namespace {

constexpr int kEllipsis = -1;

// A term as label codes: letters map to their char value, "..." to kEllipsis.
std::vector<int> parseTerm(const std::string& t) {
  std::vector<int> out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.compare(i, 3, "...") == 0) {
      check(std::find(out.begin(), out.end(), kEllipsis) == out.end(), "more than one ellipsis in a term");
      out.push_back(kEllipsis), i += 2;
    } else {
      check(std::isalpha(static_cast<unsigned char>(t[i])),
            std::string("bad character '") + t[i] + "' in equation");
      out.push_back(t[i]);
    }
  }
  return out;
}

class EinsumKernel : public Kernel {
 public:
  EinsumKernel(const NodeDesc& n, const CompileContext&) {
    std::string eq;
    for (char c : n.required("equation").s)
      if (!std::isspace(static_cast<unsigned char>(c))) eq += c;
    const size_t arrow = eq.find("->");
    explicit_ = arrow != std::string::npos;
    const std::string lhs = eq.substr(0, arrow);
    size_t start = 0;
    while (true) {
      const size_t comma = lhs.find(',', start);
      terms_.push_back(parseTerm(lhs.substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (explicit_) out_ = parseTerm(eq.substr(arrow + 2));
  }

  void compute(KernelContext& ctx) override {
    const int nin = static_cast<int>(terms_.size());
    check(ctx.numInputs() == nin, "equation has " + std::to_string(nin) + " terms but the node has " +
                                      std::to_string(ctx.numInputs()) + " inputs");
    // Resolve labels: letters keep their code, ellipsis dim k (right-aligned) becomes 256 + k.
    std::vector<std::vector<int>> labels(nin);
    int E = 0;
    for (int t = 0; t < nin; ++t) {
      const Tensor& x = ctx.input(t);
      const int letters = static_cast<int>(terms_[t].size()) -
                          (std::count(terms_[t].begin(), terms_[t].end(), kEllipsis) ? 1 : 0);
      const bool ell = letters != static_cast<int>(terms_[t].size());
      check(
          ell ? x.rank() >= letters : x.rank() == letters,
          "input " + std::to_string(t) + " of rank " + std::to_string(x.rank()) + " does not match its term");
      E = std::max(E, x.rank() - letters);
    }
    std::map<int, int64_t> size;
    std::map<int, int> uses;
    for (int t = 0; t < nin; ++t) {
      const Tensor& x = ctx.input(t);
      const int e = x.rank() - (static_cast<int>(terms_[t].size()) - 1);
      int d = 0;
      for (int code : terms_[t]) {
        const int n = code == kEllipsis ? e : 1;
        for (int k = 0; k < n; ++k, ++d) {
          const int lab = code == kEllipsis ? 256 + (E - e) + k : code;
          labels[t].push_back(lab);
          ++uses[lab];
          auto it = size.find(lab);
          if (it == size.end() || it->second == 1)
            size[lab] = x.shape[d];
          else
            check(x.shape[d] == it->second || (lab >= 256 && x.shape[d] == 1),
                  "label '" + std::string(1, static_cast<char>(lab < 256 ? lab : '.')) + "' has sizes " +
                      std::to_string(it->second) + " and " + std::to_string(x.shape[d]));
        }
      }
    }
    std::vector<int> outLabels;
    if (explicit_) {
      for (int code : out_) {
        if (code == kEllipsis) {
          for (int k = 0; k < E; ++k) outLabels.push_back(256 + k);
        } else {
          check(size.count(code) && std::count(outLabels.begin(), outLabels.end(), code) == 0,
                std::string("output label '") + static_cast<char>(code) +
                    "' is missing from the inputs or repeated");
          outLabels.push_back(code);
        }
      }
    } else {
      for (int k = 0; k < E; ++k) outLabels.push_back(256 + k);
      for (const auto& kv : uses)
        if (kv.first < 256 && kv.second == 1) outLabels.push_back(kv.first);  // map order = ASCII order
    }
    std::vector<int> sumLabels;
    for (const auto& kv : size)
      if (std::find(outLabels.begin(), outLabels.end(), kv.first) == outLabels.end())
        sumLabels.push_back(kv.first);
    Shape outShape;
    for (int l : outLabels) outShape.push_back(size[l]);
    // Per input, the stride of every output / summed label (0 where absent or broadcast).
    auto strides = [&](const std::vector<int>& labs) {
      std::vector<std::vector<int64_t>> st(nin, std::vector<int64_t>(labs.size(), 0));
      for (int t = 0; t < nin; ++t) {
        const Tensor& x = ctx.input(t);
        int64_t s = 1;
        for (int d = x.rank() - 1; d >= 0; --d) {
          const auto it = std::find(labs.begin(), labs.end(), labels[t][d]);
          if (it != labs.end() && x.shape[d] != 1) st[t][it - labs.begin()] += s;
          s *= x.shape[d];
        }
      }
      return st;
    };
    const auto ost = strides(outLabels), sst = strides(sumLabels);
    std::vector<int64_t> ssize;
    int64_t sumCount = 1;
    for (int l : sumLabels) ssize.push_back(size[l]), sumCount *= size[l];
    const DType dt = ctx.input(0).dtype;
    for (int t = 1; t < nin; ++t) check(ctx.input(t).dtype == dt, "inputs must share one element type");
    Tensor& y = ctx.allocOutput(0, dt, outShape);
    const int64_t total = y.numel();
    dispatchTypes<ONNXFLEET_NUMERIC_TYPES>(dt, "Einsum", [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = typename Num<T>::C;
      using A = std::conditional_t<std::is_floating_point<C>::value, C,
                                   std::conditional_t<std::is_signed<C>::value, int64_t, uint64_t>>;
      std::vector<const T*> xs(nin);
      for (int t = 0; t < nin; ++t) xs[t] = ctx.input(t).as<T>();
      T* yp = y.as<T>();
      const int no = static_cast<int>(outLabels.size()), ns = static_cast<int>(sumLabels.size());
      parallelFor(ctx.threads(), total, std::max<int64_t>(1, 16384 / std::max<int64_t>(sumCount, 1)),
                  [&](int64_t b, int64_t e) {
                    std::vector<int64_t> off(nin), sidx(ns);
                    for (int64_t o = b; o < e; ++o) {
                      std::fill(off.begin(), off.end(), 0);
                      for (int64_t rem = o, d = no - 1; d >= 0; --d) {
                        const int64_t i = rem % outShape[d];
                        rem /= outShape[d];
                        for (int t = 0; t < nin; ++t) off[t] += i * ost[t][d];
                      }
                      A acc = 0;
                      std::fill(sidx.begin(), sidx.end(), 0);
                      for (int64_t k = 0; k < sumCount; ++k) {
                        A prod = 1;
                        for (int t = 0; t < nin; ++t) prod *= static_cast<A>(Num<T>::load(xs[t][off[t]]));
                        acc += prod;
                        for (int d = ns - 1; d >= 0; --d) {  // odometer step over the summed labels
                          for (int t = 0; t < nin; ++t) off[t] += sst[t][d];
                          if (++sidx[d] < ssize[d]) break;
                          for (int t = 0; t < nin; ++t) off[t] -= sst[t][d] * ssize[d];
                          sidx[d] = 0;
                        }
                      }
                      yp[o] = Num<T>::store(static_cast<C>(acc));
                    }
                  });
    });
  }

 private:
  std::vector<std::vector<int>> terms_;
  std::vector<int> out_;
  bool explicit_ = false;
};

ONNX_CPU_KERNEL("Einsum", 12, EinsumKernel);
ONNX_CPU_KERNEL("Einsum", 28, EinsumKernel);

}  // namespace
}  // namespace onnxfleet
