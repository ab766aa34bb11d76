//===- Interpreter.h - run tile IR on the CPU -------------------*- C++ -*-===//
//
// The `cpu` target executes a kernel's semantics directly from tile IR: each
// block of the grid in turn, tile ops as whole-tile operations, T.Parallel as
// loops, shared/fragment/local buffers as per-block arrays. In checked mode
// (the default) every access is bounds-checked and reads of uninitialised
// on-chip memory, integer division by zero and failed T.device_assert stop
// the run with a diagnostic at the DSL source line.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_RUNTIME_CPU_INTERPRETER_H
#define TILEC_RUNTIME_CPU_INTERPRETER_H

#include "lib/Support/DType.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace tilec::cpu {

/// A tensor in host memory, bound to a kernel parameter.
struct HostTensor {
  void *data = nullptr;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// In elements; empty means contiguous C order.
  std::vector<int64_t> strides;
};

/// One kernel argument, in the order of the kernel's runtime parameters.
struct KernelArg {
  enum class Kind { Tensor, Int, Float } kind = Kind::Int;
  HostTensor tensor;
  int64_t intValue = 0;
  double floatValue = 0;

  static KernelArg ofTensor(HostTensor t) {
    KernelArg a; a.kind = Kind::Tensor; a.tensor = std::move(t); return a;
  }
  static KernelArg ofInt(int64_t v) { KernelArg a; a.kind = Kind::Int; a.intValue = v; return a; }
  static KernelArg ofFloat(double v) {
    KernelArg a; a.kind = Kind::Float; a.floatValue = v; return a;
  }
};

/// What a run did: its launches and which tensor arguments it stored into
/// (for `tilec --run`'s summary).
struct RunReport {
  struct Launch {
    llvm::SmallVector<int64_t, 3> grid;
    int64_t threads = 0;
  };
  std::vector<Launch> launches;
  /// Per kernel argument: whether the run stored into it (false for scalars).
  std::vector<bool> written;
};

struct RunOptions {
  /// Bounds, initialisation and division checks (off: faster, no checks on
  /// element accesses; copies still clip at tensor edges).
  bool checked = true;
  /// A remark, once per kind, for GPU scheduling annotations the CPU ignores.
  bool noteIgnored = true;
  /// Where T.print writes.
  llvm::raw_ostream *printStream = &llvm::outs();
  /// Filled, when given, with what the run did.
  RunReport *report = nullptr;
};

/// Runs `kernel` (a `func.func` with `tile.kernel`) over its whole grid.
/// Argument mismatches (dtype, rank, dimensions, symbols bound to different
/// values) and run-time errors are reported as MLIR diagnostics.
mlir::LogicalResult runKernel(mlir::func::FuncOp kernel,
                              llvm::ArrayRef<KernelArg> args,
                              const RunOptions &options = {});

} // namespace tilec::cpu

#endif // TILEC_RUNTIME_CPU_INTERPRETER_H
