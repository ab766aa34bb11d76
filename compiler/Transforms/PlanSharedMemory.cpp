//===- PlanSharedMemory.cpp - offsets of on-chip buffers ------------------===//
//
// Places each kernel's shared buffers and shared-memory fragments in the
// one dynamic shared-memory array, reusing the bytes of buffers no longer
// live (see TilePlanSharedMemory in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "llvm/Support/Debug.h"

#include <limits>

#define DEBUG_TYPE "tile-plan-shared-memory"

namespace tilec {
#define GEN_PASS_DEF_TILEPLANSHAREDMEMORY
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

bool tilec::isOnChip(tile::AllocOp alloc) {
  tile::MemoryScope scope = alloc.getType().getScope();
  // Fragments with a register layout live in registers; a swizzled one is
  // a wgmma operand in shared memory.
  return scope == tile::MemoryScope::Shared ||
         (scope == tile::MemoryScope::Fragment &&
          !isa_and_nonnull<tile::CyclicLayoutAttr, tile::WgmmaLayoutAttr,
                           tile::WgmmaRowsLayoutAttr>(
              tile::getLayout(alloc)));
}

int64_t tilec::bufferBytes(tile::BufferType type) {
  int64_t count = 1;
  for (int64_t extent : type.getShape())
    count *= extent;
  Type element = type.getElementType();
  unsigned bits = element.isIndex() ? 64 : element.getIntOrFloatBitWidth();
  return std::max<int64_t>(count, 1) * std::max<unsigned>(bits / 8, 1);
}

int64_t tilec::planSharedMemory(Block &body) {
  // Program order, and for each op the last position inside it.
  DenseMap<Operation *, int64_t> position, last;
  int64_t counter = 0;
  body.walk<WalkOrder::PreOrder>([&](Operation *op) { position[op] = counter++; });
  body.walk<WalkOrder::PostOrder>([&](Operation *op) {
    int64_t end = position[op];
    for (Region &region : op->getRegions())
      for (Operation &inner : region.getOps())
        end = std::max(end, last[&inner]);
    last[op] = end;
  });
  struct Interval {
    Operation *alloc;
    /// From the first use (`start`, the placing order), or from the
    /// allocation where the buffer holds something from there on
    /// (`liveStart`: barriers are initialized where they are allocated),
    /// to the last use (for barriers, the end of their block).
    int64_t start, liveStart, end, bytes, alignment;
  };
  SmallVector<Interval> intervals;
  body.walk([&](tile::AllocOp alloc) {
    tile::BufferType type = alloc.getType();
    if (!isOnChip(alloc))
      return;
    // Live from the first use (allocations usually all sit at the top of the
    // kernel) to the last, each widened to the loop or branch holding it.
    Block *home = alloc->getBlock();
    int64_t start = std::numeric_limits<int64_t>::max();
    int64_t end = position[alloc];
    // Uses, through the regions (windows) made of the buffer.
    SmallVector<Value> values{alloc.getResult()};
    while (!values.empty()) {
      Value value = values.pop_back_val();
      for (Operation *user : value.getUsers()) {
        if (auto region = dyn_cast<tile::RegionOp>(user))
          values.push_back(region.getResult());
        Operation *anchor = home->findAncestorOpInBlock(*user);
        if (!anchor || isa<tile::RegionOp>(user))
          continue;
        start = std::min(start, position[anchor]);
        end = std::max(end, last[anchor]);
      }
    }
    if (start == std::numeric_limits<int64_t>::max())
      start = position[alloc]; // never used
    int64_t liveStart = alloc.getMbarriers() ? std::min(start, position[alloc]) : start;
    // Barriers also stay to the end of their block: PTX leaves reusing the
    // bytes of a valid mbarrier for anything else undefined (short of an
    // mbarrier.inval), and they are a few bytes.
    if (alloc.getMbarriers() && !home->empty())
      end = std::max(end, last[&home->back()]);
    // Swizzled buffers start 1024-byte aligned: the hardware swizzles
    // address bits, which must agree with the offsets within the buffer.
    int64_t alignment =
        isa_and_nonnull<tile::SwizzleLayoutAttr>(tile::getLayout(alloc)) ? 1024 : 16;
    intervals.push_back({alloc, start, liveStart, end, bufferBytes(type), alignment});
  });
  // First fit in order of first use, away from the bytes of every buffer
  // placed before whose live range overlaps.
  llvm::stable_sort(intervals, [](const Interval &x, const Interval &y) {
    return x.start < y.start;
  });
  DenseMap<Operation *, int64_t> offsets;
  int64_t bytes = 0;
  SmallVector<Interval *> placed;
  for (Interval &interval : intervals) {
    SmallVector<std::pair<int64_t, int64_t>> busy; // [offset, offset + bytes)
    for (Interval *other : placed)
      if (other->liveStart <= interval.end && interval.liveStart <= other->end)
        busy.push_back({offsets[other->alloc], offsets[other->alloc] + other->bytes});
    llvm::sort(busy);
    int64_t offset = 0;
    for (auto [begin, finish] : busy) {
      if (offset + interval.bytes <= begin)
        break;
      offset = std::max<int64_t>(offset, llvm::alignTo(finish, interval.alignment));
    }
    offsets[interval.alloc] = offset;
    cast<tile::AllocOp>(interval.alloc)
        .setSharedOffsetAttr(
            IntegerAttr::get(IntegerType::get(body.getParentOp()->getContext(), 64), offset));
    bytes = std::max<int64_t>(bytes, offset + interval.bytes);
    placed.push_back(&interval);
  }
  LLVM_DEBUG(llvm::dbgs() << "planned " << intervals.size() << " on-chip buffers in " << bytes
                          << " bytes\n");
  return bytes;
}

namespace {
struct TilePlanSharedMemoryPass
    : public tilec::impl::TilePlanSharedMemoryBase<TilePlanSharedMemoryPass> {
  void runOnOperation() override {
    getOperation().walk([&](tile::LaunchOp launch) {
      planSharedMemory(launch.getBody().front());
    });
  }
};
} // namespace
