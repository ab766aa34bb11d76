//===- TilePipelines.cpp - the target-independent pipelines ---------------===//

#include "compiler/TilePipelines.h"

#include "compiler/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void tilec::compiler::buildTileCleanupPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createTileApproximateMath());
}

void tilec::compiler::buildCPUPipeline(OpPassManager &pm) {
  buildTileCleanupPipeline(pm);
  pm.addPass(createTileSoftwarePipeline());
  // Per-thread launches run thread by thread, switching at block barriers.
  TileInsertBarriersOptions barriers;
  barriers.perThreadOnly = true;
  pm.addPass(createTileInsertBarriers(barriers));
}

std::unique_ptr<Pass> tilec::compiler::createLoweredKernelCanonicalizer() {
  GreedyRewriteConfig config;
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  return createCanonicalizerPass(config);
}

void tilec::compiler::registerTilePipelines() {
  PassPipelineRegistration<>(
      "tile-cleanup",
      "Fold constant dimensions and branches of tile IR and remove common "
      "subexpressions",
      [](OpPassManager &pm) { buildTileCleanupPipeline(pm); });
}
