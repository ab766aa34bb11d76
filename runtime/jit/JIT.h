//===- JIT.h - compile and run kernels from C++ host code -------*- C++ -*-===//
//
// The embedding API: compile a .tl file or source string (with compile-time
// overrides) for a target, get a kernel object, launch it. Today's target is
// `cpu`, which runs the kernel's semantics on host tensors; GPU targets plug
// compile to PTX through the same interface, cached in memory and on disk.
//
//   auto kernel = tilec::jit::Kernel::fromFile("kernels/gemm.tl",
//                                              {.kernel = "gemm",
//                                               .defines = {{"block_M", "64"}}});
//   if (!kernel) { llvm::errs() << llvm::toString(kernel.takeError()); ... }
//   llvm::Error err = (*kernel)->launch({A, B, C});
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_JIT_JIT_H
#define TILEC_RUNTIME_JIT_JIT_H

#include "runtime/cpu/Interpreter.h"
#include "runtime/launch/LaunchPlan.h"
#include "runtime/jit/KernelCache.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tilec::jit {

struct CompileOptions {
  /// The kernel to compile; may be empty when the source has exactly one.
  std::string kernel;
  /// Compile-time parameter overrides (`-D name=value`).
  std::vector<std::pair<std::string, std::string>> defines;
  /// Folders searched for imported .tl modules.
  std::vector<std::string> includeDirs;
  /// Lets float multiplies and adds fuse into FMAs (as nvcc and Triton do).
  bool fpContract = true;
  /// Lets math functions be approximated (tilec --fast-math).
  bool fastMath = false;
  /// "cpu" (runs on host tensors) or a GPU chip ("sm_90a", "sm_80").
  std::string target = "cpu";
  /// GPU targets: code-generation features to leave out, comma-separated
  /// (tilec --disable: tensor-cores, wgmma, tma, warp-specialize, ...).
  std::string disabledFeatures;
  /// GPU targets: opt-in code-generation features to use, comma-separated
  /// (tilec --enable: pingpong, carry-gemms, stream-k).
  std::string enabledFeatures;
  /// GPU targets: the on-disk cache folder ("" = $TILEC_CACHE_DIR or
  /// ~/.cache/tilec).
  std::string cacheDir;
};

/// A compiled kernel. Diagnostics of compilation and of checked runs come
/// back as llvm::Error values carrying the formatted messages (file:line:col,
/// source line, caret).
class Kernel {
public:
  ~Kernel();

  static llvm::Expected<std::unique_ptr<Kernel>>
  fromFile(const std::string &path, const CompileOptions &options = {});
  static llvm::Expected<std::unique_ptr<Kernel>>
  fromSource(const std::string &source, const CompileOptions &options = {},
             const std::string &bufferName = "<source>");

  /// The kernel's runtime parameters, in launch order.
  const std::vector<abi::ParamSpec> &params() const { return paramInfo; }
  const std::string &name() const { return kernelName; }

  /// cpu target: runs the kernel once over its grid on host tensors.
  llvm::Error launch(llvm::ArrayRef<cpu::KernelArg> args,
                     const cpu::RunOptions &options = {});

  /// GPU targets: the PTX and launch metadata, and whether they came from
  /// the cache.
  const Artifact &artifact() const { return compiled; }
  bool fromCache() const { return cacheHit; }

  /// GPU targets, in builds with the CUDA toolkit: launches on `stream`
  /// (a CUstream; null = the default stream) after checking the arguments.
  llvm::Error launchOnGPU(const std::vector<gpu::Argument> &args, void *stream = nullptr);

private:
  struct State;
  explicit Kernel(std::unique_ptr<State> state);
  std::unique_ptr<State> state;
  std::vector<abi::ParamSpec> paramInfo;
  std::string kernelName;
  Artifact compiled;
  bool cacheHit = false;
};

} // namespace tilec::jit

#endif // TILEC_RUNTIME_JIT_JIT_H
