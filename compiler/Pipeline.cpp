//===- Pipeline.cpp - the compilation pipeline ----------------------------===//

#include "compiler/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void tilec::compiler::buildTileCleanupPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

std::vector<std::string> tilec::compiler::listStages() {
  std::vector<std::string> stages = {kASTStage, kTileStage};
  OpPassManager pm(ModuleOp::getOperationName());
  buildTileCleanupPipeline(pm);
  for (Pass &pass : pm.getPasses())
    stages.push_back(pass.getArgument().str());
  return stages;
}

void tilec::compiler::registerTilePipelines() {
  PassPipelineRegistration<>(
      "tile-cleanup",
      "Fold constant dimensions and branches of tile IR and remove common "
      "subexpressions",
      [](OpPassManager &pm) { buildTileCleanupPipeline(pm); });
}
