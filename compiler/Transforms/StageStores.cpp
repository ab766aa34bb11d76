//===- StageStores.cpp - accumulator stores staged on chip ----------------===//
//
// Rewrites a copy of a whole tensor-core accumulator into a window of a
// tensor as a copy into a swizzled shared tile and a copy of that tile into
// the window (stmatrix, then one TMA store), where the shared memory the
// kernel already needs has room for the tile (see TileStageStores in
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-stage-stores"

namespace tilec {
#define GEN_PASS_DEF_TILESTAGESTORES
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

/// The swizzle span a staging tile of `type`'s rows takes for stmatrix and a
/// TMA store, or 0 when the tile does not qualify: 16-bit elements, 8 to
/// 256 rows (a multiple of 8), rows a whole number of 32-, 64- or 128-byte
/// spans.
static int64_t stagingSwizzle(tile::BufferType type) {
  ArrayRef<int64_t> shape = type.getShape();
  Type element = type.getElementType();
  if (shape.size() != 2 || !element.isIntOrFloat() || element.getIntOrFloatBitWidth() != 16 ||
      shape[0] % 8 != 0 || shape[0] > 256 || ShapedType::isDynamic(shape[1]))
    return 0;
  return tile::widestSwizzle(shape[1] * 2);
}

/// Whether `copy` moves a whole accumulator in the tensor-core layout into
/// a 2-D window of a tensor parameter that a TMA store could write.
static bool isAccumulatorStore(tile::CopyOp copy) {
  auto source = copy.getSource().getDefiningOp<tile::AllocOp>();
  auto window = copy.getTarget().getDefiningOp<tile::RegionOp>();
  if (!source || !window || !isa<BlockArgument>(window.getSource()) ||
      !isa_and_nonnull<tile::WgmmaLayoutAttr>(tile::getLayout(source)))
    return false;
  auto target = cast<tile::BufferType>(copy.getTarget().getType());
  auto tensor = cast<tile::BufferType>(window.getSource().getType());
  SmallVector<unsigned> kept = target.getStorageDims();
  return target.getScope() == tile::MemoryScope::Global && kept.size() == 2 &&
         kept[1] == tensor.getShape().size() - 1 &&
         source.getType().getShape() == target.getShape() && stagingSwizzle(target) != 0;
}

/// The shortest rows worth a bulk reduction each.
constexpr int64_t kMinBulkRowBytes = 512;

/// Whether `atomic` adds a whole float32 accumulator in the tensor-core
/// layout into a 2-D window of a float32 tensor whose rows are contiguous
/// and 16-byte multiples long: staged in shared memory, each row is one bulk
/// reduction of the copy engine instead of an atomic per pair of elements.
/// Rows of at least 512 bytes: on an H100 FlashAttention's backward ran
/// 1.17-1.28x faster with dQ added this way at head dim 128, and 1.17x
/// slower than with paired atomics at 64 (256-byte rows).
static bool isAccumulatorAtomicAdd(tile::AtomicAddOp atomic) {
  auto source = atomic.getValue().getDefiningOp<tile::AllocOp>();
  auto window = atomic.getTarget().getDefiningOp<tile::RegionOp>();
  if (!source || !window || !atomic.getIndices().empty() ||
      atomic.getMemoryOrder() != tile::MemoryOrder::Relaxed ||
      !isa_and_nonnull<tile::WgmmaLayoutAttr>(tile::getLayout(source)))
    return false;
  auto accumulator = source.getType();
  auto target = cast<tile::BufferType>(atomic.getTarget().getType());
  auto tensor = cast<tile::BufferType>(window.getSource().getType());
  SmallVector<unsigned> kept = target.getStorageDims();
  return target.getScope() == tile::MemoryScope::Global && kept.size() == 2 &&
         kept[1] == tensor.getShape().size() - 1 && accumulator.getElementType().isF32() &&
         target.getElementType().isF32() &&
         tile::withoutUnitDims(accumulator.getShape()) == tile::withoutUnitDims(target.getShape()) &&
         accumulator.getShape().size() == 2 && (accumulator.getShape()[1] * 4) % 16 == 0 &&
         accumulator.getShape()[1] * 4 >= kMinBulkRowBytes;
}

namespace {
struct TileStageStoresPass : public tilec::impl::TileStageStoresBase<TileStageStoresPass> {
  using TileStageStoresBase::TileStageStoresBase;

  void runOnOperation() override {
    getOperation().walk([&](tile::LaunchOp launch) {
      Block &body = launch.getBody().front();
      SmallVector<tile::CopyOp> stores;
      launch.walk([&](tile::CopyOp copy) {
        if (isAccumulatorStore(copy))
          stores.push_back(copy);
      });
      if (stores.empty())
        return;
      int64_t budget = planSharedMemory(body);
      // A persistent launch's epilogue overlaps the next tile's loads: its
      // staging tile has bytes of its own, which it may take while a block
      // fits and the SM holds as many blocks.
      bool persistent = false;
      launch.walk([&](tile::WarpSpecializeOp specialize) {
        persistent |= specialize.getPersistent();
      });
      for (tile::CopyOp store : stores) {
        auto type = cast<tile::BufferType>(store.getTarget().getType());
        MLIRContext *ctx = store.getContext();
        OpBuilder b(&body, body.begin());
        auto staging = tile::AllocOp::create(
            b, store.getLoc(),
            tile::BufferType::get(ctx, type.getShape(), type.getElementType(),
                                  tile::MemoryScope::Shared,
                                  tile::SwizzleLayoutAttr::get(ctx, stagingSwizzle(type))));
        b.setInsertionPoint(store);
        auto toShared = tile::CopyOp::create(b, store.getLoc(), store.getSource(), staging);
        auto toTensor = tile::CopyOp::create(b, store.getLoc(), staging, store.getTarget());
        // Only where bytes no other buffer needs then hold the tile: the
        // kernel's shared memory does not grow (a GEMM's pipeline stages
        // are dead by its epilogue), or, persistent, it still fits.
        int64_t needed = planSharedMemory(body);
        bool fits = needed <= budget ||
                    (persistent && needed <= maxSharedBytes &&
                     blocksPerSM(needed) >= std::max<int64_t>(blocksPerSM(budget), 1));
        if (!fits) {
          LLVM_DEBUG(llvm::dbgs() << "not staged (" << needed << " > " << budget
                                  << " bytes): " << store << "\n");
          toTensor.erase();
          toShared.erase();
          staging.erase();
          continue;
        }
        LLVM_DEBUG(llvm::dbgs() << "staged: " << store << "\n");
        store.erase();
      }
      planSharedMemory(body); // the offsets of what stayed
    });
    getOperation().walk([&](tile::LaunchOp launch) { stageAtomicAdds(launch); });
  }

  /// Atomic adds of accumulators through a shared tile, where the SM keeps
  /// as many blocks as before (and the block fits its limit).
  void stageAtomicAdds(tile::LaunchOp launch) {
    if (sharedPerSM <= 0)
      return;
    Block &body = launch.getBody().front();
    SmallVector<tile::AtomicAddOp> adds;
    launch.walk([&](tile::AtomicAddOp atomic) {
      if (isAccumulatorAtomicAdd(atomic))
        adds.push_back(atomic);
    });
    int64_t before = planSharedMemory(body);
    for (tile::AtomicAddOp atomic : adds) {
      ArrayRef<int64_t> shape = cast<tile::BufferType>(atomic.getValue().getType()).getShape();
      MLIRContext *ctx = atomic.getContext();
      Location loc = atomic.getLoc();
      OpBuilder b(&body, body.begin());
      // Rows 8 floats (32 bytes) longer than the tile's: a warp's stores of
      // accumulator pairs (8 rows x 4 threads) meet every bank twice, the
      // fewest 64 words can.
      auto staging = tile::AllocOp::create(
          b, loc,
          tile::BufferType::get(ctx, {shape[0], shape[1] + 8}, b.getF32Type(),
                                tile::MemoryScope::Shared, Attribute()));
      b.setInsertionPoint(atomic);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      auto tile = tile::RegionOp::create(b, loc, staging, ValueRange{zero, zero},
                                         ArrayRef<int64_t>(shape), ArrayRef<int64_t>(shape));
      auto toShared = tile::CopyOp::create(b, loc, atomic.getValue(), tile);
      Value accumulator = atomic.getValue();
      atomic.getValueMutable().assign(tile);
      int64_t after = planSharedMemory(body);
      if (after > maxSharedBytes ||
          blocksPerSM(after, sharedPerSM, reservedPerBlock) <
              blocksPerSM(before, sharedPerSM, reservedPerBlock)) {
        LLVM_DEBUG(llvm::dbgs() << "atomic add not staged (" << after << " bytes)\n");
        atomic.getValueMutable().assign(accumulator);
        toShared.erase();
        tile.erase();
        zero.getDefiningOp()->erase();
        staging.erase();
        continue;
      }
      LLVM_DEBUG(llvm::dbgs() << "atomic add staged: " << atomic << "\n");
      before = after;
    }
    planSharedMemory(body); // the offsets of what stayed
  }
};
} // namespace
