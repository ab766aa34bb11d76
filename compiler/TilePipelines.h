//===- TilePipelines.h - the target-independent pipelines -------*- C++ -*-===//
//
// The pass pipelines of tile IR that every target starts with. The target
// back ends (Targets/) build on these; Pipeline.h picks a target's.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TILEPIPELINES_H
#define TILEC_COMPILER_TILEPIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace tilec::compiler {

/// Adds the target-independent clean-up of tile IR: folding of constant
/// dimensions and branches, common-subexpression elimination, and the
/// expansion of math functions marked approximable (tile-approximate-math).
void buildTileCleanupPipeline(mlir::OpPassManager &pm);

/// The pipeline the CPU target (the interpreter) runs: clean-up, then the
/// target-independent restructuring the GPU pipelines share
/// (tile-software-pipeline), so that CPU runs check it too.
void buildCPUPipeline(mlir::OpPassManager &pm);

/// The canonicalizer that cleans up the gpu.module tile-lower-to-gpu wrote,
/// before the target's conversions: without region simplification, whose
/// search for identical blocks to merge costs more than the rest of the pass
/// on fully unrolled fragment code (LLVM's CFG simplification merges blocks
/// later anyway).
std::unique_ptr<mlir::Pass> createLoweredKernelCanonicalizer();

/// Registers the clean-up pipeline as `tile-cleanup` for tile-opt.
void registerTilePipelines();

} // namespace tilec::compiler

#endif // TILEC_COMPILER_TILEPIPELINES_H
