//===- AccessesToLLVM.cpp - element accesses of tile buffers to LLVM ------===//
//
// tile-convert-accesses-to-llvm: a dialect conversion of the element
// accesses tile-lower-to-gpu leaves in GPU kernels. BufferTypeConverter
// spells each `!tile.buffer` operand as its BufferRef's values (pointer,
// extents, strides, offsets; BufferAccess.h), and one OpConversionPattern
// per op rewrites the access with BufferAccess, the code the whole-tile
// lowerings address buffers with:
//   - tile.load / tile.store: one element; a tensor element not marked
//     `inside` is guarded (outside reads zero, a write is dropped;
//     `speculative` reads select a constant zero's address instead of
//     branching);
//   - tile.load_slot / tile.store_slot: a register slot of the thread's
//     share of a fragment (two 16-bit elements a word where packed);
//   - tile.load_vector / tile.store_vector: one vector access;
//   - tile.atomic_add of one element: an atomic add between the fences
//     its memory order asks for, guarded at a tensor's edges as a store;
//   - tile.aligned, tile.in_bounds: the checks they stand for.
// Nothing here knows a vendor: the one target fact it needs is the address
// space of per-thread arrays (the `target` option).
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/BufferAccess.h"
#include "compiler/Passes.h"
#include "compiler/Transforms/TargetInfo.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace tilec {
#define GEN_PASS_DEF_TILECONVERTACCESSESTOLLVM
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

namespace {

/// The values of operands that the type converter keeps one to one.
SmallVector<Value> singleValues(ArrayRef<ValueRange> operands) {
  SmallVector<Value> values;
  for (ValueRange operand : operands)
    values.push_back(operand.front());
  return values;
}

/// The buffer operand of an access op.
Value bufferOf(tile::AtomicAddOp op) { return op.getTarget(); }
template <typename Op>
Value bufferOf(Op op) {
  return op.getBuffer();
}

/// A pattern for an access of one buffer: `rewrite` gets the buffer's
/// description, read from the operand's converted values, and the code
/// that addresses it, at the op.
template <typename Op>
struct AccessPattern : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  using Adaptor = typename OpConversionPattern<Op>::OneToNOpAdaptor;

  virtual LogicalResult rewrite(Op op, Adaptor adaptor, const BufferRef &ref,
                                BufferAccess &access,
                                ConversionPatternRewriter &rewriter) const = 0;

  LogicalResult matchAndRewrite(Op op, Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const final {
    Value buffer = bufferOf(op);
    unsigned operand = 0;
    while (op->getOperand(operand) != buffer)
      ++operand;
    BufferRef ref = unpackBuffer(cast<tile::BufferType>(buffer.getType()),
                                 adaptor.getOperands()[operand]);
    BufferAccess access{rewriter, op.getLoc()};
    return rewrite(op, adaptor, ref, access, rewriter);
  }
};

/// tile.load and tile.store: one element, guarded at a tensor's edges
/// unless marked `inside`.
struct ElementLoad : AccessPattern<tile::LoadOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::LoadOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    if (ref.inRegisters()) // reported before the conversion
      return rewriter.notifyMatchFailure(op, "a register fragment's element");
    SmallVector<Value> indices = singleValues(adaptor.getIndices());
    Value loaded;
    if (ref.scope == tile::MemoryScope::Global && !op.getInside())
      // Outside the tensor reads zero.
      loaded = access.fromMemory(
          ref, access.loadStoredOrZero(ref, indices, op->getParentOfType<gpu::GPUModuleOp>(),
                                       /*branchFree=*/op.getSpeculative()));
    else
      loaded = access.load(ref, indices);
    rewriter.replaceOp(op, loaded);
    return success();
  }
};

struct ElementStore : AccessPattern<tile::StoreOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::StoreOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    if (ref.inRegisters()) // reported before the conversion
      return rewriter.notifyMatchFailure(op, "a register fragment's element");
    SmallVector<Value> indices = singleValues(adaptor.getIndices());
    OpBuilder::InsertionGuard guard(rewriter);
    if (ref.scope == tile::MemoryScope::Global && !op.getInside()) {
      // A store outside the tensor is dropped.
      auto ifOp = scf::IfOp::create(rewriter, op.getLoc(), access.inBounds(ref, indices),
                                    /*withElseRegion=*/false);
      rewriter.setInsertionPointToStart(ifOp.thenBlock());
    }
    access.store(ref, indices, adaptor.getValue().front());
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.load_slot and tile.store_slot: a register of the thread's share.
struct SlotLoad : AccessPattern<tile::LoadSlotOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::LoadSlotOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, access.loadAt(ref, {}, adaptor.getSlot().front()));
    return success();
  }
};

struct SlotStore : AccessPattern<tile::StoreSlotOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::StoreSlotOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    access.storeAt(ref, {}, adaptor.getSlot().front(), adaptor.getValue().front());
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.load_vector and tile.store_vector: the lanes' elements are
/// consecutive from the first, which the code around the access showed
/// inside the tensor and aligned to the vector.
struct VectorLoad : AccessPattern<tile::LoadVectorOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::LoadVectorOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    Value pointer = access.address(ref, singleValues(adaptor.getIndices()));
    int64_t width = op.getNumResults();
    Value vector =
        LLVM::LoadOp::create(rewriter, op.getLoc(), VectorType::get({width}, ref.elementType),
                             pointer, BufferAccess::vectorBytes(ref, width));
    SmallVector<Value> lanes;
    for (int64_t lane = 0; lane < width; ++lane)
      lanes.push_back(access.fromMemory(
          ref, LLVM::ExtractElementOp::create(rewriter, op.getLoc(), vector,
                                              access.i32(lane))));
    rewriter.replaceOp(op, lanes);
    return success();
  }
};

struct VectorStore : AccessPattern<tile::StoreVectorOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::StoreVectorOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    Value pointer = access.address(ref, singleValues(adaptor.getIndices()));
    SmallVector<Value> values = singleValues(adaptor.getLanes());
    int64_t width = values.size();
    Value vector = LLVM::PoisonOp::create(rewriter, op.getLoc(),
                                          VectorType::get({width}, ref.elementType));
    for (auto [lane, value] : llvm::enumerate(values))
      vector = LLVM::InsertElementOp::create(rewriter, op.getLoc(), vector,
                                             access.toMemory(ref, value), access.i32(lane));
    LLVM::StoreOp::create(rewriter, op.getLoc(), vector, pointer,
                          BufferAccess::vectorBytes(ref, width));
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.atomic_add of one element (a whole tile's is tile-lower-to-gpu's):
/// an atomic add at its address, between the fences its order asks for;
/// outside its tensor (unless marked `inside`) nothing happens.
struct ElementAtomicAdd : AccessPattern<tile::AtomicAddOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::AtomicAddOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    if (op.getIndices().empty())
      return rewriter.notifyMatchFailure(op, "a whole tile's atomic add");
    SmallVector<Value> indices = singleValues(adaptor.getIndices());
    OpBuilder::InsertionGuard guard(rewriter);
    if (ref.scope == tile::MemoryScope::Global && !op.getInside()) {
      // An element outside the tensor is left alone.
      auto ifOp = scf::IfOp::create(rewriter, op.getLoc(), access.inBounds(ref, indices),
                                    /*withElseRegion=*/false);
      rewriter.setInsertionPointToStart(ifOp.thenBlock());
    }
    access.atomicAdd(access.address(ref, indices), adaptor.getValue().front(),
                     op.getMemoryOrder());
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.aligned: the buffer's base address modulo the bytes.
struct AlignedCheck : AccessPattern<tile::AlignedOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::AlignedOp op, Adaptor, const BufferRef &ref, BufferAccess &access,
                        ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, access.isAligned(ref.base, op.getBytes()));
    return success();
  }
};

/// tile.in_bounds: each storage index below its extent.
struct InBoundsCheck : AccessPattern<tile::InBoundsOp> {
  using AccessPattern::AccessPattern;
  LogicalResult rewrite(tile::InBoundsOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, access.inBounds(ref, singleValues(adaptor.getIndices())));
    return success();
  }
};

struct TileConvertAccessesToLLVMPass
    : public tilec::impl::TileConvertAccessesToLLVMBase<TileConvertAccessesToLLVMPass> {
  using TileConvertAccessesToLLVMBase::TileConvertAccessesToLLVMBase;
  void runOnOperation() override {
    gpu::GPUModuleOp module = getOperation();
    MLIRContext *context = module.getContext();
    std::unique_ptr<TargetInfo> target = createTargetInfo(targetName);
    if (!target) {
      module.emitError("tile-convert-accesses-to-llvm: unknown target '")
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
                          tile::InBoundsOp>();
    legality.addDynamicallyLegalOp<tile::AtomicAddOp>(
        [](tile::AtomicAddOp atomic) { return atomic.getIndices().empty(); });
    legality.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(context);
    patterns.add<ElementLoad, ElementStore, SlotLoad, SlotStore, VectorLoad, VectorStore,
                 ElementAtomicAdd, AlignedCheck, InBoundsCheck>(converter, context);
    if (failed(applyPartialConversion(module, legality, std::move(patterns))))
      return signalPassFailure();
    // The buffers' packed values (tile-lower-to-gpu's casts) and the
    // conversion's casts back to their parts are now unused, or cancel.
    SmallVector<UnrealizedConversionCastOp> casts;
    module.walk([&](UnrealizedConversionCastOp cast) { casts.push_back(cast); });
    reconcileUnrealizedCasts(casts);
    // What is left of a buffer is an access no pattern here rewrites.
    WalkResult walk = module.walk([&](UnrealizedConversionCastOp cast) {
      if (!llvm::any_of(cast.getResultTypes(), llvm::IsaPred<tile::BufferType>))
        return WalkResult::advance();
      for (Operation *user : cast->getUsers()) {
        user->emitError("tile-convert-accesses-to-llvm: '")
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
