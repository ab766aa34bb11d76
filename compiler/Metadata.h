//===- Metadata.h - the JSON that travels with a compiled kernel -*- C++ -*-===//
//
// Everything a runtime needs to launch a kernel without MLIR: its
// parameters (dtype, shape with symbolic dimensions, scalar kinds), target
// and compiler version, and its launches in program order, each with its GPU
// kernel symbol, the grid as expressions of the symbols, the host
// conditions it runs under, threads, dynamic shared memory and TMA tensor
// maps.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_METADATA_H
#define TILEC_COMPILER_METADATA_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace tilec::compiler {

/// Whether the runtime can evaluate `value` before launching: an integer
/// expression of constants, integer scalar parameters and tensor dimensions
/// (arithmetic, comparisons, and/or).
bool isHostComputable(mlir::Value value, mlir::func::FuncOp hostFunc);

/// The metadata of `hostFunc` (a tile kernel after tile-lower-to-gpu) as
/// JSON text; fails with a diagnostic if a grid or condition cannot be
/// computed on the host from the symbols and scalar parameters.
mlir::FailureOr<std::string> buildKernelMetadata(mlir::func::FuncOp hostFunc,
                                                 llvm::StringRef target,
                                                 llvm::StringRef binary);

} // namespace tilec::compiler

#endif // TILEC_COMPILER_METADATA_H
