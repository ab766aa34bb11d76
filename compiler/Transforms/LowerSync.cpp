//===- LowerSync.cpp - synchronization in tile-lower-to-gpu -----------------===//
//
// Block and warpgroup barriers, asynchronous-copy groups and mbarrier
// phases (commits, waits, arrivals) of the software pipeline, in
// tile-lower-to-gpu.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/KernelLowering.h"

#define DEBUG_TYPE "tile-lower-to-gpu"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

LogicalResult KernelLowering::lowerAsyncCommit(tile::AsyncCommitOp commit) {
  if (inProducer) {
    // The consumers wait on the barrier: thread 0's arrival after its
    // TMA copies, or every producer thread's once its cp.async copies land.
    Value bar = barrierAddress(commit.getBarriers(), mapping.lookup(commit.getSlot()));
    auto viaCpAsync = [&] { targetInfo.asyncCopyArriveOnBarrier(b, loc(), bar); };
    if (!tmaReady || !tmaOnlyBarriers.count(commit.getBarriers())) {
      viaCpAsync();
      return success();
    }
    auto ifOp = scf::IfOp::create(b, loc(), tmaReady, true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    inFirstThread([&] { targetInfo.mbarrierArrive(b, loc(), bar); });
    b.setInsertionPointToStart(ifOp.elseBlock());
    viaCpAsync();
    return success();
  }
  if (asyncCopies)
    targetInfo.asyncCopyCommitGroup(b, loc());
  if (tmaReady) {
    // The group's TMA copies said how many bytes to expect; the arrival
    // completes the phase once they have landed.
    auto ifOp = scf::IfOp::create(b, loc(), tmaReady, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value bar = barrierAddress(commit.getBarriers(), mapping.lookup(commit.getSlot()));
    inFirstThread([&] { targetInfo.mbarrierArrive(b, loc(), bar); });
  }
  return success();
}

LogicalResult KernelLowering::lowerAsyncWait(tile::AsyncWaitOp wait) {
  auto waitGroups = [&] {
    if (asyncCopies)
      targetInfo.asyncCopyWaitGroup(b, loc(), wait.getPending());
    // cp.async writes through the generic proxy; a wgmma may read the
    // tiles through the async one: each writer fences before the barrier.
    if (asyncCopies && tma)
      targetInfo.fenceSharedForAsyncProxy(b, loc());
    barrier();
  };
  if (!tmaReady) {
    waitGroups();
    return success();
  }
  bool tmaOnly = tmaOnlyBarriers.count(wait.getBarriers());
  auto ifOp = scf::IfOp::create(b, loc(), tmaReady, /*withElseRegion=*/tmaOnly);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    waitForPhase(wait.getBarriers(), wait.getSlot(), wait.getPhase());
    if (tmaOnly) {
      // Every thread saw the phase complete: the tiles are visible to it.
      b.setInsertionPointToStart(ifOp.elseBlock());
      waitGroups();
    }
  }
  if (!tmaOnly)
    waitGroups();
  return success();
}

LogicalResult KernelLowering::lowerBarrier(tile::BarrierOp barrierOp) {
  if (barrierOp.getAsyncProxy()) // before the barrier: every writer fences
    targetInfo.fenceSharedForAsyncProxy(b, loc());
  if (!barrierOp.getWarpgroup()) {
    barrier();
    return success();
  }
  // Named barrier kFirstWarpgroupBarrier + w of warpgroup w's 128 threads.
  auto i32 = [&](Value v) { return arith::IndexCastOp::create(b, loc(), b.getI32Type(), v); };
  Value id = arith::AddIOp::create(b, loc(), arith::DivUIOp::create(b, loc(), threadId, index(128)),
                                   index(kFirstWarpgroupBarrier));
  targetInfo.namedBarrierSync(b, loc(), i32(id), i32(index(128)));
  return success();
}

LogicalResult KernelLowering::lowerBarrierWait(tile::BarrierWaitOp wait) {
  if (!producerIssuesAlone) {
    waitForPhase(wait.getBarriers(), wait.getSlot(), wait.getPhase());
    return success();
  }
  // With TMA on, only thread 0 of the producer waits for a free slot. A
  // parity wait tells a phase from the one two later only while the
  // waiter keeps up: the other producer threads arrive on no barrier, so
  // nothing holds the slots' phases back for them, and one left behind by
  // two phases would wait for a phase that never completes (the block
  // would hang, as seen with two blocks sharing an SM).
  Value issuer = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq, partThreadId,
                                       index(0));
  auto ifOp = scf::IfOp::create(
      b, loc(), arith::OrIOp::create(b, loc(), issuer, negated(tmaReady)), false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  waitForPhase(wait.getBarriers(), wait.getSlot(), wait.getPhase());
  return success();
}

void KernelLowering::waitForPhase(Value barriers, Value slot, Value phase) {
  Value bar = barrierAddress(barriers, mapping.lookup(slot));
  Value parity = arith::IndexCastOp::create(b, loc(), b.getI32Type(), mapping.lookup(phase));
  // A suspend-time hint (ns) for each try; the op loops until the phase is done.
  Value ticks = arith::ConstantIntOp::create(b, loc(), b.getI32Type(), 10000000);
  targetInfo.mbarrierWaitParity(b, loc(), bar, parity, ticks);
}

void KernelLowering::onlyThreadsBelow(int64_t count) {
  // The consumers of a warp-specialized block count from thread 0 (the
  // producer's threads come after them).
  if ((inProducer ? blockThreads : threadsOfPart()) <= count)
    return;
  Value below = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::ult, threadId, index(count));
  auto ifOp = scf::IfOp::create(b, loc(), below, false);
  b.setInsertionPointToStart(ifOp.thenBlock());
}

void KernelLowering::inFirstThread(function_ref<void()> body) {
  Value first = arith::CmpIOp::create(b, loc(), arith::CmpIPredicate::eq, partThreadId, index(0));
  auto ifOp = scf::IfOp::create(b, loc(), first, false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  body();
}

Value KernelLowering::barrierAddress(Value barriers, Value slot) {
  const BufferRef &ref = buffers[barriers];
  return LLVM::GEPOp::create(b, loc(), ref.base.getType(), b.getI64Type(), ref.base,
                             ValueRange{toI64(slot)});
}
