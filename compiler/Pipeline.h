//===- Pipeline.h - the compilation pipeline --------------------*- C++ -*-===//
//
// Builds the pass pipeline tilec runs after the frontend for a target name,
// from the target-independent pipelines (TilePipelines.h) and the targets'
// own (Targets/Targets.h), and names its stages for tile-dump. Tools never
// assemble passes themselves.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_PIPELINE_H
#define TILEC_COMPILER_PIPELINE_H

#include "compiler/TilePipelines.h"

#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace tilec::compiler {

/// The stages before the pass pipeline: the syntax tree and the tile IR the
/// frontend generates.
inline constexpr const char *kASTStage = "ast";
inline constexpr const char *kTileStage = "tile";

/// The stage after the pass pipeline of a GPU target: the assembly itself.
inline constexpr const char *kAssemblyStage = "ptx";

/// The whole pipeline for `target`: "tile" (clean-up only) or an NVPTX chip
/// (sm_90a, sm_80, ...: clean-up, tile-lower-to-gpu, NVVM, PTX) with the
/// code-generation feature changes `featureChanges` (targets::changeFeatures:
/// tilec's --disable and --enable). Fails with `error` for an unknown target
/// or feature.
mlir::LogicalResult buildPipeline(mlir::OpPassManager &pm, llvm::StringRef target,
                                  llvm::StringRef featureChanges, std::string &error);

/// Every stage tile-dump can show for `pm`, the pipeline buildPipeline made
/// for `target`, in order: the frontend's stages, the flag of each pass,
/// then the assembly ("ptx" or "gcn") for a GPU target.
std::vector<std::string> listStages(mlir::OpPassManager &pm, llvm::StringRef target);

} // namespace tilec::compiler

#endif // TILEC_COMPILER_PIPELINE_H
