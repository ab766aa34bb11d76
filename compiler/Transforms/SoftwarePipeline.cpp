//===- SoftwarePipeline.cpp - load T.Pipelined tiles ahead ----------------===//
//
// Rewrites T.Pipelined loops into a prologue and a steady-state scf.for over
// multi-buffered shared tiles filled by tile.copy_async (see
// TileSoftwarePipeline in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/Transforms/IssueAhead.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-software-pipeline"

namespace tilec {
#define GEN_PASS_DEF_TILESOFTWAREPIPELINE
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// The head of a T.Pipelined body: scalar code and regions, then the copies
/// into shared buffers that only the rest of the loop reads.
struct Prologue {
  SmallVector<Operation *> ops;          // every op of the head, in order
  SmallVector<tile::CopyOp> copies;      // the copies among them
  SmallVector<tile::AllocOp> targets;    // their shared buffers
};

/// Whether `copy` (in `loop`) fills a whole shared buffer that nothing
/// outside `loop` touches and nothing inside writes otherwise.
static tile::AllocOp stageableTarget(tile::CopyOp copy, tile::PipelinedOp loop) {
  auto sourceType = copy.getSource().getType();
  if (sourceType.getScope() != tile::MemoryScope::Global)
    return {};
  auto alloc = copy.getTarget().getDefiningOp<tile::AllocOp>();
  if (!alloc || alloc.getType().getScope() != tile::MemoryScope::Shared ||
      loop->isAncestor(alloc))
    return {};
  for (OpOperand &use : alloc.getResult().getUses()) {
    Operation *user = use.getOwner();
    if (user == copy.getOperation() || isa<tile::AnnotateLayoutOp>(user))
      continue;
    if (!loop->isAncestor(user))
      return {};
    // Another writer in the loop would race with the loads in flight.
    if (auto other = dyn_cast<tile::CopyOp>(user); other && other.getTarget() == alloc.getResult())
      return {};
    if (isa<tile::StoreOp, tile::FillOp, tile::RegionOp, tile::AtomicAddOp, tile::CumsumOp>(user))
      return {};
    if (auto gemm = dyn_cast<tile::GemmOp>(user); gemm && gemm.getC() == alloc.getResult())
      return {};
  }
  return alloc;
}

static Prologue findPrologue(tile::PipelinedOp loop) {
  Prologue head;
  for (Operation &op : loop.getBody().front()) {
    if (auto copy = dyn_cast<tile::CopyOp>(op)) {
      tile::AllocOp target = stageableTarget(copy, loop);
      if (!target || llvm::is_contained(head.targets, target))
        break;
      head.ops.push_back(&op);
      head.copies.push_back(copy);
      head.targets.push_back(target);
      continue;
    }
    if (!isIssuableAhead(&op))
      break;
    head.ops.push_back(&op);
  }
  // Trailing scalar code serves the rest of the body, which recomputes it.
  while (!head.ops.empty() && !isa<tile::CopyOp>(head.ops.back()))
    head.ops.pop_back();
  // Copies further down the body (attention's V tile, loaded after the
  // softmax) are issued with the head's when their source is computed from
  // the induction variable and values from outside by code that may run
  // ahead (isIssuableAhead, views), and nothing in the body reads their
  // target before them.
  Block &body = loop.getBody().front();
  for (Operation &op : body) {
    auto copy = dyn_cast<tile::CopyOp>(op);
    if (!copy || llvm::is_contained(head.copies, copy))
      continue;
    tile::AllocOp target = stageableTarget(copy, loop);
    if (!target || llvm::is_contained(head.targets, target))
      continue;
    bool readBefore = llvm::any_of(target->getUsers(), [&](Operation *user) {
      Operation *inBody = body.findAncestorOpInBlock(*user);
      return inBody && inBody != copy && inBody->isBeforeInBlock(copy);
    });
    if (readBefore)
      continue;
    // The pure scalar code the source needs, in body order.
    SetVector<Operation *> slice;
    SmallVector<Value> worklist{copy.getSource()};
    bool issuable = true;
    while (!worklist.empty() && issuable) {
      Operation *def = worklist.pop_back_val().getDefiningOp();
      if (!def || def->getBlock() != &body || slice.contains(def))
        continue;
      if (!isIssuableAhead(def)) {
        issuable = false;
        break;
      }
      slice.insert(def);
      llvm::append_range(worklist, def->getOperands());
      // A branch also needs what its regions use from the body.
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(def->getRegions(), captured);
      llvm::append_range(worklist, captured);
    }
    if (!issuable)
      continue;
    SmallVector<Operation *> ordered(slice.begin(), slice.end());
    llvm::sort(ordered, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
    LLVM_DEBUG(llvm::dbgs() << "staging a copy from the body: " << copy << "\n");
    llvm::append_range(head.ops, ordered);
    head.ops.push_back(copy);
    head.copies.push_back(copy);
    head.targets.push_back(target);
  }
  return head;
}

/// The view of stage `stage` of a multi-buffered tile, shaped like the
/// original buffer.
static Value stageView(OpBuilder &b, Location loc, Value staged, Value stage,
                       tile::BufferType original) {
  SmallVector<Value> offsets{stage};
  SmallVector<int64_t> sizes{1};
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  for (int64_t extent : original.getShape()) {
    offsets.push_back(zero);
    sizes.push_back(extent);
  }
  return tile::RegionOp::create(b, loc, staged, offsets, sizes, original.getShape());
}

/// Whether the kernel around `loop` suits a producer warpgroup: the loop is
/// the launch body's only pipelined loop, and nothing in the kernel combines
/// values across the block's threads (reductions, prints and asserts count
/// the threads they run on), except reductions along the rows of a wgmma
/// accumulator, which only its warpgroups run. Atomic adds spread over the
/// threads of the part that runs them (the consumers), as copies do.
static bool canSpecialize(tile::PipelinedOp loop) {
  auto launch = dyn_cast<tile::LaunchOp>(loop->getParentOp());
  // The producer warpgroup comes on top of the launch's threads, and a
  // block has at most 1024: 1024 threads keep the plain pipeline.
  if (!launch || launch.getThreads() % 128 != 0 || launch.getThreads() + 128 > 1024)
    return false;
  auto onWgmmaRows = [](tile::ReduceOp reduce) {
    return isa_and_nonnull<tile::WgmmaLayoutAttr>(tile::viewedLayout(reduce.getSource()));
  };
  WalkResult walk = launch.walk([&](Operation *op) {
    if (auto reduce = dyn_cast<tile::ReduceOp>(op); reduce && onWgmmaRows(reduce))
      return WalkResult::advance();
    if ((isa<tile::PipelinedOp>(op) && op != loop) ||
        isa<tile::ReduceOp, tile::CumsumOp, tile::PrintOp, tile::AssertOp>(op))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !walk.wasInterrupted();
}

/// Copies from a read-only tensor into a shared tile that the launch body
/// issues before `loop` and that nothing uses before it, the loop only
/// reads, and only code after the loop may write (attention's Q tile; the
/// backward's K and V tiles, which its epilogue reuses to stage dK and dV):
/// a producer warpgroup issues them ahead of the loop's stages, on a
/// barrier of their own, so that the first stages' loads need not wait
/// until they have landed. The consumers wait for them before the loop,
/// which every use after it follows (the code after a warp-specialized
/// loop runs on the consumers).
static SmallVector<tile::CopyOp> leadingCopies(tile::PipelinedOp loop) {
  SmallVector<tile::CopyOp> copies;
  for (Operation &op : llvm::make_range(loop->getBlock()->begin(), loop->getIterator())) {
    auto copy = dyn_cast<tile::CopyOp>(op);
    auto target = copy ? copy.getTarget().getDefiningOp<tile::AllocOp>() : nullptr;
    if (!target || target.getType().getScope() != tile::MemoryScope::Shared ||
        target->getBlock() != loop->getBlock() || !isReadOnlyTensor(copy.getSource()))
      continue;
    Block *block = loop->getBlock();
    bool loadableAhead = llvm::all_of(target->getUsers(), [&](Operation *user) {
      if (user == copy.getOperation() || isa<tile::AnnotateLayoutOp>(user))
        return true;
      if (loop->isAncestor(user))
        return !tile::operandUses(user, target.getResult()).written;
      Operation *top = block->findAncestorOpInBlock(*user);
      return top && loop->isBeforeInBlock(top);
    });
    if (loadableAhead)
      copies.push_back(copy);
  }
  return copies;
}

/// Copies of a pipelined loop whose tiles the body first uses in the same
/// op: a producer fills them together, on barriers of their own.
struct CopyGroup {
  SmallVector<size_t> copies; ///< indices into the prologue's copies
  Operation *firstUse = nullptr, *lastUse = nullptr; ///< ops of the body
};

/// Groups the prologue's copies by the first op of the loop body (not a
/// copy of the prologue) that uses their tiles, in the order of those ops:
/// FlashAttention's K (Q K^T) and V (P V) come apart, so that the consumers
/// release K's stage once Q K^T has read it, and the producer refills it,
/// while P V still reads V's. Tiles the body's rest does not use join the
/// first group. One group where every tile is first used by the same op.
static SmallVector<CopyGroup> groupCopies(tile::PipelinedOp loop, const Prologue &head) {
  Block &body = loop.getBody().front();
  SmallVector<CopyGroup> groups;
  SmallVector<size_t> unused;
  for (auto [index, target] : llvm::enumerate(head.targets)) {
    // The body's ops (outside the head) that use the tile, first and last.
    Operation *first = nullptr, *last = nullptr;
    for (Operation *user : target->getUsers()) {
      Operation *op = body.findAncestorOpInBlock(*user);
      if (!op || llvm::is_contained(head.ops, op))
        continue;
      if (!first || op->isBeforeInBlock(first))
        first = op;
      if (!last || last->isBeforeInBlock(op))
        last = op;
    }
    if (!first) {
      unused.push_back(index);
      continue;
    }
    auto group = llvm::find_if(groups, [&](const CopyGroup &g) { return g.firstUse == first; });
    if (group == groups.end()) {
      groups.push_back({{}, first, last});
      group = std::prev(groups.end());
    }
    group->copies.push_back(index);
    if (group->lastUse->isBeforeInBlock(last))
      group->lastUse = last;
  }
  llvm::sort(groups, [](const CopyGroup &x, const CopyGroup &y) {
    return x.firstUse->isBeforeInBlock(y.firstUse);
  });
  if (groups.empty())
    groups.push_back({});
  llvm::append_range(groups.front().copies, unused);
  // One group: waited for at the top of the body and released at its end.
  if (groups.size() == 1) {
    llvm::sort(groups.front().copies);
    groups.front().firstUse = groups.front().lastUse = nullptr;
  }
  return groups;
}

/// A launch whose blocks stay resident and take its tiles in turn
/// (`persistent`): the grid becomes min(tiles, SMs), and block b runs tiles
/// b, b + grid, ... The producer warpgroup of a block then loads the next
/// tile's stages while its consumers finish the last one (its epilogue),
/// instead of every block filling its pipeline anew.
struct PersistentPlan {
  /// The launch body's ops before and after the loop (not allocations):
  /// each tile runs them again, the ones after it on the consumers only.
  SmallVector<Operation *> before, after;
  tile::UseSwizzleOp rasterization;
};

/// Whether `op` reads or writes no memory, also in its regions.
static bool isEffectFree(Operation *op) {
  return isMemoryEffectFree(op) && !isa<tile::TileDialect>(op->getDialect());
}

/// The plan for making the launch around the warp-specialized `loop`
/// persistent, if it can be: no tile loaded ahead of the loop (a producer
/// would have to refill it for each tile), grid extents all known before the
/// launch, and everything the producer needs of the code before the loop
/// (the loop bounds, the copies' sources) computable without memory.
static std::optional<PersistentPlan> planPersistence(tile::PipelinedOp loop,
                                                     const Prologue &head,
                                                     ArrayRef<tile::CopyOp> leading) {
  auto launch = cast<tile::LaunchOp>(loop->getParentOp());
  if (!leading.empty() || launch.getGrid().empty() || launch.getGrid().size() > 3)
    return std::nullopt;
  PersistentPlan plan;
  bool afterLoop = false;
  for (Operation &op : launch.getBody().front()) {
    if (&op == loop.getOperation()) {
      afterLoop = true;
      continue;
    }
    if (isa<tile::AllocOp>(op)) {
      if (afterLoop)
        return std::nullopt;
      continue;
    }
    if (auto swizzle = dyn_cast<tile::UseSwizzleOp>(op)) {
      plan.rasterization = swizzle;
      continue;
    }
    (afterLoop ? plan.after : plan.before).push_back(&op);
  }
  // What the producer's copies and loop need from the code before the loop.
  Block &body = launch.getBody().front();
  SmallVector<Value> needed{loop.getLowerBound(), loop.getUpperBound(), loop.getStep()};
  for (Operation *op : head.ops) {
    llvm::append_range(needed, op->getOperands());
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(op->getRegions(), captured);
    llvm::append_range(needed, captured);
  }
  DenseSet<Operation *> seen;
  while (!needed.empty()) {
    Operation *def = needed.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != &body || !seen.insert(def).second || isa<tile::AllocOp>(def))
      continue;
    if (!isEffectFree(def))
      return std::nullopt;
    llvm::append_range(needed, def->getOperands());
  }
  return plan;
}

/// The grid of a persistent launch, built before it: every tile once, at
/// most `residentBlocks` blocks. Returns the tile count and the grid.
static std::pair<Value, Value> persistentGrid(OpBuilder &b, tile::LaunchOp launch,
                                              int64_t residentBlocks) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(launch);
  Location loc = launch.getLoc();
  Value tiles = launch.getGrid().front();
  for (Value extent : launch.getGrid().drop_front())
    tiles = arith::MulIOp::create(b, loc, tiles, extent);
  // Signed: what launch metadata evaluates on the host (tiles >= 0).
  Value grid = arith::MinSIOp::create(
      b, loc, tiles, arith::ConstantIndexOp::create(b, loc, residentBlocks));
  return {tiles, grid};
}

/// The block indices of tile `tile` of `launch`'s original grid: x fastest,
/// or, under T.use_swizzle(panel), down the rows of panels of `panel`
/// columns (as blocks are rasterized without persistence).
static SmallVector<Value> tileIndices(OpBuilder &b, Location loc, tile::LaunchOp launch,
                                      ArrayRef<Value> grid, tile::UseSwizzleOp rasterization,
                                      Value tile) {
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  Value columns = grid[0];
  Value rows = grid.size() > 1 ? grid[1] : constant(1);
  Value layer = arith::MulIOp::create(b, loc, columns, rows);
  Value z = arith::DivUIOp::create(b, loc, tile, layer);
  Value linear = arith::RemUIOp::create(b, loc, tile, layer);
  Value x, y;
  if (rasterization && grid.size() >= 2) {
    std::tie(x, y) = rasterizePanels(b, loc, linear, columns, rows,
                                     constant(rasterization.getPanel()));
  } else {
    x = arith::RemUIOp::create(b, loc, linear, columns);
    y = arith::DivUIOp::create(b, loc, linear, columns);
  }
  return {x, y, z};
}

/// Shared memory that staging the accumulator stores among `ops` takes
/// (copies of a #tile.wgmma fragment into a tensor, through a shared tile
/// of the tensor's element type).
static int64_t stagedStoreBytes(ArrayRef<Operation *> ops) {
  int64_t bytes = 0;
  for (Operation *op : ops)
    op->walk([&](tile::CopyOp copy) {
      auto target = cast<tile::BufferType>(copy.getTarget().getType());
      if (target.getScope() == tile::MemoryScope::Global &&
          isa_and_nonnull<tile::WgmmaLayoutAttr>(tile::viewedLayout(copy.getSource())))
        bytes += bufferBytes(target);
    });
  return bytes;
}

/// Shared memory the stages of `head`'s tiles take (with their barriers):
/// what a block of the launch takes at least, whatever else it reuses.
static int64_t stageBytes(const Prologue &head, int64_t stages) {
  int64_t bytes = 0;
  for (tile::AllocOp target : head.targets)
    bytes += bufferBytes(target.getType()) * stages;
  return bytes + 8 * 2 * stages;
}

/// The stage of iteration `iteration` (counted from the loop's start, plus
/// `base` when given: the iterations before it, which the persistent tile
/// loop keeps modulo 2 x stages) and its round over the stages, both index
/// values. The division and remainder by the constant run on 32 bits: on
/// the GPU they sit between one k-step's tensor-core wait and the next
/// one's issue, where 64-bit ones take a chain of wide multiplies. The i32
/// sum wraps as the 64-bit one does, so they are right whenever the count
/// itself fits 32 bits (tile-stream-k's pieces pass a base below zero):
/// 2^32 iterations of one tile would be a tensor of more than 2^32 blocks
/// along one dimension.
static std::pair<Value, Value> stageAndRound(OpBuilder &b, Location loc, Value iteration,
                                             Value base, int64_t stages) {
  Type i32 = b.getI32Type();
  auto narrow = [&](Value v) { return arith::IndexCastUIOp::create(b, loc, i32, v).getResult(); };
  Value count = narrow(iteration);
  if (base)
    count = arith::AddIOp::create(b, loc, count, narrow(base));
  Value stageCount = arith::ConstantIntOp::create(b, loc, i32, stages);
  auto widen = [&](Value v) {
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v).getResult();
  };
  return {widen(arith::RemUIOp::create(b, loc, count, stageCount)),
          widen(arith::DivUIOp::create(b, loc, count, stageCount))};
}

/// What the pass was asked for.
struct PipelineOptions {
  bool warpSpecialize = false, persistent = false;
  int64_t smCount = 0;
};

/// Pipelines one loop; false if it does not match.
static bool pipeline(tile::PipelinedOp loop, const PipelineOptions &options) {
  int64_t stages = loop.getNumStages();
  if (stages < 2)
    return false;
  Prologue head = findPrologue(loop);
  if (head.copies.empty())
    return false;
  LLVM_DEBUG(llvm::dbgs() << "pipelining " << head.copies.size() << " copies over " << stages
                          << " stages\n");
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  // S stages of each target, layout attributes kept.
  SmallVector<Value> staged;
  for (tile::AllocOp target : head.targets) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(target);
    tile::BufferType type = target.getType();
    SmallVector<int64_t> shape{stages};
    llvm::append_range(shape, type.getShape());
    auto stagedType = tile::BufferType::get(b.getContext(), shape, type.getElementType(),
                                            type.getScope(), type.getLayout());
    auto alloc = tile::AllocOp::create(b, target.getLoc(), stagedType);
    alloc.setStaged(true);
    staged.push_back(alloc.getResult());
  }
  // One completion barrier per stage.
  Value barriers;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfter(staged.back().getDefiningOp());
    auto type = tile::BufferType::get({stages}, b.getI64Type(), tile::MemoryScope::Shared);
    auto alloc = tile::AllocOp::create(b, loc, type);
    alloc.setMbarriers(true);
    barriers = alloc.getResult();
  }
  Value lb = loop.getLowerBound(), ub = loop.getUpperBound(), step = loop.getStep();
  // Values of the launch body as the code being built sees them: the same
  // ones, except in the tile loops of a persistent launch.
  IRMapping outer;
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  auto eraseOriginal = [&]() {
    loop.erase();
    for (tile::AllocOp target : head.targets) {
      // Annotations of the old buffer now apply to the stages.
      for (Operation *user : llvm::make_early_inc_range(target->getUsers()))
        user->erase();
      target.erase();
    }
  };
  // The body minus the head's copies, on the stage `stage`, at `iv`;
  // `before` and `after` run around each op cloned.
  auto cloneBody = [&](Value iv, Value stage, function_ref<void(Operation *)> before = {},
                       function_ref<void(Operation *)> after = {}) {
    IRMapping mapping = outer;
    mapping.map(loop.getInductionVar(), iv);
    SmallVector<Value> views;
    for (auto [target, stagedBuffer] : llvm::zip(head.targets, staged)) {
      views.push_back(stageView(b, loc, stagedBuffer, stage, target.getType()));
      mapping.map(target.getResult(), views.back());
    }
    for (Operation &op : loop.getBody().front()) {
      if (auto copy = dyn_cast<tile::CopyOp>(op); copy && llvm::is_contained(head.copies, copy))
        continue;
      if (before)
        before(&op);
      b.clone(op, mapping);
      if (after)
        after(&op);
    }
    // Views of a target in the body now view its stage.
    for (Value view : views)
      tile::retypeViewsOf(view);
  };
  SmallVector<size_t> allCopies = llvm::to_vector(llvm::seq<size_t>(0, head.copies.size()));
  auto add = [&](Value x, Value y) { return arith::AddIOp::create(b, loc, x, y).getResult(); };
  auto mul = [&](Value x, Value y) { return arith::MulIOp::create(b, loc, x, y).getResult(); };
  // Issues the head's copies for the iteration at `iv` into stage `stage`,
  // if that iteration exists.
  auto issue = [&](Value iv, Value stage, Value barriers, ArrayRef<size_t> copies) {
    Value exists = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, iv,
                                         outer.lookupOrDefault(ub));
    auto ifOp = scf::IfOp::create(b, loc, exists, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    IRMapping mapping = outer;
    mapping.map(loop.getInductionVar(), iv);
    for (Operation *op : head.ops) {
      auto copy = dyn_cast<tile::CopyOp>(op);
      if (!copy) {
        b.clone(*op, mapping);
        continue;
      }
      size_t index = llvm::find(head.copies, copy) - head.copies.begin();
      if (!llvm::is_contained(copies, index))
        continue;
      Value view = stageView(b, copy.getLoc(), staged[index], stage, head.targets[index].getType());
      tile::CopyAsyncOp::create(b, copy.getLoc(), mapping.lookup(copy.getSource()), view,
                                barriers, stage);
    }
  };
  if (options.warpSpecialize && canSpecialize(loop)) {
    // A producer warpgroup fills stage i mod S of each group of tiles once
    // the consumers released it (the group's empty barrier's previous
    // phase); the consumers wait for a group's copies (its full barrier)
    // before its first use in the body and release it after its last.
    SmallVector<CopyGroup> groups = groupCopies(loop, head);
    auto launch = cast<tile::LaunchOp>(loop->getParentOp());
    int64_t consumers = launch.getThreads();
    auto newBarriers = [&](Value after, int64_t arrivals, int64_t slots = 0) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointAfter(after.getDefiningOp());
      auto type = slots ? tile::BufferType::get({slots}, b.getI64Type(), tile::MemoryScope::Shared)
                        : cast<tile::BufferType>(barriers.getType());
      auto alloc = tile::AllocOp::create(b, loc, type);
      alloc.setMbarriers(true);
      if (arrivals)
        alloc.setArrivalsAttr(b.getI64IntegerAttr(arrivals));
      return alloc.getResult();
    };
    SmallVector<Value> full, empty;
    Value last = barriers;
    for (size_t g = 0; g < groups.size(); ++g) {
      full.push_back(g == 0 ? barriers : (last = newBarriers(last, 0)));
      empty.push_back(last = newBarriers(last, consumers));
    }
    SmallVector<tile::CopyOp> leading = leadingCopies(loop);
    Value leadBarrier;
    if (!leading.empty())
      leadBarrier = newBarriers(last, 0, /*slots=*/1);
    std::optional<PersistentPlan> persistent;
    if (options.persistent && options.smCount > 0)
      persistent = planPersistence(loop, head, leading);
    // Only where one block takes an SM's shared memory by its stages and,
    // beside them, its epilogue's accumulator stores as tile-stage-stores
    // stages them (a persistent block cannot reuse the stages' bytes for
    // them), counting nothing else: then one block an SM is what runs
    // anyway, and a grid of one block an SM cannot leave blocks waiting for
    // others to finish all their tiles (which registers, not known here,
    // or buffers sharing bytes could cause for smaller blocks). A GEMM of
    // four 48 KB stages does not fit beside its staged epilogue and stays
    // as it is; with three it becomes persistent.
    if (persistent) {
      int64_t bytes = stageBytes(head, stages) + stagedStoreBytes(persistent->after);
      if (blocksPerSM(bytes) != 1)
        persistent.reset();
    }
    Value tiles, grid;
    SmallVector<Value> originalGrid;
    if (persistent) {
      originalGrid = llvm::to_vector(launch.getGrid());
      std::tie(tiles, grid) = persistentGrid(b, launch, options.smCount);
      LLVM_DEBUG(llvm::dbgs() << "persistent over " << options.smCount << " SMs\n");
    }
    Value noIterations = persistent ? constant(0) : Value();
    auto specialize = tile::WarpSpecializeOp::create(b, loc, /*persistent=*/bool(persistent));
    // Persistent: the iterations the block's earlier tiles ran, modulo 2 x
    // stages (all that stages and barrier phases depend on; they continue
    // from there), small so that the count within a tile fits 32 bits.
    Value base;
    auto perIteration = [&](Value iv) {
      Value iteration = arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, iv, outer.lookupOrDefault(lb)),
          outer.lookupOrDefault(step));
      return stageAndRound(b, loc, iteration, base, stages);
    };
    // The loop over the iterations in a region of the op (persistent: in a
    // loop over the block's tiles, after the code before the loop, all of
    // it for the consumers, what computes values for the producer); the
    // insertion point ends in its body.
    auto loopIn = [&](Region &region, bool consumerSide, function_ref<void()> before) {
      b.setInsertionPointToStart(&region.emplaceBlock());
      if (persistent) {
        Block &launchBody = launch.getBody().front();
        auto tileLoop = scf::ForOp::create(b, loc, launchBody.getArgument(0), tiles, grid,
                                           ValueRange{noIterations});
        b.setInsertionPointToStart(tileLoop.getBody());
        outer.clear();
        base = tileLoop.getRegionIterArg(0);
        SmallVector<Value> indices = tileIndices(b, loc, launch, originalGrid,
                                                 persistent->rasterization,
                                                 tileLoop.getInductionVar());
        for (unsigned d = 0; d < launchBody.getNumArguments(); ++d)
          outer.map(launchBody.getArgument(d), indices[d]);
        // The producer takes the code that computes without memory, and
        // only where what it uses was taken too (planPersistence checked
        // that its copies need nothing else).
        DenseSet<Operation *> leftOut;
        for (Operation *op : persistent->before) {
          auto fromLeftOut = [&](Value v) {
            return v.getDefiningOp() && leftOut.contains(v.getDefiningOp());
          };
          SetVector<Value> captured;
          getUsedValuesDefinedAbove(op->getRegions(), captured);
          if (!consumerSide && (!isEffectFree(op) || llvm::any_of(op->getOperands(), fromLeftOut) ||
                                llvm::any_of(captured, fromLeftOut))) {
            leftOut.insert(op);
            continue;
          }
          b.clone(*op, outer);
        }
      }
      before();
      auto forOp = scf::ForOp::create(b, loc, outer.lookupOrDefault(lb),
                                      outer.lookupOrDefault(ub), outer.lookupOrDefault(step));
      b.setInsertionPointToStart(forOp.getBody());
      return forOp;
    };
    // Persistent: after the loop of a tile, the code after it (consumers)
    // and the iterations done so far, for the next tile.
    auto finishTile = [&](scf::ForOp forOp, bool consumerSide) {
      if (!persistent)
        return;
      b.setInsertionPointAfter(forOp);
      if (consumerSide) {
        // The tile's indices again rather than kept through the loop, as
        // block indices are re-read from special registers: the loop's
        // accumulators leave few registers.
        auto tileLoop = cast<scf::ForOp>(forOp->getParentOp());
        Block &launchBody = launch.getBody().front();
        SmallVector<Value> indices = tileIndices(b, loc, launch, originalGrid,
                                                 persistent->rasterization,
                                                 tileLoop.getInductionVar());
        for (unsigned d = 0; d < launchBody.getNumArguments(); ++d)
          outer.map(launchBody.getArgument(d), indices[d]);
        for (Operation *op : persistent->after)
          b.clone(*op, outer);
      }
      Value span = arith::MaxSIOp::create(
          b, loc, arith::SubIOp::create(b, loc, forOp.getUpperBound(), forOp.getLowerBound()),
          constant(0));
      Value trips = arith::CeilDivSIOp::create(b, loc, span, forOp.getStep());
      scf::YieldOp::create(b, loc,
                           arith::RemUIOp::create(b, loc, add(base, trips), constant(2 * stages))
                               .getResult());
    };
    {
      OpBuilder::InsertionGuard guard(b);
      scf::ForOp forOp = loopIn(specialize.getProducer(), /*consumerSide=*/false, [&] {
        if (leading.empty())
          return;
        Value slot = constant(0);
        for (tile::CopyOp copy : leading)
          tile::CopyAsyncOp::create(b, copy.getLoc(), copy.getSource(), copy.getTarget(),
                                    leadBarrier, slot);
        tile::AsyncCommitOp::create(b, loc, leadBarrier, slot);
      });
      Value iv = forOp.getInductionVar();
      auto [stage, round] = perIteration(iv);
      // In round 0 the stage is free: a fresh barrier passes parity 1.
      Value freePhase = arith::RemUIOp::create(b, loc, add(round, constant(1)), constant(2));
      for (auto [group, fullBarriers, emptyBarriers] : llvm::zip(groups, full, empty)) {
        tile::BarrierWaitOp::create(b, loc, emptyBarriers, stage, freePhase);
        issue(iv, stage, fullBarriers, group.copies);
        tile::AsyncCommitOp::create(b, loc, fullBarriers, stage);
      }
      finishTile(forOp, /*consumerSide=*/false);
    }
    {
      OpBuilder::InsertionGuard guard(b);
      scf::ForOp forOp = loopIn(specialize.getConsumers(), /*consumerSide=*/true, [&] {
        if (!leading.empty())
          tile::BarrierWaitOp::create(b, loc, leadBarrier, constant(0), constant(0));
      });
      Value iv = forOp.getInductionVar();
      auto [stage, round] = perIteration(iv);
      Value phase = arith::RemUIOp::create(b, loc, round, constant(2));
      if (groups.size() == 1) { // the whole body between wait and release
        tile::BarrierWaitOp::create(b, loc, full[0], stage, phase);
        cloneBody(iv, stage);
        tile::BarrierArriveOp::create(b, loc, empty[0], stage);
      } else {
        cloneBody(
            iv, stage,
            [&](Operation *op) {
              for (auto [group, fullBarriers] : llvm::zip(groups, full))
                if (group.firstUse == op)
                  tile::BarrierWaitOp::create(b, loc, fullBarriers, stage, phase);
            },
            [&](Operation *op) {
              for (auto [group, emptyBarriers] : llvm::zip(groups, empty))
                if (group.lastUse == op)
                  tile::BarrierArriveOp::create(b, loc, emptyBarriers, stage);
            });
      }
      finishTile(forOp, /*consumerSide=*/true);
    }
    if (persistent) {
      // The tiles' code now lives in the specialized regions.
      for (Operation *op : llvm::reverse(persistent->after))
        op->erase();
    }
    eraseOriginal();
    for (tile::CopyOp copy : leading)
      copy.erase();
    if (persistent) {
      for (Operation *op : llvm::reverse(persistent->before))
        op->erase();
      if (persistent->rasterization)
        persistent->rasterization.erase();
      launch.getGridMutable().assign(grid);
    }
    return true;
  }
  // Prologue: the first S - 1 iterations' tiles.
  for (int64_t s = 0; s + 1 < stages; ++s) {
    Value stage = constant(s);
    issue(add(lb, mul(step, constant(s))), stage, barriers, allCopies);
    tile::AsyncCommitOp::create(b, loc, barriers, stage);
  }
  // Steady state.
  auto forOp = scf::ForOp::create(b, loc, lb, ub, step);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    Value iv = forOp.getInductionVar();
    Value iteration = arith::DivUIOp::create(b, loc, arith::SubIOp::create(b, loc, iv, lb), step);
    Value ahead = add(iteration, constant(stages - 1));
    Value aheadStage = stageAndRound(b, loc, ahead, Value(), stages).first;
    issue(add(iv, mul(step, constant(stages - 1))), aheadStage, barriers, allCopies);
    tile::AsyncCommitOp::create(b, loc, barriers, aheadStage);
    auto [current, round] = stageAndRound(b, loc, iteration, Value(), stages);
    // The stage's barrier completes once per round over the stages.
    Value phase = arith::RemUIOp::create(b, loc, round, constant(2));
    tile::AsyncWaitOp::create(b, loc, barriers, current, phase, stages - 1);
    cloneBody(iv, current);
  }
  eraseOriginal();
  return true;
}

struct TileSoftwarePipelinePass
    : public tilec::impl::TileSoftwarePipelineBase<TileSoftwarePipelinePass> {
  using TileSoftwarePipelineBase::TileSoftwarePipelineBase;
  void runOnOperation() override {
    SmallVector<tile::PipelinedOp> loops;
    getOperation().walk([&](tile::PipelinedOp loop) { loops.push_back(loop); });
    // Innermost first, so that a pipelined loop's body is final.
    for (tile::PipelinedOp loop : llvm::reverse(loops))
      pipeline(loop, {warpSpecialize, persistent, smCount});
  }
};

} // namespace
