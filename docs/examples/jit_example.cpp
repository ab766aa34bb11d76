//===- jit_example.cpp - JIT-compile a .tl kernel and launch it on a GPU --===//
//
// Compiles kernels/elementwise.tl:vector_add for sm_90a with the JIT API
// (cached under $TILEC_CACHE_DIR), launches it on device memory and checks
// the result. Usage: tilec-jit-example <kernels dir> [n]
//
//===----------------------------------------------------------------------===//

#include "runtime/jit/JIT.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <kernels dir> [n]\n", argv[0]);
    return 2;
  }
  int64_t n = argc > 2 ? std::atoll(argv[2]) : 1000003;
  tilec::jit::CompileOptions options;
  options.kernel = "vector_add";
  options.target = "sm_90a";
  options.defines = {{"block", "2048"}};
  auto kernel = tilec::jit::Kernel::fromFile(std::string(argv[1]) + "/elementwise.tl", options);
  if (!kernel) {
    std::fprintf(stderr, "%s\n", llvm::toString(kernel.takeError()).c_str());
    return 1;
  }
  std::printf("compiled '%s' (%s cache)\n", (*kernel)->name().c_str(),
              (*kernel)->fromCache() ? "from the" : "not in the");

  std::vector<float> a(n), b(n), c(n, NAN);
  for (int64_t i = 0; i < n; ++i) {
    a[i] = std::sin(0.001 * i);
    b[i] = std::cos(0.002 * i);
  }
  float *da, *db, *dc;
  size_t bytes = n * sizeof(float);
  if (cudaMalloc(&da, bytes) || cudaMalloc(&db, bytes) || cudaMalloc(&dc, bytes)) {
    std::fprintf(stderr, "cudaMalloc failed\n");
    return 1;
  }
  cudaMemcpy(da, a.data(), bytes, cudaMemcpyHostToDevice);
  cudaMemcpy(db, b.data(), bytes, cudaMemcpyHostToDevice);
  auto tensor = [&](float *p) {
    tilec::gpu::Argument arg;
    arg.isTensor = true;
    arg.pointer = reinterpret_cast<uint64_t>(p);
    arg.dtype = tilec::DType::F32;
    arg.shape = {n};
    return arg;
  };
  if (llvm::Error error = (*kernel)->launchOnGPU({tensor(da), tensor(db), tensor(dc)})) {
    std::fprintf(stderr, "%s\n", llvm::toString(std::move(error)).c_str());
    return 1;
  }
  cudaMemcpy(c.data(), dc, bytes, cudaMemcpyDeviceToHost);
  double worst = 0;
  for (int64_t i = 0; i < n; ++i)
    worst = std::max(worst, std::fabs(double(c[i]) - (double(a[i]) + double(b[i]))));
  std::printf("vector_add of %lld elements on the GPU: max abs error %.3g\n",
              static_cast<long long>(n), worst);
  cudaFree(da);
  cudaFree(db);
  cudaFree(dc);
  return worst < 1e-6 ? 0 : 1;
}
