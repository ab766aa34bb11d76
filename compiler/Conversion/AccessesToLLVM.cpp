//===- AccessesToLLVM.cpp - element accesses of tile buffers to LLVM ------===//
//
// tile-convert-to-llvm's patterns for the element accesses tile-lower-to-gpu
// leaves in GPU kernels. Each rewrites its op with BufferAccess, the code
// the whole-tile lowerings address buffers with, so the two cannot disagree
// on where an element lies:
//   - tile.load / tile.store: one element; a tensor element not marked
//     `inside` is guarded (outside reads zero, a write is dropped;
//     `speculative` reads select a constant zero's address instead of
//     branching);
//   - tile.load_slot / tile.store_slot: a register slot of the thread's
//     share of a fragment (two 16-bit elements a word where packed);
//   - tile.load_vector / tile.store_vector: one vector access;
//   - tile.atomic_add of one element: an atomic add between the fences
//     its memory order asks for, guarded at a tensor's edges as a store;
//   - tile.aligned, tile.in_bounds: the checks they stand for;
//   - tile.dim: an extent of the type, or the one bound at launch.
// Nothing here knows a vendor.
//
//===----------------------------------------------------------------------===//

#include "compiler/Conversion/TileToLLVM.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

namespace {

/// Moves the rewriter into a check that the tensor element at `indices`
/// lies inside its tensor, for a write to it that the IR does not show
/// inside (not `inside`); on-chip buffers need none. The caller's
/// insertion guard leaves the check.
void enterIfInside(ConversionPatternRewriter &rewriter, BufferAccess &access,
                   const BufferRef &ref, ArrayRef<Value> indices, bool inside) {
  if (ref.scope != tile::MemoryScope::Global || inside)
    return;
  auto ifOp = scf::IfOp::create(rewriter, access.loc, access.inBounds(ref, indices),
                                /*withElseRegion=*/false);
  rewriter.setInsertionPointToStart(ifOp.thenBlock());
}

/// tile.load and tile.store: one element, guarded at a tensor's edges
/// unless marked `inside`.
struct ElementLoad : BufferOpPattern<tile::LoadOp> {
  using BufferOpPattern::BufferOpPattern;
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

struct ElementStore : BufferOpPattern<tile::StoreOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::StoreOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    if (ref.inRegisters()) // reported before the conversion
      return rewriter.notifyMatchFailure(op, "a register fragment's element");
    SmallVector<Value> indices = singleValues(adaptor.getIndices());
    OpBuilder::InsertionGuard guard(rewriter);
    // A store outside the tensor is dropped.
    enterIfInside(rewriter, access, ref, indices, op.getInside());
    access.store(ref, indices, adaptor.getValue().front());
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.load_slot and tile.store_slot: a register of the thread's share.
struct SlotLoad : BufferOpPattern<tile::LoadSlotOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::LoadSlotOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, access.loadAt(ref, {}, adaptor.getSlot().front()));
    return success();
  }
};

struct SlotStore : BufferOpPattern<tile::StoreSlotOp> {
  using BufferOpPattern::BufferOpPattern;
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
struct VectorLoad : BufferOpPattern<tile::LoadVectorOp> {
  using BufferOpPattern::BufferOpPattern;
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

struct VectorStore : BufferOpPattern<tile::StoreVectorOp> {
  using BufferOpPattern::BufferOpPattern;
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
struct ElementAtomicAdd : BufferOpPattern<tile::AtomicAddOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::AtomicAddOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    if (op.getIndices().empty())
      return rewriter.notifyMatchFailure(op, "a whole tile's atomic add");
    SmallVector<Value> indices = singleValues(adaptor.getIndices());
    OpBuilder::InsertionGuard guard(rewriter);
    // An element outside the tensor is left alone.
    enterIfInside(rewriter, access, ref, indices, op.getInside());
    access.atomicAdd(access.address(ref, indices), adaptor.getValue().front(),
                     op.getMemoryOrder());
    rewriter.eraseOp(op);
    return success();
  }
};

/// tile.aligned: the buffer's base address modulo the bytes.
struct AlignedCheck : BufferOpPattern<tile::AlignedOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::AlignedOp op, Adaptor, const BufferRef &ref, BufferAccess &access,
                        ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, access.isAligned(ref.base, op.getBytes()));
    return success();
  }
};

/// tile.in_bounds: each storage index below its extent.
struct InBoundsCheck : BufferOpPattern<tile::InBoundsOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::InBoundsOp op, Adaptor adaptor, const BufferRef &ref,
                        BufferAccess &access, ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, access.inBounds(ref, singleValues(adaptor.getIndices())));
    return success();
  }
};

/// tile.dim: the extent the type gives, or the one bound at launch.
struct DimQuery : BufferOpPattern<tile::DimOp> {
  using BufferOpPattern::BufferOpPattern;
  LogicalResult rewrite(tile::DimOp op, Adaptor, const BufferRef &ref, BufferAccess &access,
                        ConversionPatternRewriter &rewriter) const override {
    int64_t dim = op.getIndex();
    int64_t extent = ref.shape[dim];
    rewriter.replaceOp(op, ShapedType::isDynamic(extent) ? ref.storageDims[ref.kept[dim]]
                                                         : access.index(extent));
    return success();
  }
};

} // namespace

void tilec::lowering::populateAccessPatterns(BufferTypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<ElementLoad, ElementStore, SlotLoad, SlotStore, VectorLoad, VectorStore,
               ElementAtomicAdd, AlignedCheck, InBoundsCheck, DimQuery>(converter,
                                                                        patterns.getContext());
}
