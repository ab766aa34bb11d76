//===- HipKernel.h - load and launch tilec kernels through HIP --*- C++ -*-===//
//
// The AMD counterpart of runtime/cuda/CudaKernel: loads an .hsaco with its
// metadata and launches it with hipModuleLaunchKernel, after the same
// argument checks (runtime/launch/LaunchPlan). libamdhip64 is opened at run
// time, so programs start (and say why) where no AMD GPU stack is present.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_HIP_HIPKERNEL_H
#define TILEC_RUNTIME_HIP_HIPKERNEL_H

#include "runtime/launch/LaunchPlan.h"

#include <memory>
#include <string>
#include <vector>

namespace tilec::gpu {

class HipKernel {
public:
  /// Loads `codeObject` (an .hsaco) with metadata `metadataJson`.
  static std::unique_ptr<HipKernel> load(const std::string &codeObject,
                                         const std::string &metadataJson,
                                         std::string &error);
  ~HipKernel();

  const KernelSpec &spec() const { return *kernelSpec; }
  /// Runs a checked plan's launches in order on `stream` (a hipStream_t;
  /// null = default).
  bool launch(const KernelPlan &plan, void *stream, std::string &error);
  bool launch(const std::vector<Argument> &args, void *stream, std::string &error);

private:
  bool launchAll(const std::vector<LaunchPlan> &launches, void *stream, std::string &error);
  HipKernel() = default;
  std::unique_ptr<KernelSpec> kernelSpec;
  void *module = nullptr;
  /// One GPU function per launch of the spec.
  std::vector<void *> functions;
};

} // namespace tilec::gpu

#endif // TILEC_RUNTIME_HIP_HIPKERNEL_H
