//===- LowerGemmWaits.cpp - where wgmma gemms are waited for --------------===//
//
// With `wgmma-overlap` a wgmma gemm is committed as a group and left in
// flight; the lowering waits for it (wgmma.wait_group with the newer groups
// still allowed in flight) only before the first op that depends on it:
//   - an op that reads or writes its accumulator;
//   - an op that writes its A in registers, or shared memory its A or B is
//     read from;
//   - a block-wide barrier after which other threads may write that shared
//     memory before they meet the next barrier (they would overwrite what
//     this thread's tensor cores still read);
//   - an op this analysis does not know (synchronization other than
//     barriers and mbarrier waits, control flow around gemms or such ops),
//     and the end of the block that issued it.
// Control flow whose ops the analysis knows depends on what they depend on:
// an `scf.if` masking the scores waits for the gemm that computes them, not
// for one in flight beside it. A stage release (tile.barrier_arrive, after
// which the producer may refill the stage) is held back, not waited for: it
// goes out at the wait its gemm's results need anyway, so a consumer loop
// can keep its last gemm in flight while it computes (tile-rotate-gemms
// builds such loops).
// Until then the accumulator's slots hold their old values: every reader is
// behind a wait. The waited values pass through the wait itself, so nothing
// that reads them is scheduled before it.
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/Transforms/KernelLowering.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <limits>

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

using ByteRanges = ArrayRef<std::pair<int64_t, int64_t>>;

std::pair<int64_t, int64_t> lowering::sharedRangeOf(Value buffer) {
  auto alloc = buffer.getDefiningOp<tile::AllocOp>();
  if (!alloc || !isOnChip(alloc))
    return {0, 0};
  std::optional<int64_t> offset = alloc.getSharedOffset();
  if (!offset)
    return {0, std::numeric_limits<int64_t>::max()};
  return {*offset, *offset + bufferBytes(alloc.getType())};
}

/// Whether the bytes `range` of shared memory meet any of `ranges`.
static bool overlap(std::pair<int64_t, int64_t> range, ByteRanges ranges) {
  for (auto [first, end] : ranges)
    if (range.first < end && first < range.second)
      return true;
  return false;
}

/// Whether `op` or an op inside it may write shared bytes of `ranges`.
static bool writesShared(Operation *op, ByteRanges ranges) {
  WalkResult result = op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (isa<tile::BufferType>(operand.getType()) && tile::operandUses(inner, operand).written &&
          overlap(sharedRangeOf(tile::viewedBuffer(operand)), ranges))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Whether the dependence of `op` on gemms in flight follows from the
/// buffers it reads and writes (and the shared memory those views cover).
static bool isKnownTileOp(Operation *op) {
  return isa<tile::ParallelOp, tile::PerThreadOp, tile::LoadSlotOp, tile::StoreSlotOp,
             tile::LoadVectorOp, tile::StoreVectorOp, tile::AlignedOp, tile::InBoundsOp, tile::CopyOp, tile::ConvertLayoutOp, tile::FillOp, tile::GemmOp,
             tile::ReduceOp, tile::AtomicAddOp, tile::CopyAsyncOp, tile::AsyncCommitOp,
             tile::AsyncWaitOp, tile::LoadOp, tile::StoreOp, tile::RegionOp, tile::ViewOp,
             tile::DimOp, tile::ThreadIdOp, tile::BarrierWaitOp>(op);
}

bool KernelLowering::mayDeferWgmma(tile::GemmOp gemm, int64_t warpgroups) const {
  // Only where every thread of the block, or of the consumers of a
  // warp-specialized one, issued it (no thread guard to leave), and outside
  // warpgroup turns.
  auto turnAt = [&](Operation *op) { return isa_and_nonnull<tile::WarpgroupTurnOp>(op); };
  return wgmmaOverlap && parallelDepth == 0 && !inProducer &&
         threadsOfPart() <= 128 * warpgroups && !turnAt(gemm->getPrevNode()) &&
         !turnAt(gemm->getNextNode());
}

/// The shared bytes that other threads may overwrite once the arrivals of
/// `release` have released their stages: those of the copies a
/// warp-specialized producer issues after waiting on the same barriers; all
/// of shared memory where that is not known.
static SmallVector<std::pair<int64_t, int64_t>> bytesReleasedBy(Operation *release) {
  SmallVector<std::pair<int64_t, int64_t>> ranges;
  auto specialize = release->getParentOfType<tile::WarpSpecializeOp>();
  release->walk([&](tile::BarrierArriveOp arrive) {
    size_t before = ranges.size();
    Value waitedOn;
    if (specialize)
      specialize.getProducer().walk<WalkOrder::PreOrder>([&](Operation *op) {
        if (auto wait = dyn_cast<tile::BarrierWaitOp>(op))
          waitedOn = wait.getBarriers();
        else if (auto copy = dyn_cast<tile::CopyAsyncOp>(op);
                 copy && waitedOn == arrive.getBarriers())
          ranges.push_back(sharedRangeOf(tile::viewedBuffer(copy.getTarget())));
      });
    if (ranges.size() == before)
      ranges.push_back({0, std::numeric_limits<int64_t>::max()});
  });
  return ranges;
}

bool KernelLowering::isRelease(Operation *op) {
  if (isa<tile::BarrierArriveOp>(op))
    return true;
  auto ifOp = dyn_cast<scf::IfOp>(op);
  if (!ifOp || ifOp.getNumResults() != 0 || !ifOp.getElseRegion().empty())
    return false;
  return llvm::all_of(ifOp.thenBlock()->without_terminator(),
                      [](Operation &inner) { return isa<tile::BarrierArriveOp>(inner); });
}

bool KernelLowering::isPreviousIterationRelease(Operation *op) {
  if (!isRelease(op))
    return false;
  WalkResult plain = op->walk([](tile::BarrierArriveOp arrive) {
    return arrive.getOfPreviousIteration() ? WalkResult::advance() : WalkResult::interrupt();
  });
  return !plain.wasInterrupted();
}

KernelLowering::PendingWgmma KernelLowering::pendingEntryOf(tile::GemmOp gemm) {
  PendingWgmma pending;
  pending.issue = deferredWgmmas++;
  pending.accumulator = gemm.getC();
  pending.accumulatorBuffer = tile::viewedBuffer(gemm.getC());
  for (Value operand : {gemm.getA(), gemm.getB()})
    if (!buffers[operand].inRegisters())
      pending.sharedReads.push_back(sharedRangeOf(tile::viewedBuffer(operand)));
    else
      pending.registerOperand = tile::viewedBuffer(operand);
  return pending;
}

SmallVector<Value> KernelLowering::accumulatorStructs(const BufferRef &c) {
  int64_t blocks = c.shape[0] / 64 / c.wgmmaGroups, slotsPerBlock = c.wgmmaColumns() / 2;
  auto structType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(slotsPerBlock, b.getF32Type()));
  SmallVector<Value> structs;
  for (int64_t block = 0; block < blocks; ++block) {
    Value acc = LLVM::UndefOp::create(b, loc(), structType);
    for (int64_t s = 0; s < slotsPerBlock; ++s)
      acc = LLVM::InsertValueOp::create(b, loc(), acc,
                                        loadAt(c, {}, index(block * slotsPerBlock + s)),
                                        ArrayRef<int64_t>{s});
    structs.push_back(acc);
  }
  return structs;
}

void KernelLowering::storeAccumulatorStructs(const BufferRef &c, ArrayRef<Value> structs) {
  for (auto [block, acc] : llvm::enumerate(structs)) {
    int64_t width = llvm::cast<LLVM::LLVMStructType>(acc.getType()).getBody().size();
    for (int64_t s = 0; s < width; ++s)
      storeAt(c, {}, index(block * width + s),
              LLVM::ExtractValueOp::create(b, loc(), acc, ArrayRef<int64_t>{s}));
  }
}

tile::GemmOp KernelLowering::carriedGemm(scf::ForOp loop) {
  if (!wgmmaOverlap || parallelDepth > 0 || inProducer)
    return {};
  Block *body = loop.getBody();
  bool releasesLate = llvm::any_of(*body, [](Operation &op) {
    return isPreviousIterationRelease(&op);
  });
  SmallVector<tile::GemmOp> gemms;
  loop.walk([&](tile::GemmOp gemm) { gemms.push_back(gemm); });
  if (!releasesLate || gemms.size() != 1 || gemms.front()->getBlock() != body)
    return {};
  tile::GemmOp gemm = gemms.front();
  // The accumulator outlives the loop (the wait after it writes its slots).
  if (!loop.isDefinedOutsideOfLoop(gemm.getC()) || !tile::runsOnWgmma(gemm.getC()) ||
      gemm.getClearAccum() || !buffers.count(gemm.getC()))
    return {};
  const BufferRef &c = buffers[gemm.getC()];
  if (!c.wgmmaGroups || !mayDeferWgmma(gemm, c.wgmmaWarpgroups()))
    return {};
  return gemm;
}

void KernelLowering::beginCarryingLoop(scf::ForOp loop, tile::GemmOp gemm) {
  // Each iteration starts with the previous one's gemm in flight (in the
  // first nothing is, and the wait for it returns at once): this
  // iteration's gemm chains onto it, the late releases wait for it.
  PendingWgmma carried = pendingEntryOf(gemm);
  carried.chainedGemm = gemm;
  carriedIssue = carried.issue;
  pendingWgmmas.push_back(std::move(carried));
  carryingBody = loop.getBody();
}

void KernelLowering::endCarryingLoop(scf::ForOp loop, tile::GemmOp gemm) {
  // After the loop the last gemm is in flight, its values in the slots: the
  // wait that what reads them needs writes them back.
  currentLoc = loop.getLoc();
  PendingWgmma last = pendingEntryOf(gemm);
  last.results = accumulatorStructs(buffers[gemm.getC()]);
  pendingWgmmas.push_back(std::move(last));
}

bool KernelLowering::carryIntoNextIteration() {
  // What this iteration issued: its gemm, or nothing if something waited
  // for it already; a release held back for it could not go out.
  if (llvm::any_of(heldReleases,
                   [&](const HeldRelease &held) { return held.issue >= carriedIssue; }))
    return false;
  auto first = llvm::find_if(pendingWgmmas, [&](const PendingWgmma &pending) {
    return pending.issue >= carriedIssue;
  });
  auto issued = llvm::make_filter_range(
      llvm::make_range(first, pendingWgmmas.end()),
      [&](const PendingWgmma &pending) { return pending.issue > carriedIssue; });
  // The body's one gemm (carriedGemm): at most one entry.
  for (const PendingWgmma &pending : issued)
    storeAccumulatorStructs(buffers[pending.accumulator], pending.results);
  pendingWgmmas.erase(first, pendingWgmmas.end());
  return true;
}

void KernelLowering::lowerPreviousIterationRelease(Operation *op) {
  auto carried = llvm::find_if(pendingWgmmas, [&](const PendingWgmma &pending) {
    return pending.issue == carriedIssue;
  });
  if (carried != pendingWgmmas.end())
    waitForWgmmas(std::distance(pendingWgmmas.begin(), carried));
  lowerHeldRelease(op);
}

bool KernelLowering::deferRelease(Operation *op) {
  SmallVector<std::pair<int64_t, int64_t>> released = bytesReleasedBy(op);
  for (const PendingWgmma &pending : llvm::reverse(pendingWgmmas))
    if (llvm::any_of(pending.sharedReads,
                     [&](std::pair<int64_t, int64_t> range) { return overlap(range, released); })) {
      heldReleases.push_back({op, pending.issue});
      return true;
    }
  return false;
}

void KernelLowering::lowerHeldRelease(Operation *op) {
  currentLoc = op->getLoc();
  if (auto arrive = dyn_cast<tile::BarrierArriveOp>(op)) {
    lowerBarrierArrive(arrive);
    return;
  }
  auto guard = llvm::cast<scf::IfOp>(op);
  auto ifOp = scf::IfOp::create(b, loc(), mapping.lookup(guard.getCondition()),
                                /*withElseRegion=*/false);
  OpBuilder::InsertionGuard insertion(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  for (Operation &inner : guard.thenBlock()->without_terminator())
    lowerBarrierArrive(llvm::cast<tile::BarrierArriveOp>(inner));
}

void KernelLowering::waitForWgmmas(size_t newest) {
  SmallVector<Value> accumulators;
  for (size_t g = 0; g <= newest; ++g)
    llvm::append_range(accumulators, pendingWgmmas[g].results);
  int64_t stillInFlight = static_cast<int64_t>(pendingWgmmas.size() - 1 - newest);
  SmallVector<Value> waited =
      targetInfo.warpgroupMmaWaitGroup(b, loc(), stillInFlight, accumulators);
  ArrayRef<Value> rest = waited;
  for (size_t g = 0; g <= newest; ++g) {
    size_t blocks = pendingWgmmas[g].results.size();
    storeAccumulatorStructs(buffers[pendingWgmmas[g].accumulator], rest.take_front(blocks));
    rest = rest.drop_front(blocks);
  }
  uint64_t completed = pendingWgmmas[newest].issue;
  pendingWgmmas.erase(pendingWgmmas.begin(), pendingWgmmas.begin() + newest + 1);
  // The stage releases that waited for these gemms, in program order.
  Location waitLoc = loc();
  auto released = [&](HeldRelease &held) {
    if (held.issue > completed)
      return false;
    lowerHeldRelease(held.release);
    return true;
  };
  heldReleases.erase(llvm::remove_if(heldReleases, released), heldReleases.end());
  currentLoc = waitLoc;
}

void KernelLowering::waitForWgmmasBefore(Operation *op) {
  if (pendingWgmmas.empty())
    return;
  int64_t newest = newestDependence(op);
  if (newest >= 0)
    waitForWgmmas(newest);
}

int64_t KernelLowering::newestDependence(Operation *op) {
  int64_t all = static_cast<int64_t>(pendingWgmmas.size()) - 1;
  if (isa<tile::RegionOp, tile::ViewOp, tile::DimOp, tile::ThreadIdOp, tile::AllocOp>(op))
    return -1;
  if (isa<tile::BarrierOp>(op)) {
    for (int64_t g = all; g >= 0; --g)
      if (writtenAfterBarrier(op, pendingWgmmas[g].sharedReads))
        return g;
    return -1;
  }
  // Waiting for a stage to fill touches nothing a gemm reads or writes.
  if (isa<tile::BarrierWaitOp>(op))
    return -1;
  if (!isa<tile::TileDialect>(op->getDialect())) {
    if (op->getNumRegions() == 0)
      return isMemoryEffectFree(op) ? -1 : all;
    // Control flow around ops this analysis knows depends on what they
    // depend on; one that issues gemms itself waits for all (its groups
    // would be counted on one path only).
    WalkResult known = op->walk([&](Operation *inner) {
      if (inner == op || isa<scf::YieldOp>(inner))
        return WalkResult::advance();
      bool understood = isa<tile::TileDialect>(inner->getDialect())
                            ? isKnownTileOp(inner) && !isa<tile::GemmOp>(inner)
                            : inner->getNumRegions() > 0 || isMemoryEffectFree(inner);
      return understood ? WalkResult::advance() : WalkResult::interrupt();
    });
    if (known.wasInterrupted() || !isa<scf::IfOp, scf::ForOp>(op))
      return all;
  } else if (!isKnownTileOp(op)) {
    return all;
  }
  int64_t newest = -1;
  op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands()) {
      if (!isa<tile::BufferType>(operand.getType()))
        continue;
      Value buffer = tile::viewedBuffer(operand);
      bool write = tile::operandUses(inner, operand).written;
      for (int64_t g = all; g > newest; --g) {
        const PendingWgmma &pending = pendingWgmmas[g];
        // The gemm chained onto a carried one adds to its accumulator in
        // issue order (it reads no register the other writes but C).
        if (tile::GemmOp chained = pending.chainedGemm;
            chained && chained.getOperation() == inner && operand == pending.accumulator)
          continue;
        if (buffer == pending.accumulatorBuffer ||
            (write && (buffer == pending.registerOperand ||
                       overlap(sharedRangeOf(buffer), pending.sharedReads)))) {
          newest = g;
          break;
        }
      }
    }
  });
  return newest;
}

bool KernelLowering::writesSharedBeforeBarrier(Block &block, Block::iterator first,
                                               Operation *last, ByteRanges ranges,
                                               bool &metBarrier) {
  for (Operation &op : llvm::make_range(first, block.end())) {
    if (&op == last)
      break;
    if (isa<tile::BarrierOp>(op)) {
      metBarrier = true;
      return false;
    }
    if (op.getNumRegions() > 0 && !isa<tile::ParallelOp, tile::PerThreadOp>(op)) {
      // Paths may skip a barrier inside: scan on after the op too. A write
      // inside behind a barrier of its own block is behind it on every path.
      for (Region &region : op.getRegions())
        for (Block &inner : region) {
          bool innerBarrier = false;
          if (writesSharedBeforeBarrier(inner, inner.begin(), nullptr, ranges, innerBarrier))
            return true;
        }
      continue;
    }
    if (writesShared(&op, ranges))
      return true;
  }
  return false;
}

bool KernelLowering::writtenAfterBarrier(Operation *barrier, ByteRanges ranges) {
  Operation *cursor = barrier;
  while (true) {
    Block *block = cursor->getBlock();
    bool metBarrier = false;
    if (writesSharedBeforeBarrier(*block, std::next(cursor->getIterator()), nullptr, ranges,
                                  metBarrier))
      return true;
    if (metBarrier)
      return false;
    Operation *parent = block->getParentOp();
    if (!parent || isa<tile::LaunchOp, func::FuncOp>(parent))
      return false;
    if (isa<scf::ForOp>(parent)) {
      // The next iteration, up to where this one stood.
      if (writesSharedBeforeBarrier(*block, block->begin(), cursor, ranges, metBarrier))
        return true;
      if (metBarrier)
        return false;
    } else if (!isa<scf::IfOp>(parent)) {
      return true; // other control flow: assume the worst
    }
    cursor = parent;
  }
}
