//===- LowerGemmWaits.cpp - where wgmma gemms are waited for --------------===//
//
// With `wgmma-overlap` a wgmma gemm is committed as a group and left in
// flight; the lowering waits for it (wgmma.wait_group with the newer groups
// still allowed in flight) only before the first op that depends on it:
//   - an op that reads or writes its accumulator;
//   - an op that writes shared memory its A or B is read from;
//   - a block-wide barrier after which other threads may write that shared
//     memory before they meet the next barrier (they would overwrite what
//     this thread's tensor cores still read);
//   - an op this analysis does not know (control flow, synchronization
//     other than barriers), and the end of the block.
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

/// Whether `op` may write its buffer operand `operand`: all but the
/// operands that ops only read.
static bool writesOperand(Operation *op, Value operand) {
  if (isa<tile::RegionOp, tile::ViewOp, tile::LoadOp, tile::DimOp>(op))
    return false;
  if (auto gemm = dyn_cast<tile::GemmOp>(op))
    return operand == gemm.getC();
  if (auto copy = dyn_cast<tile::CopyOp>(op))
    return operand == copy.getTarget();
  if (auto convert = dyn_cast<tile::ConvertLayoutOp>(op))
    return operand == convert.getTarget();
  if (auto copy = dyn_cast<tile::CopyAsyncOp>(op))
    return operand != copy.getSource();
  if (auto reduce = dyn_cast<tile::ReduceOp>(op))
    return operand != reduce.getSource();
  if (auto atomic = dyn_cast<tile::AtomicAddOp>(op))
    return operand == atomic.getTarget();
  return true;
}

/// Whether `op` or an op inside it may write shared bytes of `ranges`.
static bool writesShared(Operation *op, ByteRanges ranges) {
  WalkResult result = op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (isa<tile::BufferType>(operand.getType()) && writesOperand(inner, operand) &&
          overlap(sharedRangeOf(tile::viewedBuffer(operand)), ranges))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

bool KernelLowering::mayDeferWgmma(tile::GemmOp gemm, int64_t warpgroups) const {
  // Only where every thread of the block issued it (no thread guard to
  // leave), outside warp-specialized parts and warpgroup turns.
  auto turnAt = [&](Operation *op) { return isa_and_nonnull<tile::WarpgroupTurnOp>(op); };
  return wgmmaOverlap && parallelDepth == 0 && partBarrierId == 0 &&
         blockThreads <= 128 * warpgroups && !turnAt(gemm->getPrevNode()) &&
         !turnAt(gemm->getNextNode());
}

void KernelLowering::waitForWgmmas(size_t newest) {
  SmallVector<Value> accumulators;
  for (size_t g = 0; g <= newest; ++g)
    llvm::append_range(accumulators, pendingWgmmas[g].results);
  int64_t stillInFlight = static_cast<int64_t>(pendingWgmmas.size() - 1 - newest);
  SmallVector<Value> waited =
      targetInfo.warpgroupMmaWaitGroup(b, loc(), stillInFlight, accumulators);
  size_t next = 0;
  for (size_t g = 0; g <= newest; ++g) {
    const BufferRef &c = buffers[pendingWgmmas[g].accumulator];
    for (size_t block = 0; block < pendingWgmmas[g].results.size(); ++block) {
      Value acc = waited[next++];
      int64_t width = llvm::cast<LLVM::LLVMStructType>(acc.getType()).getBody().size();
      for (int64_t s = 0; s < width; ++s)
        storeAt(c, {}, index(block * width + s),
                LLVM::ExtractValueOp::create(b, loc(), acc, ArrayRef<int64_t>{s}));
    }
  }
  pendingWgmmas.erase(pendingWgmmas.begin(), pendingWgmmas.begin() + newest + 1);
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
  if (!isa<tile::TileDialect>(op->getDialect()))
    return op->getNumRegions() == 0 && isMemoryEffectFree(op) ? -1 : all;
  if (!isa<tile::ParallelOp, tile::CopyOp, tile::ConvertLayoutOp, tile::FillOp, tile::GemmOp,
           tile::ReduceOp, tile::AtomicAddOp, tile::CopyAsyncOp, tile::AsyncCommitOp,
           tile::AsyncWaitOp, tile::LoadOp, tile::StoreOp>(op))
    return all;
  int64_t newest = -1;
  op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands()) {
      if (!isa<tile::BufferType>(operand.getType()))
        continue;
      Value buffer = tile::viewedBuffer(operand);
      bool write = writesOperand(inner, operand);
      for (int64_t g = all; g > newest; --g) {
        const PendingWgmma &pending = pendingWgmmas[g];
        if (buffer == pending.accumulatorBuffer ||
            (write && overlap(sharedRangeOf(buffer), pending.sharedReads))) {
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
    if (op.getNumRegions() > 0 && !isa<tile::ParallelOp>(op)) {
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
