//===- JIT.h - compile and run kernels from C++ host code -------*- C++ -*-===//
//
// The embedding API: compile a .tl file or source string (with compile-time
// overrides) for a target, get a kernel object, launch it. Today's target is
// `cpu`, which runs the kernel's semantics on host tensors; GPU targets plug
// in behind the same interface.
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
  /// "cpu" for now.
  std::string target = "cpu";
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
  const std::vector<cpu::ParamInfo> &params() const { return paramInfo; }
  const std::string &name() const { return kernelName; }

  /// Runs the kernel once over its grid.
  llvm::Error launch(llvm::ArrayRef<cpu::KernelArg> args,
                     const cpu::RunOptions &options = {});

private:
  struct State;
  explicit Kernel(std::unique_ptr<State> state);
  std::unique_ptr<State> state;
  std::vector<cpu::ParamInfo> paramInfo;
  std::string kernelName;
};

} // namespace tilec::jit

#endif // TILEC_RUNTIME_JIT_JIT_H
