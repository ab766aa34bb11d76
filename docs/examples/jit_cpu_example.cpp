//===- jit_cpu_example.cpp - compile a .tl kernel and run it on the CPU --===//
//
// Compiles kernels/softmax.tl with the JIT API for the cpu target and runs
// it on host arrays, then checks a row against a direct computation. Built
// against an installed tilec (find_package(tilec), tilec::jit): see
// CMakeLists.txt beside it.
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/JIT.h"

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  const int64_t rows = 5, cols = 300;
  tilec::jit::CompileOptions options;
  options.kernel = "softmax";
  options.target = "cpu";
  auto kernel =
      tilec::jit::Kernel::fromFile(std::string(TILEC_KERNELS_DIR) + "/softmax.tl", options);
  if (!kernel) {
    std::fprintf(stderr, "%s\n", llvm::toString(kernel.takeError()).c_str());
    return 1;
  }
  std::vector<float> in(rows * cols), out(rows * cols, NAN);
  for (int64_t i = 0; i < rows * cols; ++i)
    in[i] = std::sin(0.37 * i);
  auto tensor = [&](std::vector<float> &data) {
    tilec::cpu::HostTensor t;
    t.data = data.data();
    t.dtype = tilec::DType::F32;
    t.shape = {rows, cols};
    return tilec::cpu::KernelArg::ofTensor(t);
  };
  if (llvm::Error error = (*kernel)->launch({tensor(in), tensor(out)})) {
    std::fprintf(stderr, "%s\n", llvm::toString(std::move(error)).c_str());
    return 1;
  }
  double worst = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double best = -INFINITY, total = 0;
    for (int64_t c = 0; c < cols; ++c)
      best = std::max(best, double(in[r * cols + c]));
    for (int64_t c = 0; c < cols; ++c)
      total += std::exp(in[r * cols + c] - best);
    for (int64_t c = 0; c < cols; ++c)
      worst = std::max(worst, std::fabs(out[r * cols + c] -
                                        std::exp(in[r * cols + c] - best) / total));
  }
  std::printf("softmax on the cpu target: max error %.2e (%s)\n", worst,
              worst < 1e-6 ? "ok" : "MISMATCH");
  return worst < 1e-6 ? 0 : 1;
}
