//===- NVVMGridConstants.cpp - by-value kernel parameters -----------------===//
//
// Makes the parameters a kernel lists in tile.grid_constants 128-byte
// by-value NVVM grid constants (see TileNVVMGridConstants in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

namespace tilec {
#define GEN_PASS_DEF_TILENVVMGRIDCONSTANTS
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {
struct TileNVVMGridConstantsPass
    : public tilec::impl::TileNVVMGridConstantsBase<TileNVVMGridConstantsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    Builder b(ctx);
    getOperation().walk([&](LLVM::LLVMFuncOp func) {
      auto indices = func->getAttrOfType<DenseI32ArrayAttr>(tile::kGridConstantsAttrName);
      if (!indices)
        return;
      func->removeAttr(tile::kGridConstantsAttrName);
      for (int32_t i : indices.asArrayRef()) {
        if (i < 0 || static_cast<unsigned>(i) >= func.getNumArguments() ||
            !isa<LLVM::LLVMPointerType>(func.getArgument(i).getType())) {
          func.emitError("tile.grid_constants names parameter ") << i << ", not a pointer";
          return signalPassFailure();
        }
        func.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(),
                        TypeAttr::get(LLVM::LLVMArrayType::get(b.getI8Type(), 128)));
        func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(), b.getI64IntegerAttr(64));
        func.setArgAttr(i, "nvvm.grid_constant", UnitAttr::get(ctx));
      }
    });
  }
};
} // namespace
