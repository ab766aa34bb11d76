//===- Harness.h - run kernels of kernels/ on the CPU target ----*- C++ -*-===//
//
// Compiles a kernel from kernels/ (with -D overrides), makes host tensors of
// random data, runs the kernel with the CPU target and compares results with
// plain C++ references computed in double.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_TESTS_NUMERICS_HARNESS_H
#define TILEC_TESTS_NUMERICS_HARNESS_H

#include "lib/Support/DType.h"
#include "runtime/jit/JIT.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace tilec::test {

/// A tensor owned by the test, in its dtype's bytes.
struct Tensor {
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<char> bytes;

  Tensor(DType dtype, std::vector<int64_t> shape) : dtype(dtype), shape(std::move(shape)) {
    bytes.resize(size() * dtypeSize(dtype));
  }
  size_t size() const {
    size_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  size_t offset(std::initializer_list<int64_t> index) const {
    size_t at = 0, d = 0;
    for (int64_t i : index)
      at = at * shape[d++] + i;
    return at;
  }
  double get(size_t i) const { return loadFloat(bytes.data() + i * dtypeSize(dtype), dtype); }
  double operator()(std::initializer_list<int64_t> index) const { return get(offset(index)); }
  void set(size_t i, double v) { storeFloat(bytes.data() + i * dtypeSize(dtype), dtype, v); }
  void setInt(size_t i, int64_t v) { storeInt(bytes.data() + i * dtypeSize(dtype), dtype, v); }
  int64_t getInt(size_t i) const { return loadInt(bytes.data() + i * dtypeSize(dtype), dtype); }
  cpu::KernelArg arg() {
    cpu::HostTensor t;
    t.data = bytes.data();
    t.dtype = dtype;
    t.shape = shape;
    return cpu::KernelArg::ofTensor(t);
  }
};

/// The tests' random numbers: Catch's --rng-seed when given, else a fixed
/// seed, so that a failure can be reproduced.
inline std::mt19937_64 &rng() {
  static std::mt19937_64 generator(Catch::rngSeed() ? Catch::rngSeed() : 20261130);
  return generator;
}

inline Tensor randomTensor(DType dtype, std::vector<int64_t> shape, std::mt19937_64 &rng,
                           double lo = -1.0, double hi = 1.0) {
  Tensor t(dtype, std::move(shape));
  std::uniform_real_distribution<double> u(lo, hi);
  for (size_t i = 0; i < t.size(); ++i)
    t.set(i, u(rng));
  return t;
}

/// An output tensor filled with NaN, so that an element the kernel does not
/// write shows up in the comparison.
inline Tensor poisoned(DType dtype, std::vector<int64_t> shape) {
  Tensor t(dtype, std::move(shape));
  for (size_t i = 0; i < t.size(); ++i)
    t.set(i, NAN);
  return t;
}

/// max |out - ref| / max(max |ref|, floor) (NaN anywhere gives infinity).
/// A `floor` measures a result that is zero in exact arithmetic (attention's
/// dQ where each query sees one key), rounding noise of the terms it
/// cancels, against their size rather than its own.
inline double relativeError(const Tensor &out, const std::vector<double> &ref,
                            double floor = 1e-30) {
  double worst = 0, scale = floor;
  for (double r : ref)
    scale = std::max(scale, std::fabs(r));
  for (size_t i = 0; i < ref.size(); ++i) {
    double o = out.get(i);
    if (std::isnan(o) || std::isnan(ref[i]))
      return INFINITY;
    worst = std::max(worst, std::fabs(o - ref[i]));
  }
  return worst / scale;
}

/// A kernel of kernels/, compiled through the JIT API for the cpu target.
class Kernel {
public:
  /// Compiles kernel `name` of kernels/`file` (or, with `source`, of that
  /// text) for the cpu target.
  Kernel(const std::string &file, const std::string &name,
         std::vector<std::pair<std::string, std::string>> defines, bool fastMath = false,
         const std::string &source = "") {
    jit::CompileOptions options;
    options.kernel = name;
    options.defines = std::move(defines);
    options.fastMath = fastMath;
    auto compiled = source.empty()
                        ? jit::Kernel::fromFile(std::string(TILEC_KERNELS_DIR) + "/" + file, options)
                        : jit::Kernel::fromSource(source, options, file);
    if (!compiled) {
      errors = llvm::toString(compiled.takeError());
      return;
    }
    kernel = std::move(*compiled);
  }

  bool ok() const { return kernel != nullptr; }

  /// Runs with checks on; returns false (and fills `errors`) on failure.
  bool run(std::vector<cpu::KernelArg> args) {
    cpu::RunOptions options;
    options.noteIgnored = false;
    if (llvm::Error error = kernel->launch(args, options)) {
      errors = llvm::toString(std::move(error));
      return false;
    }
    return true;
  }

  std::string errors;

private:
  std::unique_ptr<jit::Kernel> kernel;
};

} // namespace tilec::test

#endif
