//===- Metadata.h - the JSON that travels with a compiled kernel -*- C++ -*-===//
//
// Writes a compiled kernel's launch ABI (lib/ABI/KernelSignature.h), all a
// runtime needs to launch it without MLIR: its parameters (dtype, shape with
// symbolic dimensions, scalar kinds), target and compiler version, and its
// launches in program order, each with its GPU kernel symbol, the grid as
// expressions of the symbols, the host conditions it runs under, threads,
// dynamic shared memory and TMA tensor maps.
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

/// The metadata of `hostFunc` as JSON text, in the format of
/// lib/ABI/KernelSignature.h. For a GPU target the kernel has been through
/// tile-lower-to-gpu, and a grid or condition the host cannot compute from
/// the symbols and scalar parameters is an error; for `target` "cpu" (the
/// tile IR the interpreter runs) it is written as null.
mlir::FailureOr<std::string> buildKernelMetadata(mlir::func::FuncOp hostFunc,
                                                 llvm::StringRef target,
                                                 llvm::StringRef binary);

} // namespace tilec::compiler

#endif // TILEC_COMPILER_METADATA_H
