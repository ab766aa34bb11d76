//===- LowerReduce.cpp - reductions in tile-lower-to-gpu ------------------===//
//
// tile.reduce of a fragment in registers: over a cyclic fragment (each
// thread folds its slots, warps by shuffles, warps combined through scratch
// in shared memory) and along the rows of a wgmma accumulator (quads).
// Reductions of tiles in memory are loops that tile-partition-parallel
// writes.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/KernelLowering.h"

#define DEBUG_TYPE "tile-lower-to-gpu"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

SmallVector<Value> KernelLowering::reducedIndex(const BufferRef &dst, ArrayRef<Value> outIndex,
                                                ArrayRef<int64_t> outShape) {
  return fromSqueezed(dst, scalar::squeeze(outIndex, outShape));
}

void KernelLowering::storeReduced(tile::ReduceOp reduce, const BufferRef &dst, Value output,
                                  ArrayRef<int64_t> outShape, Value result, Type accType) {
  SmallVector<Value> dstIndex = reducedIndex(dst, delinearize(output, outShape), outShape);
  // |x| was applied to the elements already; combine plainly.
  if (!reduce.getClear())
    result = combineReduction(reduce.getKind(), cast(load(dst, dstIndex), accType), result);
  store(dst, dstIndex, castFor(result, dst));
}

bool KernelLowering::lowerLaneGroupReduce(tile::ReduceOp reduce) {
  const BufferRef &src = buffers[reduce.getSource()];
  const BufferRef &dst = buffers[reduce.getTarget()];
  auto layout = dyn_cast_or_null<tile::CyclicLayoutAttr>(
      llvm::cast<tile::BufferType>(reduce.getSource().getType()).getLayout());
  int64_t dim = reduce.getDim();
  int64_t rank = static_cast<int64_t>(src.shape.size());
  if (!layout || dim != rank - 1 || llvm::any_of(src.shape, ShapedType::isDynamic) ||
      dst.inRegisters() || wholePerThread(dst) || layout.getThreads() != partThreads)
    return false;
  int64_t lanes = src.shape[dim], threads = partThreads, total = product(src.shape);
  if (!llvm::isPowerOf2_64(lanes) || lanes > 32 || threads % 32 != 0 || total % threads != 0 ||
      src.elementType.getIntOrFloatBitWidth() > 32)
    return false;
  Type accType = isa<FloatType>(src.elementType) ? Type(b.getF32Type()) : Type(b.getI32Type());
  tile::ReduceKind kind = reduce.getKind();
  SmallVector<int64_t> outShape(src.shape);
  outShape.erase(outShape.begin() + dim);
  OpBuilder::InsertionGuard guard(b);
  if (partBarrierId == 0) // outside its own region the producer sits out
    onlyThreadsBelow(partThreads);
  // Element f = t + s * threads of thread t's slot s: column t mod lanes
  // (lanes divides threads), output t / lanes + s * (threads / lanes).
  Value first = arith::DivUIOp::create(b, loc(), partThreadId, index(lanes));
  Value leader = arith::CmpIOp::create(
      b, loc(), arith::CmpIPredicate::eq,
      arith::RemUIOp::create(b, loc(), partThreadId, index(lanes)), index(0));
  for (int64_t slot = 0; slot < total / threads; ++slot) {
    Value x = reductionElement(kind, cast(loadAt(src, {}, index(slot)), accType));
    for (int64_t offset = lanes / 2; offset >= 1; offset /= 2) {
      Value mask = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), offset);
      x = combineReduction(kind, x, shuffleWords(x, mask, 32, gpu::ShuffleMode::XOR));
    }
    OpBuilder::InsertionGuard storeGuard(b);
    b.setInsertionPointToStart(scf::IfOp::create(b, loc(), leader, false).thenBlock());
    Value output = arith::AddIOp::create(b, loc(), first, index(slot * (threads / lanes)));
    storeReduced(reduce, dst, output, outShape, x, accType);
  }
  return true;
}

LogicalResult KernelLowering::lowerDistributedReduce(tile::ReduceOp reduce) {
  if (lowerLaneGroupReduce(reduce))
    return success();
  const BufferRef &src = buffers[reduce.getSource()];
  const BufferRef &dst = buffers[reduce.getTarget()];
  int64_t dim = reduce.getDim();
  SmallVector<int64_t> shape(src.shape);
  SmallVector<int64_t> outShape(shape);
  outShape.erase(outShape.begin() + dim);
  int64_t numOut = product(outShape), total = product(shape);
  bool isFloat = isa<FloatType>(src.elementType);
  // Partials in f32 or i32, or in the element's own type when it is wider
  // (f64, i64).
  bool wide = src.elementType.getIntOrFloatBitWidth() > 32;
  Type accType = wide      ? src.elementType
                 : isFloat ? Type(b.getF32Type())
                           : Type(b.getI32Type());
  tile::ReduceKind kind = reduce.getKind();
  // Partials combine plainly (|.| applies to elements only).
  auto combine = [&](Value a, Value x) { return combineReduction(kind, a, x); };
  auto identity = [&]() { return reductionIdentity(kind, accType); };
  // 1. Each thread folds the elements it holds into one partial per output.
  Value partials;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(entry);
    Value n = arith::ConstantIntOp::create(b, loc(), b.getI64Type(), numOut);
    partials = LLVM::AllocaOp::create(
        b, loc(), LLVM::LLVMPointerType::get(b.getContext(), privateSpace), accType, n,
        /*alignment=*/16);
  }
  auto partialAt = [&](Value o) {
    return LLVM::GEPOp::create(b, loc(), partials.getType(), accType, partials,
                               ValueRange{toI64(o)});
  };
  {
    auto init = scf::ForOp::create(b, loc(), index(0), index(numOut), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(init.getBody());
    LLVM::StoreOp::create(b, loc(), identity(), partialAt(init.getInductionVar()));
  }
  cooperative(total, [&](Value flat, Value slot) {
    SmallVector<Value> idx = delinearize(flat, shape);
    Value out = index(0);
    for (auto [d, i] : llvm::enumerate(idx))
      if (static_cast<int64_t>(d) != dim)
        out = arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), out, index(shape[d])), i);
    Value x = reductionElement(kind, cast(loadAt(src, {}, slot), accType));
    Value address = partialAt(out);
    Value old = LLVM::LoadOp::create(b, loc(), accType, address);
    LLVM::StoreOp::create(b, loc(), combine(old, x), address);
  }, /*unrolled=*/true);
  // 2. Warp shuffles combine the 32 lanes; lane 0 of each warp writes its
  //    result to shared scratch.
  int64_t warps = numThreadsValue / 32;
  sharedBytes = llvm::alignTo(sharedBytes, 16);
  Value scratchOffset = arith::ConstantIntOp::create(b, loc(), b.getI64Type(), sharedBytes);
  Value scratch = LLVM::GEPOp::create(b, loc(), sharedBase.getType(), b.getI8Type(), sharedBase,
                                      ValueRange{scratchOffset});
  sharedBytes += warps * numOut * accType.getIntOrFloatBitWidth() / 8;
  Value lane = arith::RemUIOp::create(b, loc(), threadId, index(32));
  Value warp = arith::DivUIOp::create(b, loc(), threadId, index(32));
  auto scratchAt = [&](Value w, Value o) {
    Value at = arith::AddIOp::create(b, loc(), arith::MulIOp::create(b, loc(), w, index(numOut)), o);
    return LLVM::GEPOp::create(b, loc(), scratch.getType(), accType, scratch, ValueRange{toI64(at)});
  };
  {
    auto outputs = scf::ForOp::create(b, loc(), index(0), index(numOut), index(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(outputs.getBody());
    Value o = outputs.getInductionVar();
    Value v = LLVM::LoadOp::create(b, loc(), accType, partialAt(o));
    for (int offset = 16; offset >= 1; offset /= 2) {
      Value shift = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), offset);
      v = combine(v, shuffleWords(v, shift, 32, gpu::ShuffleMode::XOR));
    }
    Value first = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq, lane, index(0));
    auto ifOp = scf::IfOp::create(b, loc(), first, false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    LLVM::StoreOp::create(b, loc(), v, scratchAt(warp, o));
  }
  barrier();
  // 3. One thread per output combines the warps and writes the target
  //    (each thread all of them into a local target, its own copy).
  forEachResult(dst, numOut, [&](Value o, Value) {
    auto warpsLoop = scf::ForOp::create(b, loc(), index(0), index(warps), index(1),
                                        ValueRange{identity()});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(warpsLoop.getBody());
      Value part = LLVM::LoadOp::create(b, loc(), accType,
                                        scratchAt(warpsLoop.getInductionVar(), o));
      scf::YieldOp::create(b, loc(), ValueRange{combine(warpsLoop.getRegionIterArgs()[0], part)});
    }
    storeReduced(reduce, dst, o, outShape, warpsLoop.getResult(0), accType);
  });
  return success();
}

LogicalResult KernelLowering::lowerWgmmaReduce(tile::ReduceOp reduce) {
  if (buffers[reduce.getSource()].wgmmaColumnGroups != 1)
    return reduce.emitError("an accumulator whose columns are split over warpgroups is not "
                            "reduced along its rows");
  const BufferRef &src = buffers[reduce.getSource()], &dst = buffers[reduce.getTarget()];
  if (wholePerThread(dst))
    return reduce.emitError("an accumulator's rows are reduced into a fragment or a shared "
                            "buffer, not a local one");
  int64_t groups = src.wgmmaGroups;
  int64_t blocksPerGroup = src.shape[0] / 64 / groups;
  int64_t slotsPerBlock = src.shape[1] / 2;
  bool isFloat = isa<FloatType>(src.elementType);
  Type accType = isFloat ? Type(b.getF32Type()) : Type(b.getI32Type());
  tile::ReduceKind kind = reduce.getKind();
  OpBuilder::InsertionGuard guard(b);
  onlyThreadsBelow(128 * groups);
  Value rowBase = wgmmaOrigin(blocksPerGroup).first;
  // One partial per row this thread holds, indexed like #tile.wgmma_rows.
  SmallVector<Value> partials(2 * blocksPerGroup, reductionIdentity(kind, accType));
  for (int64_t slot = 0; slot < blocksPerGroup * slotsPerBlock; ++slot) {
    Value x = cast(loadAt(src, {}, index(slot)), accType);
    Value &partial = partials[rowSlotOf(slot, slotsPerBlock)];
    partial = combineReduction(kind, partial, reductionElement(kind, x));
  }
  // The four lanes of a quad hold the rest of the row.
  Value width = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 32);
  for (Value &partial : partials)
    for (int offset : {1, 2}) {
      Value shift = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), offset);
      auto shuffle = gpu::ShuffleOp::create(b, loc(), partial, shift, width, gpu::ShuffleMode::XOR);
      partial = combineReduction(kind, partial, shuffle.getShuffleResult());
    }
  if (dst.wgmmaRowGroups) {
    // Every lane of the quad has the row's total: each keeps it.
    for (auto [r, partial] : llvm::enumerate(partials)) {
      Value result = partial;
      if (!reduce.getClear())
        result = combineReduction(kind, cast(loadAt(dst, {}, index(r)), accType), result);
      storeAt(dst, {}, index(r), castFor(result, dst));
    }
    return success();
  }
  auto ifOp = scf::IfOp::create(b, loc(), firstOfQuad(), false);
  b.setInsertionPointToStart(ifOp.thenBlock());
  for (auto [r, partial] : llvm::enumerate(partials)) {
    int64_t block = r / 2, half = r % 2;
    Value row = arith::AddIOp::create(b, loc(), rowBase, index(block * 64 + 8 * half));
    SmallVector<Value> dstIndex = fromSqueezed(dst, {row});
    Value result = partial;
    if (!reduce.getClear())
      result = combineReduction(kind, cast(load(dst, dstIndex), accType), result);
    store(dst, dstIndex, castFor(result, dst));
  }
  return success();
}

LogicalResult KernelLowering::lowerReduce(tile::ReduceOp reduce) {
  if (buffers[reduce.getSource()].wgmmaGroups)
    return lowerWgmmaReduce(reduce);
  if (buffers[reduce.getSource()].distributed)
    return lowerDistributedReduce(reduce);
  return notPartitioned(reduce);
}
