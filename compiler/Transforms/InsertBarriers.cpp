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

  /// Whether an access to `this` and one to `other` may touch the same
  /// byte. Tensor arguments may alias one another.
  bool overlaps(const Resource &other) const {
    if (kind != other.kind)
      return false;
    switch (kind) {
    case Kind::Global:
      return true;
    case Kind::Shared:
      return begin < other.end && other.begin < end;
    case Kind::Scratch:
      return owner == other.owner;
    }
    return true;
  }
  bool operator==(const Resource &other) const {
    return kind == other.kind && begin == other.begin && end == other.end &&
           owner == other.owner;
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
  while (auto region = buffer.getDefiningOp<tile::RegionOp>())
    buffer = region.getSource();
  auto type = cast<tile::BufferType>(buffer.getType());
  if (type.getScope() == tile::MemoryScope::Global)
    return Resource{Resource::Kind::Global};
  auto alloc = buffer.getDefiningOp<tile::AllocOp>();
  if (!alloc)
    return Resource{Resource::Kind::Shared, 0, std::numeric_limits<int64_t>::max()};
  if (!isOnChip(alloc))
    return std::nullopt;
  auto offset = alloc->getAttrOfType<IntegerAttr>(tile::kSharedOffsetAttrName);
  if (!offset) // not planned: anywhere
    return Resource{Resource::Kind::Shared, 0, std::numeric_limits<int64_t>::max()};
  int64_t begin = offset.getInt();
  return Resource{Resource::Kind::Shared, begin, begin + bufferBytes(alloc.getType())};
}

/// Whether a T.gemm runs on wgmma (its accumulator has the wgmma layout),
/// whose operand reads go through the async proxy.
bool isWgmma(tile::GemmOp gemm) {
  Value c = gemm.getC();
  while (auto region = c.getDefiningOp<tile::RegionOp>())
    c = region.getSource();
  auto alloc = c.getDefiningOp<tile::AllocOp>();
  return alloc && isa_and_nonnull<tile::WgmmaLayoutAttr>(alloc->getAttr(tile::kLayoutAttrName));
}

Accesses collect(Operation *root) {
  Accesses accesses;
  auto add = [](Resources &into, Value buffer) {
    if (std::optional<Resource> r = resolve(buffer))
      addAll(into, {*r});
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
    if (auto reduce = dyn_cast<tile::ReduceOp>(op)) {
      Resource scratch{Resource::Kind::Scratch};
      scratch.owner = reduce;
      addAll(accesses.reads, {scratch});
      addAll(accesses.writes, {scratch});
    }
    if (auto gemm = dyn_cast<tile::GemmOp>(op); gemm && isWgmma(gemm)) {
      add(accesses.proxyReads, gemm.getA());
      add(accesses.proxyReads, gemm.getB());
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
  /// Walks `block` from `state`; with `apply`, inserts the barriers.
  State visitBlock(Block &block, State state, bool apply);

private:
  void barrierBefore(Operation *op, State &state, bool fence, bool apply) {
    if (apply) {
      OpBuilder b(op);
      auto barrier = tile::BarrierOp::create(b, op->getLoc());
      if (fence)
        barrier.setAsyncProxy(true);
      LLVM_DEBUG(llvm::dbgs() << "barrier" << (fence ? " (async proxy)" : "") << " before "
                              << op->getName() << " at " << op->getLoc() << "\n");
    }
    state.reads.clear();
    state.writes.clear();
    if (fence)
      state.unfenced.clear();
  }
  void visitLeaf(Operation *op, State &state, bool apply);
  State visitLoop(Block &body, State state, bool apply);
};

void BarrierPlanner::visitLeaf(Operation *op, State &state, bool apply) {
  Accesses accesses = collect(op);
  if (accesses.empty())
    return;
  bool fence = anyOverlap(accesses.proxyReads, state.unfenced);
  bool conflict = anyOverlap(accesses.reads, state.writes) ||
                  anyOverlap(accesses.writes, state.reads) ||
                  anyOverlap(accesses.writes, state.writes) ||
                  anyOverlap(accesses.asyncWrites, state.reads) ||
                  anyOverlap(accesses.asyncWrites, state.writes);
  if (conflict || fence)
    barrierBefore(op, state, fence, apply);
  addAll(state.reads, accesses.reads);
  addAll(state.writes, accesses.writes);
  // Asynchronous copies are fenced by their protocol (TMA writes through
  // the async proxy; tile.async_wait fences cp.async copies).
  for (const Resource &r : accesses.writes)
    if (r.kind == Resource::Kind::Shared)
      addAll(state.unfenced, {r});
}

State BarrierPlanner::visitLoop(Block &body, State state, bool apply) {
  // The state at the loop head: what enters, joined with what one more
  // iteration leaves, until nothing changes (the sets only grow, and are
  // bounded by the kernel's buffers).
  State head = state;
  for (;;) {
    State next = head;
    next.merge(visitBlock(body, head, /*apply=*/false));
    if (next == head)
      break;
    head = next;
  }
  State after = visitBlock(body, head, apply);
  after.merge(state); // the loop may run no iteration
  return after;
}

State BarrierPlanner::visitBlock(Block &block, State state, bool apply) {
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (auto barrier = dyn_cast<tile::BarrierOp>(op)) {
      state.reads.clear();
      state.writes.clear();
      if (barrier.getAsyncProxy())
        state.unfenced.clear();
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
      state = visitLoop(*loop.getBody(), state, apply);
      continue;
    }
    if (auto loop = dyn_cast<tile::PipelinedOp>(op)) {
      state = visitLoop(loop.getBody().front(), state, apply);
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

struct TileInsertBarriersPass
    : public tilec::impl::TileInsertBarriersBase<TileInsertBarriersPass> {
  void runOnOperation() override {
    getOperation().walk([&](tile::LaunchOp launch) {
      BarrierPlanner().visitBlock(launch.getBody().front(), State(), /*apply=*/true);
    });
  }
};

} // namespace
