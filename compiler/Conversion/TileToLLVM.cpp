//===- TileToLLVM.cpp - tile ops left in GPU kernels to GPU and LLVM ------===//
//
// tile-convert-to-llvm: the dialect conversion of the tile ops that
// tile-lower-to-gpu leaves in GPU kernels, each one thread's code. The
// patterns are TileToLLVM.h's families; this file is the pass: the checks
// that need the whole kernel, the legality of each op, and what is left of
// the buffers afterwards.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/TileToLLVM.h"
#include "compiler/Passes.h"
#include "compiler/Transforms/TargetInfo.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace tilec {
#define GEN_PASS_DEF_TILECONVERTTOLLVM
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

namespace {

struct TileConvertToLLVMPass : public tilec::impl::TileConvertToLLVMBase<TileConvertToLLVMPass> {
  using TileConvertToLLVMBase::TileConvertToLLVMBase;
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    MLIRContext *context = module.getContext();
    std::unique_ptr<TargetInfo> target = createTargetInfo(targetName);
    if (!target) {
      module.emitError("tile-convert-to-llvm: unknown target '")
          << targetName << "' (nvvm or rocdl)";
      return signalPassFailure();
    }
    // Registers are read and written by slot (tile.load_slot): in loops,
    // tile-partition-parallel rewrote the accesses of fragments held there.
    // An element access of one left is an error at its line (before the
    // conversion, which would only say that it failed).
    WalkResult elementOfRegisters = module.walk([&](Operation *op) {
      Value buffer;
      if (auto load = dyn_cast<tile::LoadOp>(op))
        buffer = load.getBuffer();
      else if (auto store = dyn_cast<tile::StoreOp>(op))
        buffer = store.getBuffer();
      if (!buffer || !hasRegisterLayout(cast<tile::BufferType>(buffer.getType())))
        return WalkResult::advance();
      op->emitError("a fragment held in registers is accessed element by element outside a "
                    "loop over it");
      return WalkResult::interrupt();
    });
    if (elementOfRegisters.wasInterrupted())
      return signalPassFailure();
    BufferTypeConverter converter(context, target->privateAddressSpace());
    ConversionTarget legality(*context);
    legality.addIllegalOp<tile::LoadOp, tile::StoreOp, tile::LoadSlotOp, tile::StoreSlotOp,
                          tile::LoadVectorOp, tile::StoreVectorOp, tile::AlignedOp,
                          tile::InBoundsOp, tile::DimOp>();
    legality.addIllegalOp<tile::ThreadIdOp, tile::ShuffleOp, tile::PrintOp, tile::AssertOp,
                          tile::SignalOp, tile::WaitSignalOp>();
    // A whole tile's atomic add is tile-lower-to-gpu's.
    legality.addDynamicallyLegalOp<tile::AtomicAddOp>(
        [](tile::AtomicAddOp atomic) { return atomic.getIndices().empty(); });
    legality.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(context);
    populateAccessPatterns(converter, patterns);
    populateThreadOpPatterns(converter, patterns, *target);
    if (failed(applyPartialConversion(module, legality, std::move(patterns))))
      return signalPassFailure();
    // The buffers' packed values (tile-lower-to-gpu's casts) and the
    // conversion's casts back to their parts are now unused, or cancel.
    SmallVector<UnrealizedConversionCastOp> casts;
    module.walk([&](UnrealizedConversionCastOp cast) { casts.push_back(cast); });
    reconcileUnrealizedCasts(casts);
    // What is left of a buffer is an op no pattern here rewrites.
    WalkResult walk = module.walk([&](UnrealizedConversionCastOp cast) {
      if (!llvm::any_of(cast.getResultTypes(), llvm::IsaPred<tile::BufferType>))
        return WalkResult::advance();
      for (Operation *user : cast->getUsers()) {
        user->emitError("tile-convert-to-llvm: '")
            << user->getName() << "' on a tile buffer is left in the GPU kernel";
        return WalkResult::interrupt();
      }
      cast.erase();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
  }
};

} // namespace
