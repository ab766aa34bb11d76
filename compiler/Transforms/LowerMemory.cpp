//===- LowerMemory.cpp - buffers and element accesses in tile-lower-to-gpu --===//
//
// Views of buffers (tile.region, tile.view) and the whole-tile atomic adds
// that add many elements a step (bulk reductions, vector pairs), in
// tile-lower-to-gpu; element accesses and the other per-thread ops go into
// the kernel as they are, for tile-convert-to-llvm.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/KernelLowering.h"
#include "dialects/Tile/IndexRanges.h"

#define DEBUG_TYPE "tile-lower-to-gpu"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

LogicalResult KernelLowering::lowerRegion(tile::RegionOp region) {
  // The types say where the view lies: each source dimension's storage
  // dimension takes its offset, the result's window names the storage
  // dimensions the view runs along.
  const BufferRef &source = buffers[region.getSource()];
  tile::BufferType sourceType = region.getSource().getType();
  assert(source.storageDims.size() == sourceType.getStorageShape().size() &&
         "a buffer's storage rank is its type's");
  BufferRef ref = describe(region.getType());
  ref.base = source.base;
  ref.storageDims = source.storageDims;
  ref.strides = source.strides;
  ref.offsets = source.offsets;
  for (auto [storageDim, offset] : llvm::zip(sourceType.getStorageDims(), region.getOffsets()))
    // Folded, so that constant windows stay recognizably constant.
    ref.offsets[storageDim] =
        b.createOrFold<arith::AddIOp>(loc(), ref.offsets[storageDim], mapping.lookup(offset));
  bindBuffer(region.getResult(), ref);
  return success();
}

LogicalResult KernelLowering::lowerView(tile::ViewOp view) {
  // The tensor's elements in row-major order with the view's extents; its
  // first extent is cut to what the tensor holds, so that accesses past
  // the tensor's elements are outside the view (read 0, dropped).
  const BufferRef &source = buffers[view.getSource()];
  BufferRef ref = describe(view.getType());
  ref.base = source.base;
  auto dynamicExtent = view.getDynamicExtents().begin();
  for (int64_t extent : ref.shape)
    ref.storageDims.push_back(ShapedType::isDynamic(extent) ? mapping.lookup(*dynamicExtent++)
                                                            : index(extent));
  Value elements = index(1), rest = index(1);
  for (Value dim : source.storageDims)
    elements = arith::MulIOp::create(b, loc(), elements, dim);
  for (Value dim : ArrayRef<Value>(ref.storageDims).drop_front())
    rest = arith::MulIOp::create(b, loc(), rest, dim);
  ref.storageDims[0] = arith::MinSIOp::create(
      b, loc(), ref.storageDims[0], arith::DivSIOp::create(b, loc(), elements, rest));
  ref.strides.assign(ref.shape.size(), Value());
  Value stride = index(1);
  for (int d = static_cast<int>(ref.shape.size()) - 1; d >= 0; --d) {
    ref.strides[d] = stride;
    stride = arith::MulIOp::create(b, loc(), stride, ref.storageDims[d]);
  }
  ref.offsets.assign(ref.shape.size(), index(0));
  bindBuffer(view.getResult(), ref);
  return success();
}

void KernelLowering::bindBuffer(Value buffer, const BufferRef &ref) {
  buffers[buffer] = ref;
  mapping.map(buffer, packBuffer(b, loc(), ref, llvm::cast<tile::BufferType>(buffer.getType())));
}

LogicalResult KernelLowering::keepForConversion(Operation *op) {
  Operation *kept = b.clone(*op, mapping);
  auto markInside = [&](auto access, Value tensor) {
    if (llvm::cast<tile::BufferType>(tensor.getType()).getScope() == tile::MemoryScope::Global &&
        !access.getInside() && tile::provablyInBounds(op, tensor, access.getIndices())) {
      LLVM_DEBUG(llvm::dbgs() << "inside: " << *op << "\n");
      llvm::cast<decltype(access)>(kept).setInside(true);
    }
  };
  if (auto load = dyn_cast<tile::LoadOp>(op))
    markInside(load, load.getBuffer());
  else if (auto store = dyn_cast<tile::StoreOp>(op))
    markInside(store, store.getBuffer());
  else if (auto atomic = dyn_cast<tile::AtomicAddOp>(op))
    markInside(atomic, atomic.getTarget());
  return success();
}

LogicalResult KernelLowering::lowerAtomicAdd(tile::AtomicAddOp atomic) {
  if (!atomic.getIndices().empty())
    return keepOnItsThread(atomic);
  // tile-partition-parallel wrote the other whole-tile adds (any with a
  // memory order among them) as loops of element adds; what reaches here
  // is relaxed and may add many elements a step, and adds them one by one
  // where the target or the data does not allow it.
  if (atomic.getMemoryOrder() != tile::MemoryOrder::Relaxed)
    return notPartitioned(atomic);
  auto add = [&](Value ptr, Value value) {
    access().atomicAdd(ptr, value, tile::MemoryOrder::Relaxed);
  };
  const BufferRef &dst = buffers[atomic.getTarget()];
  const BufferRef &src = buffers[atomic.getValue()];
  // Element `index` of the tile (its unit dimensions left out), in the
  // register slot `slot` where the tile is in registers; dropped outside
  // the target.
  auto addElement = [&](ArrayRef<Value> index, Value slot) {
    SmallVector<Value> si = fromSqueezed(src, index), di = fromSqueezed(dst, index);
    Value value = castFor(loadAt(src, si, slot), dst);
    auto ifOp = scf::IfOp::create(b, loc(), inBounds(dst, di), false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    add(address(dst, di), value);
  };
  if (tma && reducesInBulk(src, dst)) {
    // A float32 shared tile whose rows are contiguous 16-byte multiples:
    // each row added by the copy engine in one bulk reduction (rows
    // spread over the threads), where it lies whole inside the tensor and
    // both ends are 16-byte aligned; other rows element by element. The
    // issuers wait until the engine has read the tile, which may then be
    // written again past the next barrier.
    SmallVector<int64_t> shape = tile::withoutUnitDims(src.shape);
    int64_t rows = shape[0], columns = shape[1];
    cooperative(rows, [&](Value row, Value slot) {
      SmallVector<Value> first = fromSqueezed(dst, {row, index(0)});
      SmallVector<Value> last = fromSqueezed(dst, {row, index(columns - 1)});
      Value target = address(dst, first);
      Value source = address(src, fromSqueezed(src, {row, index(0)}));
      Value whole = arith::AndIOp::create(b, loc(), insideAndAligned(dst, first, last, target, 16),
                                          isAligned(source, 16));
      auto ifOp = scf::IfOp::create(b, loc(), whole, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      targetInfo.bulkReduceAddF32(b, loc(), target, source, columns * 4);
      b.setInsertionPointToStart(ifOp.elseBlock());
      auto loop = scf::ForOp::create(b, loc(), index(0), index(columns), index(1));
      b.setInsertionPointToStart(loop.getBody());
      addElement({row, loop.getInductionVar()}, slot);
    });
    targetInfo.tensorStoreCommitGroup(b, loc());
    targetInfo.tensorStoreWaitAll(b, loc(), /*sourcesRead=*/true);
    return success();
  }
  if (src.wgmmaGroups && vectorAtomics &&
      src.elementType.isF32() && dst.elementType.isF32() && dst.scope == tile::MemoryScope::Global &&
      lastDimContiguous(dst)) {
    // Each thread holds pairs of neighbouring columns (slots 2s, 2s + 1):
    // one vector reduction a pair where both lie inside the tensor and the
    // address is 8-byte aligned, else one add each.
    SmallVector<Value> firstOfPair;
    forEachOwned(src, [&](ArrayRef<Value> index, Value slot) {
      if (firstOfPair.empty()) {
        firstOfPair = {index[0], index[1], slot};
        return;
      }
      SmallVector<Value> first = fromSqueezed(dst, {firstOfPair[0], firstOfPair[1]});
      SmallVector<Value> second = fromSqueezed(dst, index);
      Value low = loadAt(src, {firstOfPair[0], firstOfPair[1]}, firstOfPair[2]);
      Value high = loadAt(src, index, slot);
      Value pointer = address(dst, first);
      auto ifOp = scf::IfOp::create(b, loc(), insideAndAligned(dst, first, second, pointer, 8),
                                    /*withElseRegion=*/true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      targetInfo.atomicAddFloatPair(b, loc(), pointer, low, high);
      b.setInsertionPointToStart(ifOp.elseBlock());
      addElement({firstOfPair[0], firstOfPair[1]}, firstOfPair[2]);
      addElement(index, slot);
      firstOfPair.clear();
    });
    return success();
  }
  if (src.wgmmaGroups) {
    // An accumulator: each thread adds the elements it holds.
    forEachOwned(src, addElement);
    return success();
  }
  SmallVector<int64_t> shape = tile::withoutUnitDims(src.shape);
  cooperative(product(shape), [&](Value flat, Value slot) {
    addElement(delinearize(flat, shape), slot);
  }, src.inRegisters());
  return success();
}
