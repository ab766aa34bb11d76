//===- PartitionParallel.cpp - T.Parallel iterations assigned to threads --===//
//
// Rewrites each T.Parallel loop into the code each thread runs: which
// iterations are its own (cyclically, a vector at a time, or those of the
// accumulator layout the loop follows), and which register slot holds each
// fragment element they touch (see TilePartitionParallel in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/Transforms/ScalarCode.h"
#include "compiler/Transforms/ThreadLayouts.h"
#include "dialects/Tile/IndexRanges.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/TypeSwitch.h"

namespace tilec {
#define GEN_PASS_DEF_TILEPARTITIONPARALLEL
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {
/// The threads that run the code at some point of a launch.
struct Part {
  /// How many share a cyclic loop there.
  int64_t threads = 0;
  /// Subtracted from tile.thread_id for the index among them: the producer
  /// warpgroup's threads come after the launch's.
  int64_t firstThread = 0;
  /// Whether the producer's threads also reach the point (a
  /// warp-specialized block before its split) and sit cyclic loops out.
  bool othersReach = false;
  /// The threads that reach the point, which those of a loop over an
  /// accumulator beyond its warpgroups sit out: the whole block's outside
  /// the consumers' part.
  int64_t reaching = 0;
  bool inProducer = false;
};
} // namespace

/// The threads that run `op`: the consumers inside a tile.warp_specialize's
/// consumer region and after the op in its block, the producer warpgroup in
/// its region, else all of the block's (with the producer's, where the
/// launch has one).
static Part partOf(Operation *op, tile::LaunchOp launch) {
  int64_t launchThreads = launch.getThreads();
  bool specialized = false;
  launch.walk([&](tile::WarpSpecializeOp) { specialized = true; });
  int64_t blockThreads = launchThreads + (specialized ? 128 : 0);
  for (Operation *at = op; at != launch.getOperation(); at = at->getParentOp()) {
    if (auto specialize = dyn_cast<tile::WarpSpecializeOp>(at->getParentOp())) {
      if (at->getParentRegion() == &specialize.getProducer())
        return {128, launchThreads, false, blockThreads, true};
      return {launchThreads, 0, false, launchThreads, false};
    }
    for (Operation *before = at->getPrevNode(); before; before = before->getPrevNode())
      if (isa<tile::WarpSpecializeOp>(before))
        return {launchThreads, 0, false, launchThreads, false};
  }
  return {launchThreads, 0, specialized, blockThreads, false};
}

/// Whether `type` is a fragment held in registers.
static bool inRegisters(Type type) {
  auto buffer = dyn_cast<tile::BufferType>(type);
  return buffer && tile::registerSlots(buffer).has_value();
}

/// The buffer and indices of a tile.load or tile.store, or none.
static std::optional<std::pair<Value, ValueRange>> elementAccess(Operation *op) {
  if (auto load = dyn_cast<tile::LoadOp>(op))
    return std::make_pair(Value(load.getBuffer()), ValueRange(load.getIndices()));
  if (auto store = dyn_cast<tile::StoreOp>(op))
    return std::make_pair(Value(store.getBuffer()), ValueRange(store.getIndices()));
  return std::nullopt;
}

/// Whether `layout` holds its fragment the way `loop` (a #tile.wgmma or
/// #tile.wgmma_rows iteration layout) runs its iterations: the same
/// warpgroups (and column groups).
static bool sameThreads(Attribute layout, Attribute loop) {
  auto warpgroupsOf = [](Attribute a) -> std::optional<std::pair<int64_t, int64_t>> {
    if (auto wgmma = dyn_cast_or_null<tile::WgmmaLayoutAttr>(a))
      return std::make_pair<int64_t, int64_t>(wgmma.getWarpgroups(), wgmma.getColumnGroups());
    if (auto rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(a))
      return std::make_pair<int64_t, int64_t>(rows.getWarpgroups(), 1);
    return std::nullopt;
  };
  return warpgroupsOf(layout) && warpgroupsOf(layout) == warpgroupsOf(loop);
}

/// Checks that each register fragment the body of `parallel` reads or
/// writes is held by the threads that run the loop, each element by the
/// thread whose iteration touches it (what tile-infer-layouts gives a
/// fragment its layout for): a #tile.cyclic one over the part's threads, of
/// the loop's shape, at the loop's own iteration, in a loop without a
/// layout; the loop's own layout's, at its own iteration, or (in a loop over
/// an accumulator) a #tile.wgmma_rows fragment of the same warpgroups at the
/// iteration's row, in one with a layout.
static LogicalResult checkFragmentAccesses(tile::ParallelOp parallel, const Part &part) {
  Block &body = parallel.getBody().front();
  Attribute loopLayout = parallel.getLayoutAttr();
  WalkResult walk = body.walk([&](Operation *op) {
    for (Value operand : op->getOperands()) {
      if (!inRegisters(operand.getType()))
        continue;
      auto type = cast<tile::BufferType>(operand.getType());
      Attribute layout = type.getLayout();
      std::optional<ValueRange> indices;
      if (auto access = elementAccess(op))
        indices = access->second;
      bool ownIteration = indices && indices->size() == body.getNumArguments() &&
                          llvm::equal(*indices, body.getArguments()) &&
                          type.getShape() == parallel.getExtents();
      bool follows;
      if (!loopLayout) {
        auto cyclic = dyn_cast<tile::CyclicLayoutAttr>(layout);
        // (A vector loop's lanes touch no register fragment: their slots
        // would not be constants.)
        follows = cyclic && static_cast<int64_t>(cyclic.getThreads()) == part.threads &&
                  ownIteration && !parallel.getVectorAttr();
      } else if (isa<tile::WgmmaRowsLayoutAttr>(layout) &&
                 isa<tile::WgmmaLayoutAttr>(loopLayout)) {
        follows = sameThreads(layout, loopLayout) && indices && indices->size() == 1 &&
                  (*indices)[0] == body.getArgument(0) &&
                  type.getShape()[0] == parallel.getExtents()[0];
      } else {
        follows = layout.getTypeID() == loopLayout.getTypeID() &&
                  sameThreads(layout, loopLayout) && ownIteration;
      }
      if (!follows) {
        op->emitError("this access does not follow the layout ")
            << layout << " of its fragment, which holds elements in registers: "
            << "a loop over a register fragment reads and writes the element of its own "
               "iteration";
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// Clones the body of `parallel` at `b`'s insertion point for the
/// iteration at `point`: each register fragment's element read from
/// (written to) the slot `slotOf` gives for its layout; with
/// `quadThread`, the iteration runs alike on the four lanes of a quad, and
/// only the quad's first lane writes memory (inside the tensor: the check
/// of a store the IR does not show inside comes first, as an element
/// store's own guard would).
static void emitIteration(OpBuilder &b, tile::ParallelOp parallel, ArrayRef<Value> point,
                          function_ref<Value(Attribute)> slotOf, Value quadThread) {
  Block &body = parallel.getBody().front();
  SmallVector<Operation *> accesses;
  body.walk([&](Operation *op) {
    if (isa<tile::LoadOp, tile::StoreOp>(op))
      accesses.push_back(op);
  });
  IRMapping mapping;
  for (auto [arg, value] : llvm::zip(body.getArguments(), point))
    mapping.map(arg, value);
  for (Operation &op : body)
    b.clone(op, mapping);
  for (Operation *original : accesses) {
    Operation *access = mapping.lookup(original);
    OpBuilder at(access);
    Location loc = access->getLoc();
    if (auto load = dyn_cast<tile::LoadOp>(access)) {
      if (!inRegisters(load.getBuffer().getType()))
        continue;
      Value slot = slotOf(load.getBuffer().getType().getLayout());
      load.replaceAllUsesWith(
          tile::LoadSlotOp::create(at, loc, load.getType(), load.getBuffer(), slot).getResult());
      load.erase();
      continue;
    }
    auto store = cast<tile::StoreOp>(access);
    if (inRegisters(store.getBuffer().getType())) {
      Value slot = slotOf(store.getBuffer().getType().getLayout());
      tile::StoreSlotOp::create(at, loc, store.getValue(), store.getBuffer(), slot);
      store.erase();
      continue;
    }
    if (!quadThread)
      continue;
    // Memory the threads share: written once a quad.
    auto originalStore = cast<tile::StoreOp>(original);
    if (store.getBuffer().getType().getScope() == tile::MemoryScope::Global &&
        !tile::provablyInBounds(originalStore, originalStore.getBuffer(),
                                originalStore.getIndices())) {
      auto inside = scf::IfOp::create(
          at, loc,
          tile::InBoundsOp::create(at, loc, at.getI1Type(), store.getBuffer(), store.getIndices()),
          /*withElseRegion=*/false);
      at.setInsertionPoint(inside.thenBlock()->getTerminator());
      store.setInside(true);
    }
    auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(at, loc, v); };
    Value first = arith::CmpIOp::create(
        at, loc, arith::CmpIPredicate::eq, arith::RemUIOp::create(at, loc, quadThread, index(4)),
        index(0));
    auto leader = scf::IfOp::create(at, loc, first, /*withElseRegion=*/false);
    store->moveBefore(leader.thenBlock()->getTerminator());
  }
}

/// The loop variables of iteration `flat` of a loop over `extents` (C
/// order).
static SmallVector<Value> splitFlat(OpBuilder &b, Location loc, Value flat,
                                    ArrayRef<int64_t> extents) {
  SmallVector<Value> point(extents.size());
  Value rest = flat;
  for (int d = static_cast<int>(extents.size()) - 1; d > 0; --d) {
    Value extent = arith::ConstantIndexOp::create(b, loc, extents[d]);
    point[d] = arith::RemUIOp::create(b, loc, rest, extent);
    rest = arith::DivUIOp::create(b, loc, rest, extent);
  }
  point[0] = rest;
  return point;
}

/// The item `threadIndex + trip * threads` of `count` the thread takes in
/// trip `trip`; where the threads do not divide `count`, `b`'s insertion
/// point moves into a check that it lies below `count` (the caller
/// restores it).
static Value cyclicItem(OpBuilder &b, Location loc, Value threadIndex, Value trip,
                        int64_t threads, int64_t count) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value item =
      arith::AddIOp::create(b, loc, threadIndex, arith::MulIOp::create(b, loc, trip, index(threads)));
  if (count % threads != 0) {
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, item, index(count));
    auto ifOp = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
  }
  return item;
}

/// Emits one trip of the cyclic partition of `parallel` at `b`'s insertion
/// point: the iteration tid + trip * threads where it lies inside the loop,
/// with each register fragment's element in slot `trip`.
static void emitTrip(OpBuilder &b, tile::ParallelOp parallel, const Part &part, Value threadIndex,
                     Value trip) {
  Location loc = parallel.getLoc();
  ArrayRef<int64_t> extents = parallel.getExtents();
  int64_t total = 1;
  for (int64_t extent : extents)
    total *= extent;
  OpBuilder::InsertionGuard guard(b);
  Value flat = cyclicItem(b, loc, threadIndex, trip, part.threads, total);
  emitIteration(b, parallel, splitFlat(b, loc, flat, extents), [&](Attribute) { return trip; },
                Value());
}

/// The bytes `width` elements of `type` take in memory (8-bit floats and
/// uint8 as bytes, indices as 64 bits).
static int64_t vectorBytes(tile::BufferType type, int64_t width) {
  Type element = type.getElementType();
  int64_t bits = element.isIndex() ? 64 : element.getIntOrFloatBitWidth();
  return width * std::max<int64_t>(1, bits / 8);
}

/// `value`, a pure function of the body's variables of `parallel` and of
/// values from outside it, computed again for the iteration at `point`.
static Value evaluateAt(OpBuilder &b, tile::ParallelOp parallel, Value value,
                        ArrayRef<Value> point) {
  IRMapping local;
  for (auto [arg, at] : llvm::zip(parallel.getBody().front().getArguments(), point))
    local.map(arg, at);
  std::function<Value(Value)> evaluate = [&](Value v) -> Value {
    if (Value known = local.lookupOrNull(v))
      return known;
    Operation *def = v.getDefiningOp();
    if (!def || !parallel->isProperAncestor(def))
      return v;
    for (Value operand : def->getOperands())
      evaluate(operand);
    Operation *clone = b.clone(*def, local);
    return clone->getResult(cast<OpResult>(v).getResultNumber());
  };
  return evaluate(value);
}

namespace {
/// The straight-line version of a vector of a `vector` loop: its lanes
/// run op by op, each `contiguous` access one vector access of all lanes,
/// the `tile.vector_guard`s checked for the whole vector (their then
/// branches run unguarded) and the unproven tensor accesses checked too
/// (marked `inside`).
struct VectorLanes {
  OpBuilder &b;
  const DenseSet<Operation *> &unproven;
  SmallVector<IRMapping> lanes;

  /// Clones `op` for one lane: held guards inlined, checked accesses marked.
  void cloneForLane(Operation &op, IRMapping &mapping) {
    if (auto ifOp = dyn_cast<scf::IfOp>(op); ifOp && ifOp->hasAttr(tile::kVectorGuardAttrName)) {
      for (Operation &inner : ifOp.thenBlock()->without_terminator())
        cloneForLane(inner, mapping);
      for (auto [result, yielded] :
           llvm::zip(ifOp.getResults(), ifOp.thenBlock()->getTerminator()->getOperands()))
        mapping.map(result, mapping.lookupOrDefault(yielded));
      return;
    }
    Operation *clone = b.cloneWithoutRegions(op, mapping);
    if (unproven.contains(&op)) {
      if (auto load = dyn_cast<tile::LoadOp>(clone))
        load.setInside(true);
      else
        cast<tile::StoreOp>(clone).setInside(true);
    }
    for (auto [region, cloned] : llvm::zip(op.getRegions(), clone->getRegions()))
      for (Block &block : region) {
        Block *target = b.createBlock(&cloned);
        for (BlockArgument arg : block.getArguments())
          mapping.map(arg, target->addArgument(arg.getType(), arg.getLoc()));
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(target);
        for (Operation &inner : block)
          cloneForLane(inner, mapping);
      }
    b.setInsertionPointAfter(clone);
  }

  void emit(Block &block) {
    for (Operation &op : block) {
      if (op.hasTrait<OpTrait::IsTerminator>())
        continue;
      if (auto ifOp = dyn_cast<scf::IfOp>(op); ifOp && ifOp->hasAttr(tile::kVectorGuardAttrName)) {
        emit(*ifOp.thenBlock());
        for (IRMapping &lane : lanes)
          for (auto [result, yielded] :
               llvm::zip(ifOp.getResults(), ifOp.thenBlock()->getTerminator()->getOperands()))
            lane.map(result, lane.lookupOrDefault(yielded));
        continue;
      }
      if (tile::isContiguousAccess(&op)) {
        Location loc = op.getLoc();
        if (auto load = dyn_cast<tile::LoadOp>(op)) {
          SmallVector<Value> first;
          for (Value i : load.getIndices())
            first.push_back(lanes.front().lookupOrDefault(i));
          SmallVector<Type> types(lanes.size(), load.getType());
          auto vector = tile::LoadVectorOp::create(b, loc, types, load.getBuffer(), first);
          for (auto [lane, mapping] : llvm::enumerate(lanes))
            mapping.map(load.getResult(), vector.getResult(lane));
        } else {
          auto store = cast<tile::StoreOp>(op);
          SmallVector<Value> first, values;
          for (Value i : store.getIndices())
            first.push_back(lanes.front().lookupOrDefault(i));
          for (IRMapping &mapping : lanes)
            values.push_back(mapping.lookupOrDefault(store.getValue()));
          tile::StoreVectorOp::create(b, loc, values, store.getBuffer(), first);
        }
        continue;
      }
      for (IRMapping &mapping : lanes)
        cloneForLane(op, mapping);
    }
  }
};
} // namespace

/// Emits the vector `vector` (iterations `width` v .. `width` v + width - 1
/// of the innermost dimension) of a `vector` loop at `b`'s insertion point:
/// straight-line where `aligned` and the vector's guards and unproven
/// accesses hold at its two end lanes, else lane by lane.
static void emitVector(OpBuilder &b, tile::ParallelOp parallel, int64_t width, Value vector,
                       Value aligned, ArrayRef<scf::IfOp> guards,
                       ArrayRef<Operation *> unprovenAccesses) {
  Location loc = parallel.getLoc();
  ArrayRef<int64_t> extents = parallel.getExtents();
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  // The first lane's iteration; the vector stays in one row (only the
  // innermost index moves).
  SmallVector<Value> first =
      splitFlat(b, loc, arith::MulIOp::create(b, loc, vector, index(width)), extents);
  auto lanePoint = [&](int64_t lane) {
    SmallVector<Value> point(first);
    point.back() = arith::AddIOp::create(b, loc, point.back(), index(lane));
    return point;
  };
  Value whole = aligned;
  for (scf::IfOp guard : guards)
    for (int64_t lane : {int64_t(0), width - 1})
      whole = arith::AndIOp::create(
          b, loc, whole, evaluateAt(b, parallel, guard.getCondition(), lanePoint(lane)));
  // Contiguous tensor accesses not known to be inside: inside at both end
  // lanes means inside at every lane.
  for (Operation *access : unprovenAccesses) {
    auto [buffer, indices] = *elementAccess(access);
    for (int64_t lane : {int64_t(0), width - 1}) {
      SmallVector<Value> at;
      for (Value i : indices)
        at.push_back(evaluateAt(b, parallel, i, lanePoint(lane)));
      whole = arith::AndIOp::create(
          b, loc, whole, tile::InBoundsOp::create(b, loc, b.getI1Type(), buffer, at));
    }
  }
  auto versions = scf::IfOp::create(b, loc, whole, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(versions.thenBlock());
  Block &body = parallel.getBody().front();
  DenseSet<Operation *> unproven(unprovenAccesses.begin(), unprovenAccesses.end());
  VectorLanes straight{b, unproven, {}};
  for (int64_t lane = 0; lane < width; ++lane) {
    IRMapping mapping;
    for (auto [arg, value] : llvm::zip(body.getArguments(), lanePoint(lane)))
      mapping.map(arg, value);
    straight.lanes.push_back(std::move(mapping));
  }
  straight.emit(body);
  b.setInsertionPointToStart(versions.elseBlock());
  for (int64_t lane = 0; lane < width; ++lane)
    emitIteration(b, parallel, lanePoint(lane), [](Attribute) { return Value(); }, Value());
}

/// The cyclic partition of a `vector` loop over vectors of `width`
/// iterations: the thread at `threadIndex` runs vector tid + k * threads in
/// trip k.
static void emitVectorTrips(OpBuilder &b, tile::ParallelOp parallel, const Part &part,
                            Value threadIndex, int64_t width, Value aligned) {
  Location loc = parallel.getLoc();
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  int64_t total = 1;
  for (int64_t extent : parallel.getExtents())
    total *= extent;
  int64_t vectors = total / width;
  int64_t trips = (vectors + part.threads - 1) / part.threads;
  Block &body = parallel.getBody().front();
  SmallVector<scf::IfOp> guards;
  body.walk([&](scf::IfOp ifOp) {
    if (ifOp->hasAttr(tile::kVectorGuardAttrName))
      guards.push_back(ifOp);
  });
  SmallVector<Operation *> unprovenAccesses;
  body.walk([&](Operation *op) {
    if (!tile::isContiguousAccess(op))
      return;
    auto [buffer, indices] = *elementAccess(op);
    if (cast<tile::BufferType>(buffer.getType()).getScope() == tile::MemoryScope::Global &&
        !tile::provablyInBounds(op, buffer, indices))
      unprovenAccesses.push_back(op);
  });
  auto loop = scf::ForOp::create(b, loc, index(0), index(trips), index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value vector =
      cyclicItem(b, loc, threadIndex, loop.getInductionVar(), part.threads, vectors);
  emitVector(b, parallel, width, vector, aligned, guards, unprovenAccesses);
}

/// The threads of the part that hold a fragment of `layout` (a #tile.wgmma
/// or #tile.wgmma_rows layout): its warpgroups.
static int64_t holdingThreads(Attribute layout) {
  if (auto wgmma = dyn_cast<tile::WgmmaLayoutAttr>(layout))
    return 128 * wgmma.getWarpgroups() * wgmma.getColumnGroups();
  return 128 * cast<tile::WgmmaRowsLayoutAttr>(layout).getWarpgroups();
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
  Attribute loopLayout = parallel.getLayoutAttr();
  if (loopLayout && part.inProducer)
    return parallel.emitError("a loop over an accumulator's layout runs on the consumer "
                              "warpgroups that hold it, not in the producer's region");
  if (failed(checkFragmentAccesses(parallel, part)))
    return failure();
  Location loc = parallel.getLoc();
  ArrayRef<int64_t> extents = parallel.getExtents();
  OpBuilder b(parallel);
  auto perThread = tile::PerThreadOp::create(b, loc);
  b.setInsertionPointToStart(&perThread.getBody().emplaceBlock());
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value threadId = tile::ThreadIdOp::create(b, loc, b.getIndexType());
  // Threads that reach the loop but take no part in it sit it out.
  auto onlyThreadsBelow = [&](int64_t count) {
    Value below = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, threadId, index(count));
    auto ifOp = scf::IfOp::create(b, loc, below, /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
  };
  // The thread's index among those sharing a cyclic loop (the others sit
  // it out).
  auto cyclicThreadIndex = [&]() -> Value {
    if (part.othersReach)
      onlyThreadsBelow(part.threads);
    if (part.firstThread == 0)
      return threadId;
    return arith::SubIOp::create(b, loc, threadId, index(part.firstThread));
  };
  if (auto width = parallel.getVectorAttr()) {
    // Each global tensor the loop touches, checked once for the vectors'
    // alignment.
    SmallVector<Value> tensors;
    parallel.getBody().walk([&](Operation *op) {
      auto access = elementAccess(op);
      if (access &&
          cast<tile::BufferType>(access->first.getType()).getScope() ==
              tile::MemoryScope::Global &&
          !llvm::is_contained(tensors, access->first))
        tensors.push_back(access->first);
    });
    Value aligned = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
    for (Value tensor : tensors)
      aligned = arith::AndIOp::create(
          b, loc, aligned,
          tile::AlignedOp::create(
              b, loc, b.getI1Type(), tensor,
              vectorBytes(cast<tile::BufferType>(tensor.getType()), width.getInt())));
    Value threadIndex = cyclicThreadIndex();
    emitVectorTrips(b, parallel, part, threadIndex, width.getInt(), aligned);
  } else if (auto wgmma = dyn_cast_or_null<tile::WgmmaLayoutAttr>(loopLayout)) {
    // The iterations of the accumulator's elements this thread holds; a
    // row fragment's element is the slot of the element's row.
    if (part.reaching > holdingThreads(wgmma))
      onlyThreadsBelow(holdingThreads(wgmma));
    int64_t slotsPerBlock = extents[1] / wgmma.getColumnGroups() / 2;
    layouts::forEachWgmmaElement(
        b, loc, threadId, extents[0], extents[1], wgmma.getWarpgroups(), wgmma.getColumnGroups(),
        [&](Value i, Value j, Value slot) {
          Value rowSlot =
              index(layouts::rowSlotOf(*getConstantIntValue(slot), slotsPerBlock));
          emitIteration(
              b, parallel, {i, j},
              [&](Attribute layout) {
                return isa<tile::WgmmaRowsLayoutAttr>(layout) ? rowSlot : slot;
              },
              Value());
        });
  } else if (auto rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(loopLayout)) {
    // The rows this thread's quad holds, run alike by its four lanes.
    if (part.reaching > holdingThreads(rows))
      onlyThreadsBelow(holdingThreads(rows));
    layouts::forEachWgmmaRow(b, loc, threadId, extents[0], rows.getWarpgroups(),
                             [&](Value row, Value slot) {
                               emitIteration(
                                   b, parallel, {row}, [&](Attribute) { return slot; },
                                   threadId);
                             });
  } else {
    int64_t total = 1;
    for (int64_t extent : extents)
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
    Value threadIndex = cyclicThreadIndex();
    if (unrolled) {
      for (int64_t trip = 0; trip < trips; ++trip)
        emitTrip(b, parallel, part, threadIndex, index(trip));
    } else {
      auto loop = scf::ForOp::create(b, loc, index(0), index(trips), index(1));
      b.setInsertionPointToStart(loop.getBody());
      emitTrip(b, parallel, part, threadIndex, loop.getInductionVar());
    }
  }
  parallel.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// Whole-tile ops as loops
//===----------------------------------------------------------------------===//

/// The element type a buffer's values have in scalar code.
static Type valueTypeOf(Value buffer) {
  return tile::scalarTypeOf(cast<tile::BufferType>(buffer.getType()).getElementType());
}

/// The type a reduction or prefix sum of elements of `type` accumulates
/// in: floats in at least f32, integers in their own width.
static Type accumulatorType(Type type) {
  if (isa<FloatType>(type) && type.getIntOrFloatBitWidth() < 32)
    return Float32Type::get(type.getContext());
  return type;
}

/// The lines of a tile along dimension `dim`, which a reduction or prefix
/// sum runs one point of its loop each: the line's length, the loop's
/// extents (the tile's shape without `dim`; one point for a 1-D tile), and
/// where a line's element lies.
struct LinesAlong {
  LinesAlong(ArrayRef<int64_t> shape, int64_t dim)
      : dim(dim), length(shape[dim]), lineShape(shape) {
    lineShape.erase(lineShape.begin() + dim);
    extents = lineShape.empty() ? SmallVector<int64_t>{1} : lineShape;
  }
  /// The index of element `step` of the line at loop point `point`.
  SmallVector<Value> elementAt(ValueRange point, Value step) const {
    SmallVector<Value> at;
    if (!lineShape.empty())
      at.assign(point.begin(), point.end());
    at.insert(at.begin() + dim, step);
    return at;
  }
  int64_t dim, length;
  SmallVector<int64_t> lineShape, extents;
};

/// Builds the code of one point of a whole tile's loop at `b`'s insertion
/// point.
using PointBuilder = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// Replaces the whole-tile op `op` by the loop it is: `body` at each point
/// of `extents` (C order). Where each thread holds its own copy of what the
/// op writes (`eachThreadAll`), every thread that reaches the op runs all
/// points in a tile.per_thread (unrolled up to `unrollUpTo` points);
/// otherwise the points are a tile.parallel (following `layout` where it
/// is not null), which the pass then partitions as any T.Parallel.
static void replaceByLoop(Operation *op, tile::LaunchOp launch, ArrayRef<int64_t> extents,
                          Attribute layout, bool eachThreadAll, int64_t unrollUpTo,
                          PointBuilder body) {
  Location loc = op->getLoc();
  OpBuilder b(op);
  if (!eachThreadAll) {
    auto parallel = tile::ParallelOp::create(b, loc, extents);
    if (layout)
      parallel.setLayoutAttr(layout);
    Block *block = b.createBlock(&parallel.getBody());
    SmallVector<Value> point;
    for (size_t d = 0; d < extents.size(); ++d)
      point.push_back(block->addArgument(b.getIndexType(), loc));
    b.setInsertionPointToStart(block);
    body(b, loc, point);
    op->erase();
    return;
  }
  auto perThread = tile::PerThreadOp::create(b, loc);
  b.setInsertionPointToStart(&perThread.getBody().emplaceBlock());
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  // A warp-specialized block's producer sits out code before the split.
  Part part = partOf(op, launch);
  if (part.othersReach) {
    Value threadId = tile::ThreadIdOp::create(b, loc, b.getIndexType());
    Value below =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, threadId, index(part.threads));
    b.setInsertionPointToStart(scf::IfOp::create(b, loc, below, false).thenBlock());
  }
  int64_t total = 1;
  for (int64_t extent : extents)
    total *= extent;
  if (total <= unrollUpTo) {
    for (int64_t flat = 0; flat < total; ++flat)
      body(b, loc, splitFlat(b, loc, index(flat), extents));
  } else {
    auto loop = scf::ForOp::create(b, loc, index(0), index(total), index(1));
    b.setInsertionPointToStart(loop.getBody());
    body(b, loc, splitFlat(b, loc, loop.getInductionVar(), extents));
  }
  op->erase();
}

/// Whether `type` has a constant shape; else a located error at `op` (the
/// loops of the whole-tile ops need constant trip counts).
static LogicalResult checkConstantShape(Operation *op, tile::BufferType type) {
  if (!llvm::any_of(type.getShape(), ShapedType::isDynamic))
    return success();
  return op->emitOpError("on GPU targets takes tiles of constant shape only");
}

/// The layout of a tile's loop that runs each element on the thread that
/// holds it: the tile's own where it is an accumulator or its rows, else
/// null (cyclic).
static Attribute accumulatorLayoutOf(tile::BufferType type) {
  if (isa_and_nonnull<tile::WgmmaLayoutAttr, tile::WgmmaRowsLayoutAttr>(type.getLayout()))
    return type.getLayout();
  return {};
}

/// A whole tile's fill as the loop that stores the value at every element:
/// over the buffer's own layout for an accumulator or its rows (each
/// element by the thread that holds it), cyclically otherwise (a
/// #tile.cyclic fragment's element in its slot); a local buffer's on every
/// thread (its own).
static LogicalResult rewriteFill(tile::FillOp fill, tile::LaunchOp launch) {
  auto type = cast<tile::BufferType>(fill.getBuffer().getType());
  if (failed(checkConstantShape(fill, type)))
    return failure();
  Value value = fill.getValue(), buffer = fill.getBuffer();
  replaceByLoop(fill, launch, type.getShape(), accumulatorLayoutOf(type),
                /*eachThreadAll=*/type.getScope() == tile::MemoryScope::Local,
                /*unrollUpTo=*/64, [&](OpBuilder &b, Location loc, ValueRange point) {
                  tile::StoreOp::create(b, loc, value, buffer, point);
                });
  return success();
}

/// A reduction of a tile in memory (shared, global, local) as a loop over
/// its outputs, each folding its line of the source in order
/// (accumulatorType), then combined with the target's value unless it
/// clears it. Fragments in registers (#tile.cyclic, #tile.wgmma) are left to
/// tile-lower-to-gpu, whose reductions combine the threads' elements by
/// shuffles.
static LogicalResult rewriteReduce(tile::ReduceOp reduce, tile::LaunchOp launch) {
  auto srcType = cast<tile::BufferType>(reduce.getSource().getType());
  auto dstType = cast<tile::BufferType>(reduce.getTarget().getType());
  if (isa_and_nonnull<tile::CyclicLayoutAttr, tile::WgmmaLayoutAttr>(srcType.getLayout()))
    return success();
  if (isa_and_nonnull<tile::WgmmaRowsLayoutAttr>(srcType.getLayout()))
    return reduce.emitOpError("on GPU targets does not reduce an accumulator's row statistics");
  if (failed(checkConstantShape(reduce, srcType)) || failed(checkConstantShape(reduce, dstType)))
    return failure();
  LinesAlong lines(srcType.getShape(), reduce.getDim());
  ArrayRef<int64_t> extents = lines.extents;
  Attribute layout;
  if (isa_and_nonnull<tile::WgmmaRowsLayoutAttr>(dstType.getLayout()) &&
      extents == dstType.getShape())
    layout = dstType.getLayout();
  tile::ReduceKind kind = reduce.getKind();
  bool clear = reduce.getClear();
  Value source = reduce.getSource(), target = reduce.getTarget();
  replaceByLoop(
      reduce, launch, extents, layout,
      /*eachThreadAll=*/dstType.getScope() == tile::MemoryScope::Local,
      /*unrollUpTo=*/0, [&](OpBuilder &b, Location loc, ValueRange point) {
        auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
        Type type = valueTypeOf(source), accType = accumulatorType(type);
        auto loop =
            scf::ForOp::create(b, loc, index(0), index(lines.length), index(1),
                               ValueRange{scalar::reductionIdentity(b, loc, kind, accType)});
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(loop.getBody());
          SmallVector<Value> at = lines.elementAt(point, loop.getInductionVar());
          Value x = scalar::cast(b, loc, tile::LoadOp::create(b, loc, type, source, at), accType);
          x = scalar::reductionElement(b, loc, kind, x);
          scf::YieldOp::create(
              b, loc, scalar::combine(b, loc, kind, loop.getRegionIterArgs()[0], x));
        }
        SmallVector<Value> out =
            scalar::unsqueeze(b, loc, scalar::squeeze(point, extents), dstType.getShape());
        Type targetType = valueTypeOf(target);
        Value result = loop.getResult(0);
        // |x| applied to the elements already: the old value combines plainly.
        if (!clear) {
          Value old = tile::LoadOp::create(b, loc, targetType, target, out);
          result = scalar::combine(b, loc, kind, scalar::cast(b, loc, old, accType), result);
        }
        tile::StoreOp::create(b, loc, scalar::cast(b, loc, result, targetType), target, out);
      });
  return success();
}

/// A prefix sum as a loop over its lines, each summed in order along its
/// dimension (accumulatorType), each element read before it is written
/// (the target may be the source).
static LogicalResult rewriteCumsum(tile::CumsumOp cumsum, tile::LaunchOp launch) {
  auto srcType = cast<tile::BufferType>(cumsum.getSource().getType());
  auto dstType = cast<tile::BufferType>(cumsum.getTarget().getType());
  if (inRegisters(srcType) || inRegisters(dstType))
    return cumsum.emitOpError("on GPU targets sums tiles in memory, not fragments in registers");
  if (failed(checkConstantShape(cumsum, srcType)))
    return failure();
  LinesAlong lines(srcType.getShape(), cumsum.getDim());
  bool reverse = cumsum.getReverse();
  Value source = cumsum.getSource(), target = cumsum.getTarget();
  replaceByLoop(
      cumsum, launch, lines.extents, Attribute(),
      /*eachThreadAll=*/dstType.getScope() == tile::MemoryScope::Local,
      /*unrollUpTo=*/0, [&](OpBuilder &b, Location loc, ValueRange point) {
        auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
        Type type = valueTypeOf(source), sumType = accumulatorType(type);
        Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(sumType));
        auto loop =
            scf::ForOp::create(b, loc, index(0), index(lines.length), index(1), ValueRange{zero});
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value step = loop.getInductionVar();
        if (reverse)
          step = arith::SubIOp::create(b, loc, index(lines.length - 1), step);
        SmallVector<Value> at = lines.elementAt(point, step);
        Value x = scalar::cast(b, loc, tile::LoadOp::create(b, loc, type, source, at), sumType);
        Value sum =
            scalar::combine(b, loc, tile::ReduceKind::Sum, loop.getRegionIterArgs()[0], x);
        tile::StoreOp::create(b, loc, scalar::cast(b, loc, sum, valueTypeOf(target)), target, at);
        scf::YieldOp::create(b, loc, ValueRange{sum});
      });
  return success();
}

/// A copy (tile.copy, tile.convert_layout) of `source` into `target` to or
/// from a #tile.wgmma_rows fragment as the loop over its rows that it is:
/// each quad runs the rows it holds (a row's value converted to the
/// target's type), so that only its first lane writes memory and a
/// tensor's rows outside it are read as zero and not written, as any
/// copy's. Other copies are left to tile-lower-to-gpu.
static LogicalResult rewriteRowsCopy(Operation *copy, Value source, Value target,
                                     tile::LaunchOp launch) {
  auto srcType = cast<tile::BufferType>(source.getType());
  auto dstType = cast<tile::BufferType>(target.getType());
  auto rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(srcType.getLayout());
  if (!rows)
    rows = dyn_cast_or_null<tile::WgmmaRowsLayoutAttr>(dstType.getLayout());
  if (!rows)
    return success();
  if (failed(checkConstantShape(copy, srcType)) || failed(checkConstantShape(copy, dstType)))
    return failure();
  auto owner = isa_and_nonnull<tile::WgmmaRowsLayoutAttr>(srcType.getLayout()) ? srcType : dstType;
  replaceByLoop(copy, launch, {owner.getShape()[0]}, rows, /*eachThreadAll=*/false,
                /*unrollUpTo=*/0, [&](OpBuilder &b, Location loc, ValueRange point) {
                  Value x = tile::LoadOp::create(
                      b, loc, valueTypeOf(source), source,
                      scalar::unsqueeze(b, loc, point, srcType.getShape()));
                  tile::StoreOp::create(b, loc, scalar::cast(b, loc, x, valueTypeOf(target)),
                                        target,
                                        scalar::unsqueeze(b, loc, point, dstType.getShape()));
                });
  return success();
}

/// Whether a whole tile's atomic add of `src` into `dst` may take one of
/// tile-lower-to-gpu's target paths, which add many elements a step: a
/// relaxed add of float32 into a float32 tensor from a shared tile (the
/// copy engine's bulk reductions) or from an accumulator (vector adds of
/// neighbouring pairs). Those adds stay whole for it.
static bool mayAddManyAtOnce(tile::AtomicAddOp atomic) {
  auto src = cast<tile::BufferType>(atomic.getValue().getType());
  auto dst = cast<tile::BufferType>(atomic.getTarget().getType());
  if (atomic.getMemoryOrder() != tile::MemoryOrder::Relaxed ||
      dst.getScope() != tile::MemoryScope::Global || !src.getElementType().isF32() ||
      !dst.getElementType().isF32())
    return false;
  if (isa_and_nonnull<tile::WgmmaLayoutAttr>(src.getLayout()))
    return true;
  return src.getScope() == tile::MemoryScope::Shared && !inRegisters(src);
}

/// A whole tile's atomic add as a loop over the tile's elements, each one
/// element's atomic add (converted to the target's element type; outside
/// the target's tensor left alone): over an accumulator's own layout,
/// cyclically otherwise; in a per-thread launch each thread adds all of its
/// own local tile.
static LogicalResult rewriteAtomicAdd(tile::AtomicAddOp atomic, tile::LaunchOp launch) {
  if (!atomic.getIndices().empty() || mayAddManyAtOnce(atomic))
    return success();
  auto srcType = cast<tile::BufferType>(atomic.getValue().getType());
  auto dstType = cast<tile::BufferType>(atomic.getTarget().getType());
  if (failed(checkConstantShape(atomic, srcType)))
    return failure();
  bool eachThreadAll =
      launch.isPerThread() && srcType.getScope() == tile::MemoryScope::Local;
  Value source = atomic.getValue(), target = atomic.getTarget();
  tile::MemoryOrder order = atomic.getMemoryOrder();
  replaceByLoop(atomic, launch, srcType.getShape(), accumulatorLayoutOf(srcType), eachThreadAll,
                /*unrollUpTo=*/64,
                [&](OpBuilder &b, Location loc, ValueRange point) {
                  Value x = tile::LoadOp::create(b, loc, valueTypeOf(source), source, point);
                  SmallVector<Value> at = scalar::unsqueeze(
                      b, loc, scalar::squeeze(point, srcType.getShape()), dstType.getShape());
                  tile::AtomicAddOp::create(b, loc, scalar::cast(b, loc, x, valueTypeOf(target)),
                                            target, at, order);
                });
  return success();
}

/// Whether `op` is in the scalar code of a launch that is not per-thread:
/// code every thread of the block (or of its part) runs alike.
static bool inBlockScalarCode(Operation *op, tile::LaunchOp launch) {
  if (launch.isPerThread())
    return false;
  for (Operation *parent = op->getParentOp(); parent != launch.getOperation();
       parent = parent->getParentOp())
    if (isa<tile::ParallelOp, tile::PerThreadOp>(parent))
      return false;
  return true;
}

/// Whether `op` has an effect the block has once, which one of its threads
/// carries out: a print of a scalar, one element's atomic add, a signal to
/// or a wait for another block.
static bool isOncePerBlock(Operation *op) {
  if (auto print = dyn_cast<tile::PrintOp>(op))
    return !isa<tile::BufferType>(print.getValue().getType());
  if (auto atomic = dyn_cast<tile::AtomicAddOp>(op))
    return !atomic.getIndices().empty();
  return isa<tile::SignalOp, tile::WaitSignalOp>(op);
}

/// Moves `op` (isOncePerBlock, in the block's scalar code) into a
/// tile.per_thread where only the first thread of the part that reaches it
/// runs it. A signal publishes the writes of all the part's threads, so a
/// barrier gathers them first; after a wait, a barrier holds the others
/// until the first thread has seen the flag.
static void runOnFirstThread(Operation *op, tile::LaunchOp launch) {
  Location loc = op->getLoc();
  OpBuilder b(op);
  if (isa<tile::SignalOp>(op))
    tile::BarrierOp::create(b, loc);
  auto perThread = tile::PerThreadOp::create(b, loc);
  b.setInsertionPointToStart(&perThread.getBody().emplaceBlock());
  Value threadId = tile::ThreadIdOp::create(b, loc, b.getIndexType());
  Value first = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq, threadId,
      arith::ConstantIndexOp::create(b, loc, partOf(op, launch).firstThread));
  auto ifOp = scf::IfOp::create(b, loc, first, /*withElseRegion=*/false);
  op->moveBefore(ifOp.thenBlock()->getTerminator());
  if (isa<tile::WaitSignalOp>(op)) {
    b.setInsertionPointAfter(perThread);
    tile::BarrierOp::create(b, loc);
  }
}

namespace {
struct TilePartitionParallelPass
    : public tilec::impl::TilePartitionParallelBase<TilePartitionParallelPass> {
  void runOnOperation() override {
    // Fills, reductions, prefix sums, atomic adds and copies of accumulator
    // rows of whole tiles are loops like T.Parallel's, partitioned with
    // them (those in a T.Parallel body are errors there).
    SmallVector<std::pair<Operation *, tile::LaunchOp>> wholeTileOps;
    getOperation().walk([&](Operation *op) {
      if (!isa<tile::FillOp, tile::ReduceOp, tile::CumsumOp, tile::AtomicAddOp, tile::CopyOp,
               tile::ConvertLayoutOp>(op))
        return;
      auto launch = op->getParentOfType<tile::LaunchOp>();
      if (launch && !op->getParentOfType<tile::ParallelOp>())
        wholeTileOps.push_back({op, launch});
    });
    for (auto [op, launch] : wholeTileOps) {
      LogicalResult rewritten =
          TypeSwitch<Operation *, LogicalResult>(op)
              .Case([&](tile::FillOp fill) { return rewriteFill(fill, launch); })
              .Case([&](tile::ReduceOp reduce) { return rewriteReduce(reduce, launch); })
              .Case([&](tile::CumsumOp cumsum) { return rewriteCumsum(cumsum, launch); })
              .Case([&](tile::AtomicAddOp atomic) { return rewriteAtomicAdd(atomic, launch); })
              .Case([&](tile::CopyOp copy) {
                return rewriteRowsCopy(copy, copy.getSource(), copy.getTarget(), launch);
              })
              .Case([&](tile::ConvertLayoutOp convert) {
                return rewriteRowsCopy(convert, convert.getSource(), convert.getTarget(), launch);
              });
      if (failed(rewritten))
        return signalPassFailure();
    }
    // The block's prints, element atomics and flags run on one thread.
    SmallVector<std::pair<Operation *, tile::LaunchOp>> oncePerBlock;
    WalkResult misplaced = getOperation().walk([&](Operation *op) {
      auto launch = op->getParentOfType<tile::LaunchOp>();
      if (!isOncePerBlock(op) || !launch)
        return WalkResult::advance();
      if (inBlockScalarCode(op, launch)) {
        oncePerBlock.push_back({op, launch});
        return WalkResult::advance();
      }
      if (!isa<tile::SignalOp, tile::WaitSignalOp>(op))
        return WalkResult::advance();
      op->emitOpError("signals or waits for the whole block: not in a T.Parallel or a "
                      "per-thread launch");
      return WalkResult::interrupt();
    });
    if (misplaced.wasInterrupted())
      return signalPassFailure();
    for (auto [op, launch] : oncePerBlock)
      runOnFirstThread(op, launch);
    SmallVector<std::pair<tile::ParallelOp, tile::LaunchOp>> loops;
    getOperation().walk([&](tile::ParallelOp parallel) {
      auto launch = parallel->getParentOfType<tile::LaunchOp>();
      if (launch && !parallel->getParentOfType<tile::ParallelOp>())
        loops.push_back({parallel, launch});
    });
    for (auto [parallel, launch] : loops)
      if (failed(partition(parallel, launch)))
        return signalPassFailure();
  }
};
} // namespace
