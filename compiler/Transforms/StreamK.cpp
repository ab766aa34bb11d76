//===- StreamK.cpp - the last wave of a persistent GEMM split along K ------===//
//
// Rewrites the tile loops of a persistent warp-specialized launch whose
// tiles accumulate one wgmma gemm over a k-loop of the same length: where
// the tile count leaves the last wave of blocks mostly idle, the k-loop
// iterations of the last tiles are shared out evenly among all blocks,
// and the blocks that end a tile add the partial accumulators the others
// publish (see TileStreamK in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/Transforms/IssueAhead.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-stream-k"

namespace tilec {
#define GEN_PASS_DEF_TILESTREAMK
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// One side of a persistent tile.warp_specialize: its loop over the
/// block's tiles and, at the top level of that loop's body, the pipelined
/// k-loop.
struct TileLoop {
  scf::ForOp tiles;
  scf::ForOp kLoop;
};

/// What the rewrite of a launch needs, found by `plan`.
struct Plan {
  tile::LaunchOp launch;
  TileLoop producer, consumers;
  /// The accumulator the consumers' gemm adds to (a wgmma fragment).
  tile::AllocOp accumulator;
  /// The resident blocks: the SM count the persistent grid was capped at.
  int64_t residentBlocks = 0;
};

} // namespace

/// The tile loop of `region` (its last op) and the k-loop in it: the first
/// loop at the top level of its body that holds `isPipelined` ops.
static std::optional<TileLoop> tileLoopOf(Region &region,
                                          function_ref<bool(Operation *)> isPipelined) {
  Block &block = region.front();
  auto tiles = block.empty() ? nullptr : dyn_cast<scf::ForOp>(block.back());
  if (!tiles || tiles.getNumRegionIterArgs() != 1)
    return std::nullopt;
  for (Operation &op : tiles.getBody()->without_terminator()) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop || loop.getNumResults() != 0)
      continue;
    bool pipelined = false;
    loop.walk([&](Operation *inner) { pipelined |= isPipelined(inner); });
    if (pipelined)
      return TileLoop{tiles, loop};
  }
  return std::nullopt;
}

/// Whether `value` is defined outside `loop`, or computed in its body by
/// code that may run ahead (isIssuableAhead) from such values: the same
/// for every tile, so computable before the loop.
static bool isHoistable(Value value, scf::ForOp loop) {
  if (loop.isDefinedOutsideOfLoop(value))
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != loop.getBody() || !isIssuableAhead(def))
    return false;
  return llvm::all_of(def->getOperands(), [&](Value v) { return isHoistable(v, loop); });
}

/// Computes hoistable `value` at `b`'s insertion point (its ops of `body`
/// cloned once into `mapping`).
static Value hoist(OpBuilder &b, Value value, Block *body, IRMapping &mapping) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != body)
    return value;
  if (!mapping.contains(value))
    cloneWithOperands(b, def, body, mapping);
  return mapping.lookup(value);
}

/// Whether the consumers' k-loop only accumulates: one gemm into the
/// accumulator, stage waits and releases, views and scalar code.
static tile::GemmOp onlyAccumulates(scf::ForOp kLoop) {
  tile::GemmOp gemm;
  bool other = false;
  kLoop.getBody()->walk([&](Operation *op) {
    if (auto g = dyn_cast<tile::GemmOp>(op)) {
      other |= bool(gemm);
      gemm = g;
      return;
    }
    if (isa<tile::BarrierWaitOp, tile::BarrierArriveOp, tile::RegionOp, tile::WarpgroupTurnOp,
            scf::ForOp, scf::IfOp, scf::YieldOp>(op))
      return;
    other |= !isMemoryEffectFree(op);
  });
  return other ? tile::GemmOp() : gemm;
}

/// Whether `op` clears `accumulator` (a fill with zero).
static bool clears(Operation *op, tile::AllocOp accumulator) {
  auto fill = dyn_cast<tile::FillOp>(op);
  if (!fill || fill.getBuffer() != accumulator.getResult())
    return false;
  if (auto constant = fill.getValue().getDefiningOp<arith::ConstantOp>())
    if (auto value = dyn_cast<FloatAttr>(constant.getValue()))
      return value.getValue().isZero();
  return false;
}

/// The rewrite's plan for `specialize`, if its launch qualifies.
static std::optional<Plan> plan(tile::WarpSpecializeOp specialize) {
  if (!specialize.getPersistent())
    return std::nullopt;
  Plan plan;
  plan.launch = dyn_cast<tile::LaunchOp>(specialize->getParentOp());
  if (!plan.launch || plan.launch.getGrid().size() != 1)
    return std::nullopt;
  auto producer = tileLoopOf(specialize.getProducer(),
                             [](Operation *op) { return isa<tile::CopyAsyncOp>(op); });
  auto consumers = tileLoopOf(specialize.getConsumers(),
                              [](Operation *op) { return isa<tile::GemmOp>(op); });
  if (!producer || !consumers)
    return std::nullopt;
  plan.producer = *producer;
  plan.consumers = *consumers;
  // The grid: min(tiles, resident blocks), computed before the launch.
  auto grid = plan.launch.getGrid().front().getDefiningOp<arith::MinSIOp>();
  if (!grid)
    return std::nullopt;
  std::optional<int64_t> resident = getConstantIntValue(grid.getRhs());
  if (!resident || *resident <= 0 || grid.getLhs() != consumers->tiles.getUpperBound())
    return std::nullopt;
  plan.residentBlocks = *resident;
  // One gemm adding to a wgmma accumulator in the k-loop, which the tile
  // clears before it and reads only after it.
  tile::GemmOp gemm = onlyAccumulates(consumers->kLoop);
  if (!gemm || gemm.getClearAccum())
    return std::nullopt;
  plan.accumulator = gemm.getC().getDefiningOp<tile::AllocOp>();
  if (!plan.accumulator || plan.accumulator->getParentOp() != plan.launch.getOperation() ||
      !isa_and_nonnull<tile::WgmmaLayoutAttr>(tile::getLayout(plan.accumulator)) ||
      !plan.accumulator.getType().hasStaticShape() ||
      !plan.accumulator.getType().getElementType().isF32())
    return std::nullopt;
  // Before the k-loop: the clear and scalar code only (each piece of a tile
  // runs it again).
  for (TileLoop side : {plan.producer, plan.consumers}) {
    bool cleared = false;
    for (Operation &op : *side.tiles.getBody()) {
      if (&op == side.kLoop.getOperation())
        break;
      if (clears(&op, plan.accumulator)) {
        cleared = true;
        continue;
      }
      if (!isMemoryEffectFree(&op))
        return std::nullopt;
    }
    if (side.tiles.getOperation() == plan.consumers.tiles.getOperation() && !cleared)
      return std::nullopt;
    // Every tile's k-loop has the same length.
    for (Value bound : {side.kLoop.getLowerBound(), side.kLoop.getUpperBound(),
                        side.kLoop.getStep()})
      if (!isHoistable(bound, side.tiles))
        return std::nullopt;
  }
  return plan;
}

namespace {
/// Index arithmetic at one insertion point.
struct IndexMath {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivSIOp::create(b, loc, x, y); }
  Value rem(Value x, Value y) { return arith::RemSIOp::create(b, loc, x, y); }
  Value ceilDiv(Value x, Value y) { return arith::CeilDivSIOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
};

/// The workspaces of the rewritten launch.
struct Workspaces {
  Value partials; // one accumulator per block
  Value flags;    // one i32 per block, zero between launches
};
} // namespace

/// Block `block`'s slot of the partials: a view shaped as the accumulator.
static Value partialSlot(OpBuilder &b, Location loc, Plan &plan, const Workspaces &ws,
                         Value block) {
  ArrayRef<int64_t> shape = plan.accumulator.getType().getShape();
  SmallVector<int64_t> sizes{1};
  llvm::append_range(sizes, shape);
  SmallVector<Value> offsets{block};
  offsets.append(shape.size(), arith::ConstantIndexOp::create(b, loc, 0));
  return tile::RegionOp::create(b, loc, ws.partials, offsets, sizes, shape);
}

/// The accumulator plus block `from`'s published partial, once it is there.
static void addPartial(OpBuilder &b, Location loc, Plan &plan, const Workspaces &ws,
                       Value from) {
  tile::WaitSignalOp::create(b, loc, ws.flags, from);
  ArrayRef<int64_t> shape = plan.accumulator.getType().getShape();
  Value slot = partialSlot(b, loc, plan, ws, from);
  auto parallel = tile::ParallelOp::create(b, loc, shape);
  parallel.setLayoutAttr(tile::getLayout(plan.accumulator));
  Block *body = b.createBlock(&parallel.getBody());
  SmallVector<Value> point;
  for (size_t d = 0; d < shape.size(); ++d)
    point.push_back(body->addArgument(b.getIndexType(), loc));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  Type f32 = b.getF32Type();
  Value own = tile::LoadOp::create(b, loc, f32, plan.accumulator, point);
  Value other = tile::LoadOp::create(b, loc, f32, slot, point);
  tile::StoreOp::create(b, loc, arith::AddFOp::create(b, loc, own, other), plan.accumulator,
                        point);
}

/// Rewrites one side's tile loop into a loop over the block's pieces of
/// work: its data-parallel tiles, then, from the last to the first, the
/// pieces of its share of the stream-K iterations. On the consumers' side
/// a piece that ends no tile publishes its accumulator, and one that ends
/// a tile adds the others' before the tile's epilogue.
static void rewriteSide(Plan &plan, TileLoop side, bool consumerSide,
                        const Workspaces &ws) {
  scf::ForOp tiles = side.tiles;
  Location loc = tiles.getLoc();
  OpBuilder b(tiles);
  IndexMath m{b, loc};
  Block *body = tiles.getBody();
  Value block = tiles.getLowerBound(), tileCount = tiles.getUpperBound();
  Value resident = m.c(plan.residentBlocks);
  // The k-loop's length, the same for every tile.
  IRMapping hoisted;
  Value lb = hoist(b, side.kLoop.getLowerBound(), body, hoisted);
  Value ub = hoist(b, side.kLoop.getUpperBound(), body, hoisted);
  Value step = hoist(b, side.kLoop.getStep(), body, hoisted);
  Value iterations = m.ceilDiv(m.max(m.sub(ub, lb), m.c(0)), step);
  Value iterationsOr1 = m.max(iterations, m.c(1));
  // Whole waves stay data-parallel while the last one is at least 85% busy
  // (a split tile costs a store and a load of its accumulator); else the
  // last wave and the one before it, or the only one, are split evenly.
  Value waves = m.div(tileCount, resident), left = m.rem(tileCount, resident);
  Value busyEnough = m.cmp(arith::CmpIPredicate::sge, m.mul(tileCount, m.c(100)),
                           m.mul(m.mul(m.add(waves, m.c(1)), resident), m.c(85)));
  Value whole = arith::OrIOp::create(
      b, loc, m.cmp(arith::CmpIPredicate::eq, left, m.c(0)), busyEnough);
  Value splitTiles =
      m.select(whole, m.c(0),
               m.select(m.cmp(arith::CmpIPredicate::sge, waves, m.c(1)), m.add(resident, left),
                        left));
  Value dataParallel = m.sub(tileCount, splitTiles);
  // This block's share [first, end) of the split iterations.
  Value work = m.mul(splitTiles, iterations);
  Value first = m.div(m.mul(block, work), resident);
  Value end = m.div(m.mul(m.add(block, m.c(1)), work), resident);
  Value ownTiles = m.ceilDiv(m.max(m.sub(dataParallel, block), m.c(0)), resident);
  Value pieces = m.select(m.cmp(arith::CmpIPredicate::sgt, end, first),
                          m.add(m.ceilDiv(m.sub(end, first), iterationsOr1), m.c(1)), m.c(0));
  Value count = m.add(ownTiles, pieces);
  auto loop = scf::ForOp::create(b, loc, m.c(0), count, m.c(1),
                                 ValueRange{tiles.getInitArgs().front(), end});
  b.setInsertionPointToStart(loop.getBody());
  Value u = loop.getInductionVar();
  Value base = loop.getRegionIterArg(0), pieceEnd = loop.getRegionIterArg(1);
  Value isTile = m.cmp(arith::CmpIPredicate::slt, u, ownTiles);
  // A split piece: the part of the tile holding iteration pieceEnd - 1.
  Value splitTile = m.div(m.sub(pieceEnd, m.c(1)), iterationsOr1);
  Value tileStart = m.mul(splitTile, iterationsOr1);
  Value pieceStart = m.max(first, tileStart);
  Value tile = m.select(isTile, m.add(block, m.mul(u, resident)), m.add(dataParallel, splitTile));
  Value from = m.select(isTile, m.c(0), m.sub(pieceStart, tileStart));
  Value to = m.select(isTile, iterations, m.sub(pieceEnd, tileStart));
  Value live = arith::OrIOp::create(b, loc, isTile,
                                    m.cmp(arith::CmpIPredicate::sgt, pieceEnd, first));
  auto ifLive = scf::IfOp::create(b, loc, TypeRange{b.getIndexType()}, live, true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifLive.elseBlock());
    scf::YieldOp::create(b, loc, base);
    b.setInsertionPointToStart(ifLive.thenBlock());
    // The stages count iterations from the tile's first: this piece's
    // first is iteration `from` of the tile.
    IRMapping mapping;
    mapping.map(tiles.getInductionVar(), tile);
    mapping.map(tiles.getRegionIterArg(0), m.sub(base, from));
    SmallVector<Operation *> after;
    scf::ForOp kLoop;
    for (Operation &op : body->without_terminator()) {
      Operation *clone = b.clone(op, mapping);
      if (&op == side.kLoop.getOperation())
        kLoop = cast<scf::ForOp>(clone);
      else if (kLoop)
        after.push_back(clone);
    }
    {
      OpBuilder::InsertionGuard kGuard(b);
      b.setInsertionPoint(kLoop);
      Value kLower = kLoop.getLowerBound(), kStep = kLoop.getStep();
      kLoop.getLowerBoundMutable().assign(m.add(kLower, m.mul(from, kStep)));
      kLoop.getUpperBoundMutable().assign(
          m.min(m.add(kLower, m.mul(to, kStep)), kLoop.getUpperBound()));
    }
    if (consumerSide) {
      // Ends the tile: the other pieces' partials, then the epilogue; else
      // this block's partial for the block that ends the tile.
      Value ends = m.cmp(arith::CmpIPredicate::eq, to, iterations);
      auto ifEnds = scf::IfOp::create(b, loc, ends, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard fixGuard(b);
      b.setInsertionPointToStart(ifEnds.elseBlock());
      tile::CopyOp::create(b, loc, plan.accumulator, partialSlot(b, loc, plan, ws, block));
      tile::SignalOp::create(b, loc, ws.flags, block);
      b.setInsertionPointToStart(ifEnds.thenBlock());
      auto ifShared = scf::IfOp::create(b, loc, m.cmp(arith::CmpIPredicate::sgt, from, m.c(0)),
                                        /*withElseRegion=*/false);
      {
        OpBuilder::InsertionGuard sharedGuard(b);
        b.setInsertionPointToStart(ifShared.thenBlock());
        // The blocks holding the tile's earlier iterations: from the one
        // holding its first on, each that holds any (with fewer split
        // iterations than blocks some hold none).
        Value firstBlock =
            m.div(m.sub(m.mul(m.add(tileStart, m.c(1)), resident), m.c(1)), work);
        auto others = scf::ForOp::create(b, loc, firstBlock, block, m.c(1));
        b.setInsertionPointToStart(others.getBody());
        Value other = others.getInductionVar();
        Value otherFirst = m.div(m.mul(other, work), resident);
        Value otherEnd = m.div(m.mul(m.add(other, m.c(1)), work), resident);
        auto ifHolds = scf::IfOp::create(
            b, loc, m.cmp(arith::CmpIPredicate::sgt, otherEnd, otherFirst), false);
        b.setInsertionPointToStart(ifHolds.thenBlock());
        addPartial(b, loc, plan, ws, other);
      }
      for (Operation *op : after)
        op->moveBefore(ifEnds.thenBlock()->getTerminator());
    }
    scf::YieldOp::create(b, loc, m.add(base, m.sub(to, from)));
    // The tile loop's count of its tile's iterations, cloned, is unused.
    SmallVector<Operation *> ops;
    ifLive.thenBlock()->walk([&](Operation *op) { ops.push_back(op); });
    for (Operation *op : llvm::reverse(ops))
      if (op->getNumRegions() == 0 && isOpTriviallyDead(op))
        op->erase();
  }
  Value nextEnd = m.select(isTile, pieceEnd, pieceStart);
  scf::YieldOp::create(b, loc, ValueRange{ifLive.getResult(0), nextEnd});
  tiles.getResult(0).replaceAllUsesWith(loop.getResult(0));
  tiles.erase();
}

namespace {
struct TileStreamKPass : tilec::impl::TileStreamKBase<TileStreamKPass> {
  void runOnOperation() override {
    SmallVector<Plan> plans;
    getOperation().walk([&](tile::WarpSpecializeOp specialize) {
      if (std::optional<Plan> found = plan(specialize))
        plans.push_back(*found);
    });
    // Workspace names are unique within a kernel function.
    DenseMap<Operation *, unsigned> rewrittenIn;
    for (Plan &plan : plans) {
      LLVM_DEBUG(llvm::dbgs() << "stream-K over " << plan.residentBlocks << " blocks at "
                              << plan.launch.getLoc() << "\n");
      tile::LaunchOp launch = plan.launch;
      Location loc = launch.getLoc();
      OpBuilder b(launch);
      // Every resident block takes a share, whatever the tile count.
      Value grid = arith::ConstantIndexOp::create(b, loc, plan.residentBlocks);
      launch.getGridMutable().assign(grid);
      tile::BufferType accumulator = plan.accumulator.getType();
      SmallVector<int64_t> partialShape{plan.residentBlocks};
      llvm::append_range(partialShape, accumulator.getShape());
      unsigned n = rewrittenIn[launch->getParentOp()]++;
      std::string suffix = n ? "_" + std::to_string(n) : "";
      Workspaces ws;
      auto partials = tile::AllocGlobalOp::create(
          b, loc,
          tile::BufferType::get(partialShape, accumulator.getElementType(),
                                tile::MemoryScope::Global),
          ValueRange(), b.getStringAttr("stream_k_partials" + suffix), b.getUnitAttr());
      auto flags = tile::AllocGlobalOp::create(
          b, loc,
          tile::BufferType::get({plan.residentBlocks}, b.getI32Type(),
                                tile::MemoryScope::Global),
          ValueRange(), b.getStringAttr("stream_k_flags" + suffix), UnitAttr());
      ws.partials = partials.getResult();
      ws.flags = flags.getResult();
      rewriteSide(plan, plan.producer, /*consumerSide=*/false, ws);
      rewriteSide(plan, plan.consumers, /*consumerSide=*/true, ws);
    }
  }
};
} // namespace
