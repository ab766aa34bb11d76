//===- tile-opt.cpp - mlir-opt for the tile dialect and tilec's passes ----===//

#include "compiler/Passes.h"
#include "compiler/Pipeline.h"
#include "compiler/Targets/Targets.h"
#include "dialects/Tile/TileDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  tilec::compiler::registerTilePipelines();
  tilec::registerTilePasses();
  mlir::DialectRegistry registry;
  registry.insert<tilec::tile::TileDialect, mlir::arith::ArithDialect,
                  mlir::scf::SCFDialect, mlir::math::MathDialect,
                  mlir::func::FuncDialect, mlir::gpu::GPUDialect,
                  mlir::LLVM::LLVMDialect>();
  // NVVM's translations and target, for tile-serialize-ptx.
  tilec::targets::registerNVPTXTarget(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "tilec optimizer driver\n", registry));
}
