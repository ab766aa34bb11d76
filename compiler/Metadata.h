//===- Metadata.h - the JSON that travels with a compiled kernel -*- C++ -*-===//
//
// Everything a runtime needs to launch a kernel without MLIR: its symbol,
// parameters (dtype, shape with symbolic dimensions, scalar kinds), the grid
// as expressions of the symbols, threads, dynamic shared memory, target and
// compiler version.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_METADATA_H
#define TILEC_COMPILER_METADATA_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>

namespace tilec::compiler {

/// The metadata of `hostFunc` (a tile kernel after tile-lower-to-gpu) as
/// JSON text; fails with a diagnostic if the grid cannot be computed on the
/// host from the symbols and scalar parameters.
mlir::FailureOr<std::string> buildKernelMetadata(mlir::func::FuncOp hostFunc,
                                                 llvm::StringRef target,
                                                 llvm::StringRef binary);

} // namespace tilec::compiler

#endif // TILEC_COMPILER_METADATA_H
