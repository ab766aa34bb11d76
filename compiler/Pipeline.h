//===- Pipeline.h - the compilation pipeline --------------------*- C++ -*-===//
//
// Builds the pass pipelines tilec runs after the frontend, and names their
// stages for tile-dump. Tools never assemble passes themselves.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_PIPELINE_H
#define TILEC_COMPILER_PIPELINE_H

#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace tilec::compiler {

/// The stages before the pass pipeline: the syntax tree and the tile IR the
/// frontend generates.
inline constexpr const char *kASTStage = "ast";
inline constexpr const char *kTileStage = "tile";

/// Adds the target-independent clean-up of tile IR: folding of constant
/// dimensions and branches, and common-subexpression elimination.
void buildTileCleanupPipeline(mlir::OpPassManager &pm);

/// Every stage tile-dump can show, in order: the frontend's stages, then the
/// flag (argument) of each pass of the pipeline.
std::vector<std::string> listStages();

/// Registers the pipeline as `tile-cleanup` for tile-opt.
void registerTilePipelines();

} // namespace tilec::compiler

#endif // TILEC_COMPILER_PIPELINE_H
