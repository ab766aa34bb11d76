//===- HostRun.h - run a kernel on the CPU from files -----------*- C++ -*-===//
//
// What `tilec --target cpu --run` does: bind every symbolic dimension from
// --dims (or from the shapes of --in arrays), make each tensor from its .npy
// file or from seeded random values, run the kernel, and write every tensor
// argument to <out>/<param>.npy.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_CPU_HOSTRUN_H
#define TILEC_RUNTIME_CPU_HOSTRUN_H

#include "runtime/cpu/Interpreter.h"

#include <map>
#include <string>

namespace tilec::cpu {

struct HostRunOptions {
  std::map<std::string, int64_t> dims;         ///< --dims M=100,N=70
  std::map<std::string, std::string> inputs;   ///< --in A=a.npy
  std::map<std::string, std::string> scalars;  ///< --scalar eps=1e-5
  uint64_t seed = 0;
  std::string outDir;                          ///< empty: write nothing
  RunOptions run;
  /// Where the one-line summary of the run goes (null: nowhere).
  llvm::raw_ostream *summary = nullptr;
};

/// Runs `kernel` with arguments made as described above. Errors (missing
/// dimensions, bad files, run-time errors) are reported as diagnostics.
mlir::LogicalResult runFromFiles(mlir::func::FuncOp kernel,
                                 const HostRunOptions &options);

} // namespace tilec::cpu

#endif // TILEC_RUNTIME_CPU_HOSTRUN_H
