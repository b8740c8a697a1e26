// One exception type for everything the engine reports; the executor adds node context on the way out.
#pragma once
#include <stdexcept>
#include <string>

namespace onnxfleet {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// Throws Error(msg) when cond is false. Kernels use it to validate inputs before touching memory.
inline void check(bool cond, const std::string& msg) {
  if (!cond) throw Error(msg);
}

}  // namespace onnxfleet
