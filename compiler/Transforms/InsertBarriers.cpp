//===- InsertBarriers.cpp - synchronize tile operations of different threads ===//
//
// Places tile.barrier between tile operations whose threads could otherwise
// race on shared or global memory (see TileInsertBarriers in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-insert-barriers"

namespace tilec {
#define GEN_PASS_DEF_TILEINSERTBARRIERS
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// Memory that threads other than the accessing one can see.
struct Resource {
  enum class Kind { Shared, Global, Scratch };
  Kind kind;
  /// Bytes of the dynamic shared memory (Shared).
  int64_t begin = 0, end = 0;
  /// The tile.reduce whose cross-warp scratch this is (Scratch): each
  /// reduction has scratch of its own, reused only by its next execution.
  Operation *owner = nullptr;
  /// The tensor argument (Global); null for memory of unknown origin.
  Value tensor;
  /// Nonzero when each of this many warpgroups touches only its own rows
  /// of the tile, as a wgmma accumulator's rows are spread (a copy out of
  /// one, a wgmma reading its A operand): two such accesses with the same
  /// count are ordered by each warpgroup synchronizing on its own.
  int64_t rowGroups = 0;
  /// A pending own-rows access that a warpgroup barrier since ordered for
  /// later own-rows accesses (not for any other thread's).
  bool warpgroupOrdered = false;

  /// Whether an access to `this` and one to `other` may touch the same
  /// byte. The tensors of one launch do not overlap (as in TileLang and
  /// Triton; the lowering tells LLVM so with `noalias`).
  bool overlaps(const Resource &other) const {
    if (kind != other.kind)
      return false;
    switch (kind) {
    case Kind::Global:
      return !tensor || !other.tensor || tensor == other.tensor;
    case Kind::Shared:
      return begin < other.end && other.begin < end;
    case Kind::Scratch:
      return owner == other.owner;
    }
    return true;
  }
  bool operator==(const Resource &other) const {
    return kind == other.kind && begin == other.begin && end == other.end &&
           owner == other.owner && tensor == other.tensor && rowGroups == other.rowGroups &&
           warpgroupOrdered == other.warpgroupOrdered;
  }
};

using Resources = SmallVector<Resource, 4>;

void addAll(Resources &into, ArrayRef<Resource> from) {
  for (const Resource &r : from)
    if (!llvm::is_contained(into, r))
      into.push_back(r);
}

bool anyOverlap(ArrayRef<Resource> a, ArrayRef<Resource> b) {
  return llvm::any_of(a, [&](const Resource &x) {
    return llvm::any_of(b, [&](const Resource &y) { return x.overlaps(y); });
  });
}

/// What orders two sets of accesses: nothing, each warpgroup on its own,
/// or the whole block.
enum class Sync { None, Warpgroup, Block };

Sync syncNeeded(ArrayRef<Resource> a, ArrayRef<Resource> b) {
  Sync needed = Sync::None;
  for (const Resource &x : a)
    for (const Resource &y : b) {
      if (!x.overlaps(y))
        continue;
      if (x.rowGroups == 0 || x.rowGroups != y.rowGroups)
        return Sync::Block;
      if (!y.warpgroupOrdered)
        needed = Sync::Warpgroup;
    }
  return needed;
}

bool sameSet(ArrayRef<Resource> a, ArrayRef<Resource> b) {
  return a.size() == b.size() &&
         llvm::all_of(a, [&](const Resource &r) { return llvm::is_contained(b, r); });
}

/// What one tile operation (a T.Parallel loop with its body, a T.copy, ...)
/// reads and writes, as seen by other threads.
struct Accesses {
  Resources reads, writes;
  /// Targets of asynchronous copies: written when the copy lands, which
  /// tile.async_wait / tile.barrier_wait make visible; only the issue must
  /// wait for earlier accesses (write after read).
  Resources asyncWrites;
  /// Shared operands a wgmma reads through the async proxy.
  Resources proxyReads;

  bool empty() const {
    return reads.empty() && writes.empty() && asyncWrites.empty();
  }
};

/// Accesses not yet ordered by a barrier, at a point of the program.
struct State {
  Resources reads, writes;
  /// Shared bytes written through the generic proxy (ordinary stores, or
  /// cp.async) since the last barrier with a proxy fence.
  Resources unfenced;

  void merge(const State &other) {
    addAll(reads, other.reads);
    addAll(writes, other.writes);
    addAll(unfenced, other.unfenced);
  }
  bool operator==(const State &other) const {
    return sameSet(reads, other.reads) && sameSet(writes, other.writes) &&
           sameSet(unfenced, other.unfenced);
  }
};

/// The memory behind a buffer value, or nullopt when it is private to each
/// thread (registers of a fragment with a layout, T.alloc_local).
std::optional<Resource> resolve(Value buffer) {
  buffer = tile::viewedBuffer(buffer);
  auto type = cast<tile::BufferType>(buffer.getType());
  if (type.getScope() == tile::MemoryScope::Global) {
    Resource global{Resource::Kind::Global};
    if (isa<BlockArgument>(buffer))
      global.tensor = buffer;
    return global;
  }
  auto alloc = buffer.getDefiningOp<tile::AllocOp>();
  if (!alloc)
    return Resource{Resource::Kind::Shared, 0, std::numeric_limits<int64_t>::max()};
  if (!isOnChip(alloc))
    return std::nullopt;
  auto offset = alloc.getSharedOffsetAttr();
  if (!offset) // not planned: anywhere
    return Resource{Resource::Kind::Shared, 0, std::numeric_limits<int64_t>::max()};
  int64_t begin = offset.getInt();
  return Resource{Resource::Kind::Shared, begin, begin + bufferBytes(alloc.getType())};
}

/// The warpgroups of a wgmma accumulator (its layout) when each holds
/// whole rows, or 0 (no accumulator, or one whose columns are split: a row
/// then spans warpgroups).
int64_t wgmmaGroups(Value buffer) {
  auto layout = dyn_cast_or_null<tile::WgmmaLayoutAttr>(tile::viewedLayout(buffer));
  return layout && layout.getColumnGroups() == 1 ? layout.getWarpgroups() : 0;
}

/// Whether a T.gemm runs on wgmma (its accumulator has the wgmma layout
/// without `mma_sync`), whose operand reads go through the async proxy.
bool isWgmma(tile::GemmOp gemm) { return tile::runsOnWgmma(gemm.getC()); }

/// Whether `a` and `b` are whole tiles with the same rows.
bool sameRows(Value a, Value b) {
  auto typeA = cast<tile::BufferType>(a.getType()), typeB = cast<tile::BufferType>(b.getType());
  return typeA.getShape().size() == 2 && typeB.getShape().size() == 2 &&
         typeA.getShape()[0] == typeB.getShape()[0] && !a.getDefiningOp<tile::RegionOp>() &&
         !b.getDefiningOp<tile::RegionOp>();
}

/// Whether a reduction's source is a cyclic (register) fragment.
bool hasCyclicSource(tile::ReduceOp reduce) {
  return isa_and_nonnull<tile::CyclicLayoutAttr>(tile::viewedLayout(reduce.getSource()));
}

/// Whether `copy` may store a whole swizzled shared tile into a window of
/// a tensor through TMA (the lowering decides with the tensor maps it can
/// build; this is the superset it chooses from).
bool mayStoreThroughTensorMap(tile::CopyOp copy) {
  auto source = copy.getSource().getDefiningOp<tile::AllocOp>();
  auto window = copy.getTarget().getDefiningOp<tile::RegionOp>();
  return source && source.getType().getScope() == tile::MemoryScope::Shared &&
         isa_and_nonnull<tile::SwizzleLayoutAttr>(tile::getLayout(source)) &&
         window && isa<BlockArgument>(window.getSource()) &&
         cast<tile::BufferType>(window.getType()).getScope() == tile::MemoryScope::Global;
}

/// Whether `atomic` adds a float32 shared tile into float32 global memory,
/// which the lowering may hand to the copy engine (bulk reductions).
bool mayReduceInBulk(tile::AtomicAddOp atomic) {
  auto value = dyn_cast<tile::BufferType>(atomic.getValue().getType());
  auto target = cast<tile::BufferType>(atomic.getTarget().getType());
  return value && value.getScope() == tile::MemoryScope::Shared &&
         value.getElementType().isF32() && target.getElementType().isF32() &&
         target.getScope() == tile::MemoryScope::Global;
}

/// The buffers `root` (an op and what it holds) reads and writes; with
/// `tmaStores`, stores that may go through TMA read through the async proxy.
Accesses collect(Operation *root, bool tmaStores) {
  Accesses accesses;
  auto add = [](Resources &into, Value buffer, int64_t rowGroups = 0, bool ordered = false) {
    if (std::optional<Resource> r = resolve(buffer)) {
      r->rowGroups = r->kind == Resource::Kind::Shared ? rowGroups : 0;
      r->warpgroupOrdered = r->rowGroups != 0 && ordered;
      addAll(into, {*r});
    }
  };
  root->walk([&](Operation *op) {
    // The mbarrier protocol's buffers synchronize; they hold no data.
    if (isa<tile::AsyncCommitOp, tile::AsyncWaitOp, tile::BarrierWaitOp, tile::BarrierArriveOp,
            tile::AnnotateLayoutOp, tile::RegionOp, tile::DimOp, tile::AllocOp>(op))
      return;
    if (auto copy = dyn_cast<tile::CopyAsyncOp>(op)) {
      add(accesses.reads, copy.getSource());
      add(accesses.asyncWrites, copy.getTarget());
      return;
    }
    // One thread hands the tile to TMA and waits until it has been read:
    // an ordinary read for the barriers, one the writers must fence for.
    if (auto copy = dyn_cast<tile::CopyOp>(op); copy && tmaStores && mayStoreThroughTensorMap(copy))
      add(accesses.proxyReads, copy.getSource());
    // So does an atomic add of a float32 shared tile (bulk reductions).
    if (auto atomic = dyn_cast<tile::AtomicAddOp>(op); atomic && tmaStores &&
        mayReduceInBulk(atomic))
      add(accesses.proxyReads, atomic.getValue());
    // Reductions of cyclic fragments combine the warps' partials in scratch
    // (wgmma rows combine by shuffles; shared tiles thread by thread).
    if (auto reduce = dyn_cast<tile::ReduceOp>(op); reduce && hasCyclicSource(reduce)) {
      Resource scratch{Resource::Kind::Scratch};
      scratch.owner = reduce;
      addAll(accesses.reads, {scratch});
      addAll(accesses.writes, {scratch});
    }
    // Copies between a wgmma accumulator and a tile of its shape, and a
    // wgmma's A (its rows are the accumulator's): each warpgroup its rows.
    if (isa<tile::CopyOp, tile::ConvertLayoutOp>(op)) {
      Value source = op->getOperand(0), target = op->getOperand(1);
      int64_t groupsIn = wgmmaGroups(source), groupsOut = wgmmaGroups(target);
      if ((groupsIn || groupsOut) && sameRows(source, target)) {
        if (groupsIn)
          add(accesses.writes, target, groupsIn);
        else
          add(accesses.reads, source, groupsOut);
        return;
      }
    }
    auto gemm = dyn_cast<tile::GemmOp>(op);
    if (gemm && isa_and_nonnull<tile::WgmmaLayoutAttr>(tile::viewedLayout(gemm.getC()))) {
      int64_t groups = wgmmaGroups(gemm.getC());
      bool ownRows = groups && !gemm.getTransposeA() && sameRows(gemm.getA(), gemm.getC());
      if (isWgmma(gemm)) {
        add(accesses.proxyReads, gemm.getA(), ownRows ? groups : 0);
        add(accesses.proxyReads, gemm.getB());
      }
      // The warpgroup waits for its wgmma: once any of its threads is past
      // the gemm, the reads of its rows are done (on mma.sync each warp
      // reads only its own rows, with ldmatrix, which completes in order).
      add(accesses.reads, gemm.getA(), ownRows ? groups : 0, /*ordered=*/true);
      add(accesses.reads, gemm.getB());
      return; // C: the warpgroups' registers
    }
    SmallVector<MemoryEffects::EffectInstance> effects;
    if (auto interface = dyn_cast<MemoryEffectOpInterface>(op))
      interface.getEffects(effects);
    for (Value operand : op->getOperands()) {
      if (!isa<tile::BufferType>(operand.getType()))
        continue;
      bool declared = false;
      for (const MemoryEffects::EffectInstance &effect : effects) {
        if (effect.getValue() != operand)
          continue;
        declared = true;
        if (isa<MemoryEffects::Read>(effect.getEffect()))
          add(accesses.reads, operand);
        if (isa<MemoryEffects::Write>(effect.getEffect()))
          add(accesses.writes, operand);
      }
      if (!declared) // e.g. the tile a T.print shows, an atomic's source
        add(accesses.reads, operand);
    }
  });
  return accesses;
}

class BarrierPlanner {
public:
  /// With `wgmma`, the kernel has warpgroup MMAs: every block barrier also
  /// fences pending generic writes for them, so that one fence before a
  /// loop serves all its iterations.
  explicit BarrierPlanner(bool wgmma, bool tmaStores, bool perThread)
      : fenceAtBlockBarriers(wgmma), tmaStores(tmaStores), perThread(perThread) {}
  /// Walks `block` from `state`; with `apply`, inserts the barriers.
  State visitBlock(Block &block, State state, bool apply);

private:
  void barrierBefore(Operation *op, State &state, bool fence, bool apply,
                     Sync scope = Sync::Block) {
    bool warpgroup = scope == Sync::Warpgroup;
    fence = fence || (fenceAtBlockBarriers && !warpgroup && !state.unfenced.empty());
    ++placed;
    if (apply) {
      OpBuilder b(op);
      auto barrier = tile::BarrierOp::create(b, op->getLoc());
      barrier.setAsyncProxy(fence);
      barrier.setWarpgroup(warpgroup);
      LLVM_DEBUG(llvm::dbgs() << (warpgroup ? "warpgroup " : "") << "barrier"
                              << (fence ? " (async proxy)" : "") << " before " << op->getName()
                              << " at " << op->getLoc() << "\n");
    }
    clearOrdered(state, fence, warpgroup);
  }
  /// Drops what a barrier orders: everything; with `warpgroup`, the own
  /// rows accesses stay pending for other threads' accesses.
  static void clearOrdered(State &state, bool fence, bool warpgroup) {
    auto order = [&](Resources &resources) {
      if (!warpgroup) {
        resources.clear();
        return;
      }
      Resources kept;
      for (Resource r : resources)
        if (r.rowGroups != 0) {
          r.warpgroupOrdered = true;
          addAll(kept, {r});
        } else {
          kept.push_back(r);
        }
      resources = kept;
    };
    order(state.reads);
    order(state.writes);
    if (fence)
      order(state.unfenced);
  }
  void visitLeaf(Operation *op, State &state, bool apply);
  State visitLoop(Operation *loop, Block &body, State state, bool apply);
  /// The state at the head of a loop over `body` entered with `state`.
  State loopHead(Block &body, State state);
  /// The barriers a visit of `body` from `state` places, once its loop
  /// state has settled.
  int64_t barriersInLoop(Block &body, const State &state);
  /// scf.while: its condition block runs before each iteration and once
  /// more at the exit, its body between them.
  State visitWhile(scf::WhileOp loop, State state, bool apply);

  bool fenceAtBlockBarriers;
  /// Whether tile stores to tensors may go through TMA (the target has it).
  bool tmaStores;
  /// A per-thread launch, whose scalar accesses in loops would otherwise
  /// meet what came before the loop in every iteration.
  bool perThread;
  /// Barriers placed so far (or that would be, in visits without apply).
  int64_t placed = 0;
  /// Each leaf op's accesses, collected once: loops visit their bodies
  /// until a fixed point and once more to place the barriers.
  DenseMap<Operation *, Accesses> accessesOf;
};

void BarrierPlanner::visitLeaf(Operation *op, State &state, bool apply) {
  auto [cached, fresh] = accessesOf.try_emplace(op);
  if (fresh)
    cached->second = collect(op, tmaStores);
  const Accesses &accesses = cached->second;
  if (accesses.empty())
    return;
  Sync fence = syncNeeded(accesses.proxyReads, state.unfenced);
  Sync scope = std::max({fence, syncNeeded(accesses.reads, state.writes),
                         syncNeeded(accesses.writes, state.reads),
                         syncNeeded(accesses.writes, state.writes),
                         anyOverlap(accesses.asyncWrites, state.reads) ? Sync::Block : Sync::None,
                         anyOverlap(accesses.asyncWrites, state.writes) ? Sync::Block : Sync::None});
  if (scope != Sync::None)
    barrierBefore(op, state, fence != Sync::None, apply, scope);
  addAll(state.reads, accesses.reads);
  addAll(state.writes, accesses.writes);
  // Asynchronous copies are fenced by their protocol (TMA writes through
  // the async proxy; tile.async_wait fences cp.async copies).
  for (const Resource &r : accesses.writes)
    if (r.kind == Resource::Kind::Shared)
      addAll(state.unfenced, {r});
}

State BarrierPlanner::loopHead(Block &body, State state) {
  // What enters, joined with what one more iteration leaves, until nothing
  // changes (the sets only grow, and are bounded by the kernel's buffers).
  State head = state;
  for (;;) {
    State next = head;
    next.merge(visitBlock(body, head, /*apply=*/false));
    if (next == head)
      return head;
    head = next;
  }
}

int64_t BarrierPlanner::barriersInLoop(Block &body, const State &state) {
  State head = loopHead(body, state);
  int64_t before = placed;
  visitBlock(body, head, /*apply=*/false);
  return placed - before;
}

State BarrierPlanner::visitLoop(Operation *loop, Block &body, State state, bool apply) {
  // In per-thread code, a loop whose only conflicts are with accesses
  // before it gets one barrier before it instead of one in every iteration.
  if (perThread && !(state.reads.empty() && state.writes.empty())) {
    State ordered = state;
    clearOrdered(ordered, /*fence=*/false, /*warpgroup=*/false);
    if (barriersInLoop(body, ordered) == 0 && barriersInLoop(body, state) != 0)
      barrierBefore(loop, state, /*fence=*/false, apply);
  }
  State after = visitBlock(body, loopHead(body, state), apply);
  after.merge(state); // the loop may run no iteration
  return after;
}

State BarrierPlanner::visitWhile(scf::WhileOp loop, State state, bool apply) {
  Block &condition = loop.getBefore().front(), &body = loop.getAfter().front();
  State head = state;
  for (;;) {
    State next = head;
    next.merge(visitBlock(body, visitBlock(condition, head, /*apply=*/false), /*apply=*/false));
    if (next == head)
      break;
    head = next;
  }
  State exit = visitBlock(condition, head, apply);
  visitBlock(body, exit, apply);
  return exit;
}

State BarrierPlanner::visitBlock(Block &block, State state, bool apply) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (auto barrier = dyn_cast<tile::BarrierOp>(op)) {
      clearOrdered(state, barrier.getAsyncProxy(), barrier.getWarpgroup());
      continue;
    }
    if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
      State joined = visitBlock(ifOp.getThenRegion().front(), state, apply);
      if (!ifOp.getElseRegion().empty())
        joined.merge(visitBlock(ifOp.getElseRegion().front(), state, apply));
      else
        joined.merge(state);
      state = joined;
      continue;
    }
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      state = visitLoop(loop, *loop.getBody(), state, apply);
      continue;
    }
    if (auto loop = dyn_cast<tile::PipelinedOp>(op)) {
      state = visitLoop(loop, loop.getBody().front(), state, apply);
      continue;
    }
    if (auto loop = dyn_cast<scf::WhileOp>(op)) {
      state = visitWhile(loop, state, apply);
      continue;
    }
    if (auto specialize = dyn_cast<tile::WarpSpecializeOp>(op)) {
      // The parts run on disjoint threads and meet only through mbarriers;
      // what came before is ordered for both by one barrier of the block.
      if (!state.reads.empty() || !state.writes.empty())
        barrierBefore(specialize, state, /*fence=*/false, apply);
      State joined = visitBlock(specialize.getProducer().front(), state, apply);
      joined.merge(visitBlock(specialize.getConsumers().front(), state, apply));
      state = joined;
      continue;
    }
    visitLeaf(&op, state, apply); // T.Parallel loops whole, other tile ops
  }
  return state;
}

bool threadDependent(Value value, DenseMap<Value, bool> &known);
bool everyThreadReachesBarriers(tile::LaunchOp launch);

struct TileInsertBarriersPass
    : public tilec::impl::TileInsertBarriersBase<TileInsertBarriersPass> {
  using TileInsertBarriersBase::TileInsertBarriersBase;
  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](tile::LaunchOp launch) {
      bool perThread = launch.isPerThread();
      if (perThreadOnly && !perThread)
        return;
      bool wgmma = launch.walk([](tile::GemmOp gemm) {
                          return isWgmma(gemm) ? WalkResult::interrupt() : WalkResult::advance();
                        }).wasInterrupted();
      BarrierPlanner(wgmma, tma, perThread)
          .visitBlock(launch.getBody().front(), State(), /*apply=*/true);
      if (perThread && !everyThreadReachesBarriers(launch))
        failed = true;
    });
    if (failed)
      signalPassFailure();
  }
};

/// Whether `value` may differ between the threads of a per-thread launch:
/// it derives from tile.thread_id or from what a local buffer holds (loads
/// of shared and global memory at the same indices agree).
bool threadDependent(Value value, DenseMap<Value, bool> &known) {
  if (auto it = known.find(value); it != known.end())
    return it->second;
  known[value] = false; // a loop-carried value meets itself: assume not, then see
  bool dependent = false;
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(owner)) {
      if (arg == loop.getInductionVar())
        dependent = threadDependent(loop.getLowerBound(), known) ||
                    threadDependent(loop.getUpperBound(), known) ||
                    threadDependent(loop.getStep(), known);
      else if (OpOperand *init = loop.getTiedLoopInit(arg))
        dependent = threadDependent(init->get(), known) ||
                    threadDependent(loop.getTiedLoopYieldedValue(arg)->get(), known);
    } else if (isa<scf::WhileOp>(owner)) {
      dependent = true; // values of a while loop: not followed
    }
  } else if (Operation *def = value.getDefiningOp()) {
    if (isa<tile::ThreadIdOp>(def)) {
      dependent = true;
    } else if (auto load = dyn_cast<tile::LoadOp>(def)) {
      auto type = cast<tile::BufferType>(tile::viewedBuffer(load.getBuffer()).getType());
      dependent = type.getScope() == tile::MemoryScope::Local ||
                  llvm::any_of(load.getIndices(),
                               [&](Value i) { return threadDependent(i, known); });
    } else if (def->getNumRegions() != 0) {
      dependent = true; // results of branches and loops: not followed
    } else {
      dependent = llvm::any_of(def->getOperands(),
                               [&](Value v) { return threadDependent(v, known); });
    }
  }
  known[value] = dependent;
  return dependent;
}

/// Reports each block barrier of a per-thread launch that some threads
/// would not reach (inside a branch or loop that depends on the thread).
bool everyThreadReachesBarriers(tile::LaunchOp launch) {
  DenseMap<Value, bool> known;
  bool ok = true;
  launch.walk([&](tile::BarrierOp barrier) {
    for (Operation *parent = barrier->getParentOp(); parent != launch;
         parent = parent->getParentOp()) {
      Value decides;
      if (auto branch = dyn_cast<scf::IfOp>(parent))
        decides = branch.getCondition();
      else if (auto loop = dyn_cast<scf::ForOp>(parent))
        decides = threadDependent(loop.getLowerBound(), known) ? loop.getLowerBound()
                  : threadDependent(loop.getUpperBound(), known) ? loop.getUpperBound()
                                                                 : loop.getStep();
      else if (auto loop = dyn_cast<scf::WhileOp>(parent))
        decides = loop.getConditionOp().getCondition();
      if (!decides || !threadDependent(decides, known))
        continue;
      // The barrier orders the next access after it (its location is the
      // op's it was inserted for).
      Operation *access = barrier->getNextNode();
      InFlightDiagnostic diag =
          (access ? access : barrier.getOperation())->emitError()
          << "threads of the block share this memory with accesses before it, which "
             "needs a block barrier here; but whether a thread gets here depends on its "
             "index (T.get_thread_binding), and every thread must reach a barrier: move "
             "the shared-memory access out of the condition or loop";
      diag.attachNote(parent->getLoc()) << "the condition or loop that depends on it";
      ok = false;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return ok;
}

} // namespace
