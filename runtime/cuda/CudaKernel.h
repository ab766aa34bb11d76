//===- CudaKernel.h - load and launch tilec kernels (CUDA driver API) -*- C++ -*-===//
//
// Loads a kernel compiled by tilec (PTX or cubin plus its metadata JSON) and
// launches it through the CUDA driver API. Needs only the CUDA toolkit: this
// library builds on machines without MLIR. A C API (below) serves Python
// through ctypes.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_CUDA_CUDAKERNEL_H
#define TILEC_RUNTIME_CUDA_CUDAKERNEL_H

#include "runtime/launch/LaunchPlan.h"

#include <cuda.h>

#include <memory>
#include <string>

namespace tilec::gpu {

class CudaKernel {
public:
  /// Loads `binary` (PTX text or a cubin) with metadata `metadataJson`.
  static std::unique_ptr<CudaKernel> load(const std::string &binary,
                                          const std::string &metadataJson,
                                          std::string &error);
  ~CudaKernel();

  const KernelSpec &spec() const { return *kernelSpec; }

  /// Runs a checked plan's launches in order on `stream` (with its aligned
  /// copies and workspaces, made for this call).
  bool launch(const KernelPlan &plan, CUstream stream, std::string &error);
  /// Fills the plan's TMA tensor maps (cuTensorMapEncodeTiled) and their
  /// flags; a map the driver rejects clears its bit (the kernel then copies
  /// that tensor another way). Maps over aligned copies are encoded at
  /// launch, once the copies exist.
  void encodeTensorMaps(KernelPlan &plan);
  /// Checks the arguments, then launches.
  bool launch(const std::vector<Argument> &args, CUstream stream, std::string &error);

private:
  CudaKernel() = default;
  bool launchWithWorkspaces(const KernelPlan &plan, CUstream stream, std::string &error);
  bool launchAll(const std::vector<LaunchPlan> &launches, CUstream stream, std::string &error);
  std::unique_ptr<KernelSpec> kernelSpec;
  CUmodule module = nullptr;
  /// One GPU kernel per launch of the spec.
  std::vector<CUfunction> functions;
};

} // namespace tilec::gpu

extern "C" {
/// C API for ctypes. Each returns null / non-zero on error and writes a
/// message into `error` (capacity `errorSize`).
void *tilec_cuda_load(const char *binaryPath, const char *metadataPath, char *error,
                      size_t errorSize);
/// `argsJson`: [{"ptr": p, "dtype": "float16", "shape": [...], "strides": [...]},
///              {"int": 3}, {"float": 0.5}, ...]
void *tilec_cuda_bind(void *kernel, const char *argsJson, char *error, size_t errorSize);
int tilec_cuda_launch(void *kernel, void *plan, void *stream, char *error, size_t errorSize);
void tilec_cuda_free_plan(void *plan);
void tilec_cuda_free_kernel(void *kernel);
}

#endif // TILEC_RUNTIME_CUDA_CUDAKERNEL_H
