//===- PartitionParallel.cpp - T.Parallel iterations assigned to threads --===//
//
// Rewrites each T.Parallel loop that follows no accumulator layout and runs
// no vectors into the code each thread runs: which iterations are its own,
// and which register slot holds each fragment element they touch (see
// TilePartitionParallel in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace tilec {
#define GEN_PASS_DEF_TILEPARTITIONPARALLEL
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {
/// The threads that run the code at some point of a launch: the number of
/// them, how the index of one among them follows from `tile.thread_id`,
/// and whether threads beyond them (a warp-specialized block's producer)
/// also reach that point and must sit the loop out.
struct Part {
  int64_t threads = 0;
  /// Subtracted from tile.thread_id: the producer warpgroup's threads come
  /// after the launch's.
  int64_t firstThread = 0;
  bool othersReach = false;
};
} // namespace

/// The threads that run `op`: the consumers inside a tile.warp_specialize's
/// consumer region and after the op in its block, the producer warpgroup in
/// its region, else all of the block's (with the producer's, where the
/// launch has one).
static Part partOf(Operation *op, tile::LaunchOp launch) {
  int64_t launchThreads = launch.getThreads();
  for (Operation *at = op; at != launch.getOperation(); at = at->getParentOp()) {
    if (auto specialize = dyn_cast<tile::WarpSpecializeOp>(at->getParentOp())) {
      if (at->getParentRegion() == &specialize.getProducer())
        return {128, launchThreads, false};
      return {launchThreads, 0, false};
    }
    for (Operation *before = at->getPrevNode(); before; before = before->getPrevNode())
      if (isa<tile::WarpSpecializeOp>(before))
        return {launchThreads, 0, false};
  }
  bool specialized = false;
  launch.walk([&](tile::WarpSpecializeOp) { specialized = true; });
  return {launchThreads, 0, specialized};
}

/// Whether `type` is a fragment held in registers.
static bool inRegisters(Type type) {
  auto buffer = dyn_cast<tile::BufferType>(type);
  return buffer && tile::registerSlots(buffer).has_value();
}

/// Checks that each register fragment `body` reads or writes is a
/// #tile.cyclic one over the part's threads, of the loop's shape, accessed
/// at the loop's own iteration (what tile-infer-layouts gives a fragment a
/// cyclic layout for): slot k of trip k is then the element.
static LogicalResult checkFragmentAccesses(tile::ParallelOp parallel, const Part &part) {
  Block &body = parallel.getBody().front();
  WalkResult walk = body.walk([&](Operation *op) {
    for (Value operand : op->getOperands()) {
      if (!inRegisters(operand.getType()))
        continue;
      auto type = cast<tile::BufferType>(operand.getType());
      auto cyclic = dyn_cast<tile::CyclicLayoutAttr>(type.getLayout());
      ValueRange indices;
      if (auto load = dyn_cast<tile::LoadOp>(op))
        indices = load.getIndices();
      else if (auto store = dyn_cast<tile::StoreOp>(op); store && store.getBuffer() == operand)
        indices = store.getIndices();
      bool ownIteration = indices.size() == body.getNumArguments() &&
                          llvm::equal(indices, body.getArguments());
      if (!cyclic || static_cast<int64_t>(cyclic.getThreads()) != part.threads ||
          type.getShape() != parallel.getExtents() || !ownIteration) {
        op->emitError("this access does not follow the layout ")
            << type.getLayout() << " of its fragment, which holds elements in registers: "
            << "a loop over a register fragment reads and writes the element of its own "
               "iteration";
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// Emits one trip of `parallel`'s partition at `b`'s insertion point: the
/// iteration tid + trip * threads where it lies inside the loop, with each
/// register fragment's element read from (written to) slot `trip`.
static void emitTrip(OpBuilder &b, tile::ParallelOp parallel, const Part &part, Value threadIndex,
                     Value trip) {
  Location loc = parallel.getLoc();
  ArrayRef<int64_t> extents = parallel.getExtents();
  int64_t total = 1;
  for (int64_t extent : extents)
    total *= extent;
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  OpBuilder::InsertionGuard guard(b);
  Value flat = arith::AddIOp::create(b, loc, threadIndex,
                                     arith::MulIOp::create(b, loc, trip, index(part.threads)));
  if (total % part.threads != 0) {
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, flat, index(total));
    auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
  }
  // The loop's variables: the flat iteration split over the extents (C
  // order).
  Block &body = parallel.getBody().front();
  IRMapping mapping;
  Value rest = flat;
  for (int d = static_cast<int>(extents.size()) - 1; d >= 0; --d) {
    if (d == 0) {
      mapping.map(body.getArgument(0), rest);
      break;
    }
    Value extent = index(extents[d]);
    mapping.map(body.getArgument(d), arith::RemUIOp::create(b, loc, rest, extent));
    rest = arith::DivUIOp::create(b, loc, rest, extent);
  }
  Block *tripBlock = b.getInsertionBlock();
  Block::iterator first = b.getInsertionPoint();
  bool atStart = first == tripBlock->begin();
  Operation *before = atStart ? nullptr : &*std::prev(first);
  for (Operation &op : body)
    b.clone(op, mapping);
  // The cloned accesses of register fragments: by slot.
  auto begin = before ? std::next(before->getIterator()) : tripBlock->begin();
  SmallVector<Operation *> accesses;
  for (Operation &op : llvm::make_range(begin, b.getInsertionPoint()))
    op.walk([&](Operation *inner) {
      if ((isa<tile::LoadOp>(inner) && inRegisters(inner->getOperand(0).getType())) ||
          (isa<tile::StoreOp>(inner) && inRegisters(inner->getOperand(1).getType())))
        accesses.push_back(inner);
    });
  for (Operation *access : accesses) {
    OpBuilder at(access);
    if (auto load = dyn_cast<tile::LoadOp>(access)) {
      Value value = tile::LoadSlotOp::create(at, load.getLoc(), load.getType(), load.getBuffer(), trip);
      load.replaceAllUsesWith(value);
    } else {
      auto store = cast<tile::StoreOp>(access);
      tile::StoreSlotOp::create(at, store.getLoc(), store.getValue(), store.getBuffer(), trip);
    }
    access->erase();
  }
}

/// Replaces `parallel` with a tile.per_thread holding its partition.
static LogicalResult partition(tile::ParallelOp parallel, tile::LaunchOp launch) {
  // Whole-tile operations spread over the block's threads themselves; a
  // thread's share of a loop cannot hold one.
  WalkResult blockWide = parallel.getBody().walk([&](Operation *op) {
    if (!isa<tile::CopyOp, tile::ConvertLayoutOp, tile::FillOp, tile::GemmOp, tile::ReduceOp,
             tile::CumsumOp, tile::ParallelOp, tile::PipelinedOp, tile::AllocOp>(op))
      return WalkResult::advance();
    op->emitError("the GPU target does not support '")
        << op->getName() << "' inside a T.Parallel loop";
    return WalkResult::interrupt();
  });
  if (blockWide.wasInterrupted())
    return failure();
  Part part = partOf(parallel, launch);
  if (failed(checkFragmentAccesses(parallel, part)))
    return failure();
  Location loc = parallel.getLoc();
  int64_t total = 1;
  for (int64_t extent : parallel.getExtents())
    total *= extent;
  int64_t trips = (total + part.threads - 1) / part.threads;
  // Fragments in registers are indexed by constant slots only, so the
  // trips of a loop that touches one are unrolled; others keep a loop of
  // a constant trip count (unrolled later where that pays).
  bool unrolled = false;
  parallel.getBody().walk([&](Operation *op) {
    for (Value operand : op->getOperands())
      unrolled |= inRegisters(operand.getType());
  });
  OpBuilder b(parallel);
  auto perThread = tile::PerThreadOp::create(b, loc);
  b.setInsertionPointToStart(&perThread.getBody().emplaceBlock());
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value threadId = tile::ThreadIdOp::create(b, loc, b.getIndexType());
  if (part.othersReach) {
    Value below = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, threadId,
                                        index(part.threads));
    auto ifOp = scf::IfOp::create(b, loc, below, /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
  }
  Value threadIndex =
      part.firstThread == 0
          ? threadId
          : arith::SubIOp::create(b, loc, threadId, index(part.firstThread)).getResult();
  if (unrolled) {
    for (int64_t trip = 0; trip < trips; ++trip)
      emitTrip(b, parallel, part, threadIndex, index(trip));
  } else {
    auto loop = scf::ForOp::create(b, loc, index(0), index(trips), index(1));
    b.setInsertionPointToStart(loop.getBody());
    emitTrip(b, parallel, part, threadIndex, loop.getInductionVar());
  }
  parallel.erase();
  return success();
}

namespace {
struct TilePartitionParallelPass
    : public tilec::impl::TilePartitionParallelBase<TilePartitionParallelPass> {
  void runOnOperation() override {
    SmallVector<std::pair<tile::ParallelOp, tile::LaunchOp>> loops;
    getOperation().walk([&](tile::ParallelOp parallel) {
      auto launch = parallel->getParentOfType<tile::LaunchOp>();
      if (launch && !parallel.getLayoutAttr() && !parallel.getVectorAttr() &&
          !parallel->getParentOfType<tile::ParallelOp>())
        loops.push_back({parallel, launch});
    });
    for (auto [parallel, launch] : loops)
      if (failed(partition(parallel, launch)))
        return signalPassFailure();
  }
};
} // namespace
