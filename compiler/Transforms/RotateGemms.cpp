//===- RotateGemms.cpp - a loop's last gemm beside the next iteration -----===//
//
// Rotates loops whose iteration ends with a wgmma gemm (and the stage
// releases after it) so that iteration j-1's last gemm is issued right after
// iteration j's first one: with the gemms left in flight (wgmma-overlap) the
// tensor cores multiply P_{j-1} V_{j-1} while the threads compute the
// softmax of S_j = Q K_j^T (see TileRotateGemms in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/Transforms/IssueAhead.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-rotate-gemms"

namespace tilec {
#define GEN_PASS_DEF_TILEROTATEGEMMS
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// A loop body split for rotation: the ops up to its first gemm (`head`),
/// the last gemm with the waits for its stages before it and the releases
/// after it (`tail`), and, between them, the work that overlaps the tail of
/// the iteration before.
struct Rotation {
  tile::GemmOp first, last;
  SmallVector<Operation *> head;
  llvm::SmallSetVector<Operation *, 4> tail;
};

/// The buffers an op reads and writes (the allocations or tensors their
/// views come from).
struct BufferAccesses {
  llvm::SmallSetVector<Value, 8> reads, writes;
};

} // namespace

/// Whether a gemm into `c` runs on wgmma, so that it can be left in flight.
static bool leavesGemmInFlight(tile::GemmOp gemm) { return tile::runsOnWgmma(gemm.getC()); }

/// Adds what `op` and the ops inside it read and write.
static void collectAccesses(Operation *op, BufferAccesses &accesses) {
  op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands()) {
      if (!isa<tile::BufferType>(operand.getType()))
        continue;
      Value buffer = tile::viewedBuffer(operand);
      tile::BufferUses uses = tile::operandUses(inner, operand);
      if (uses.read)
        accesses.reads.insert(buffer);
      if (uses.written)
        accesses.writes.insert(buffer);
    }
  });
}

static bool meet(const llvm::SmallSetVector<Value, 8> &a, const llvm::SmallSetVector<Value, 8> &b) {
  return llvm::any_of(a, [&](Value v) { return b.contains(v); });
}

/// Whether the head of an iteration may run before the tail of the one
/// before: it waits for no release of that tail and synchronizes with no
/// other thread, and neither side touches what the other writes.
static bool headCommutesWithTail(const Rotation &rotation) {
  BufferAccesses head, tail;
  for (Operation *op : rotation.head) {
    WalkResult result = op->walk([&](Operation *inner) {
      if (isa<tile::BarrierOp, tile::BarrierArriveOp, tile::AsyncCommitOp, tile::AsyncWaitOp,
              tile::CopyAsyncOp, tile::WarpgroupTurnOp, tile::AtomicAddOp, tile::PrintOp,
              tile::AssertOp>(inner))
        return WalkResult::interrupt();
      if (auto gemm = dyn_cast<tile::GemmOp>(inner); gemm && gemm != rotation.first)
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return false;
    collectAccesses(op, head);
  }
  for (Operation *op : rotation.tail)
    collectAccesses(op, tail);
  // Tensors may alias one another: neither side may write one.
  auto writesTensor = [](const BufferAccesses &accesses) {
    return llvm::any_of(accesses.writes, [](Value buffer) {
      return cast<tile::BufferType>(buffer.getType()).getScope() == tile::MemoryScope::Global;
    });
  };
  if (writesTensor(head) || writesTensor(tail))
    return false;
  if (meet(tail.writes, head.reads) || meet(tail.writes, head.writes) ||
      meet(head.writes, tail.reads))
    return false;
  // A stage released by iteration j-1 is refilled for iteration j - 1 +
  // stages: with two stages or more, the head of iteration j waits for a
  // stage whose release came an iteration earlier.
  for (Operation *op : rotation.tail)
    if (auto arrive = dyn_cast<tile::BarrierArriveOp>(op)) {
      auto type = cast<tile::BufferType>(arrive.getBarriers().getType());
      if (type.getShape().empty() || type.getShape()[0] < 2)
        return false;
    }
  return true;
}

/// The on-chip allocation `operand` views, if the ops of `loop` are its
/// only users: setting it to zero before the loop changes nothing else.
static tile::AllocOp zeroableOperand(Value operand, scf::ForOp loop) {
  auto alloc = tile::viewedBuffer(operand).getDefiningOp<tile::AllocOp>();
  if (!alloc || alloc.getType().getScope() == tile::MemoryScope::Global ||
      alloc.getType().getScope() == tile::MemoryScope::Local)
    return {};
  for (Operation *user : alloc->getUsers())
    if (!loop->isAncestor(user))
      return {};
  return alloc;
}

/// Whether the tail the first iteration runs in place of its predecessor's
/// (on its own stages, A zeroed) reads only what holds that iteration's
/// data already: the body writes nothing the tail reads but A and C (the
/// stages come from another warpgroup's copies, waited for in the tail), so
/// that B holds finite values and 0 x B adds nothing to C.
static bool firstTailAddsNothing(scf::ForOp loop, const Rotation &rotation) {
  BufferAccesses tail, body;
  for (Operation *op : rotation.tail)
    collectAccesses(op, tail);
  for (Operation &op : loop.getBody()->without_terminator())
    collectAccesses(&op, body);
  tile::GemmOp last = rotation.last;
  Value a = tile::viewedBuffer(last.getA()), c = tile::viewedBuffer(last.getC());
  return llvm::none_of(tail.reads, [&](Value buffer) {
    return buffer != a && buffer != c && body.writes.contains(buffer);
  });
}

/// Splits `loop`'s body for rotation, if it qualifies.
static std::optional<Rotation> planRotation(scf::ForOp loop) {
  if (loop.getNumResults() != 0 || !getConstantIntValue(loop.getStep()) ||
      *getConstantIntValue(loop.getStep()) <= 0)
    return std::nullopt;
  Block *body = loop.getBody();
  // Gemms in nested code (an inner loop's) are not this loop's to move.
  WalkResult nested = loop.getBody()->walk([&](tile::GemmOp gemm) {
    return gemm->getBlock() == body ? WalkResult::advance() : WalkResult::interrupt();
  });
  if (nested.wasInterrupted())
    return std::nullopt;
  // The ops with effects, in order; the rest is scalar code any iteration
  // may recompute.
  SmallVector<Operation *> effects;
  for (Operation &op : body->without_terminator())
    if (!isIssuableAhead(&op))
      effects.push_back(&op);
  SmallVector<tile::GemmOp> gemms;
  for (Operation *op : effects)
    if (auto gemm = dyn_cast<tile::GemmOp>(op))
      gemms.push_back(gemm);
  if (gemms.size() < 2 || !leavesGemmInFlight(gemms.front()) ||
      !leavesGemmInFlight(gemms.back()))
    return std::nullopt;
  Rotation rotation;
  rotation.first = gemms.front();
  rotation.last = gemms.back();
  // In the first iteration the moved gemm multiplies a zeroed A by the
  // first iteration's B, which leaves C as it is: it must add to C, and A
  // must be an on-chip buffer only the loop uses (zeroed before it).
  if (rotation.last.getClearAccum() || !zeroableOperand(rotation.last.getA(), loop))
    return std::nullopt;
  auto lastAt = llvm::find(effects, rotation.last.getOperation());
  for (Operation *op : llvm::make_range(std::next(lastAt), effects.end()))
    if (!isa<tile::BarrierArriveOp>(op))
      return std::nullopt;
  // The waits for the last gemm's own stages move with it.
  auto firstAt = llvm::find(effects, rotation.first.getOperation());
  while (std::prev(lastAt) != firstAt && isa<tile::BarrierWaitOp>(*std::prev(lastAt)))
    --lastAt;
  rotation.tail.insert(lastAt, effects.end());
  rotation.head.assign(effects.begin(), std::next(firstAt));
  // Work between the two gemms to overlap, or nothing is gained.
  if (std::next(firstAt) == lastAt)
    return std::nullopt;
  // The tail runs with the previous iteration's values: what it uses from
  // the body must be recomputable.
  if (!llvm::all_of(rotation.tail,
                    [&](Operation *op) { return isRecomputableFor(op, loop); }))
    return std::nullopt;
  if (!headCommutesWithTail(rotation) || !firstTailAddsNothing(loop, rotation))
    return std::nullopt;
  return rotation;
}

/// Erases the ops of `block` that compute values nobody uses.
static void eraseDeadCode(Block &block) {
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
    if (isOpTriviallyDead(&op))
      op.erase();
}

/// Clones the tail op `op` of the previous iteration into the rotated
/// body; its operands are cloned before (cloneOperands). In the first
/// iteration, which has no previous one, the tail runs on the first
/// iteration's stages with A zeroed (adding nothing to C) and releases
/// nothing: a release goes into a branch on `notFirst`.
static void cloneTailOp(OpBuilder &b, Operation *op, IRMapping &mapping, Value notFirst) {
  if (!isa<tile::BarrierArriveOp>(op)) {
    b.clone(*op, mapping);
    return;
  }
  auto branch = scf::IfOp::create(b, op->getLoc(), notFirst, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(branch.thenBlock()->getTerminator());
  b.clone(*op, mapping);
}

/// Rewrites `loop` so that each iteration j issues iteration j - step's
/// tail right after its own first gemm (the first iteration a tail that
/// adds nothing), and the last iteration's tail follows the loop.
static void rotate(scf::ForOp loop, Rotation &rotation) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Block *body = loop.getBody();
  Value lower = loop.getLowerBound(), upper = loop.getUpperBound(), step = loop.getStep();
  Value iv = loop.getInductionVar();

  tile::AllocOp zeroed = zeroableOperand(rotation.last.getA(), loop);
  Type element = zeroed.getType().getElementType();
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  tile::FillOp::create(b, loc, zeroed.getResult(), zero);
  auto rotated = scf::ForOp::create(b, loc, lower, upper, step);
  rotated->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(rotated.getBody()->getTerminator());
    Value j = rotated.getInductionVar();
    IRMapping current, previous;
    current.map(iv, j);
    Value notFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, j, lower);
    previous.map(iv, arith::SelectOp::create(b, loc, notFirst,
                                             arith::SubIOp::create(b, loc, j, step), lower)
                         .getResult());
    for (Operation &op : body->without_terminator()) {
      if (rotation.tail.contains(&op))
        continue;
      b.clone(op, current);
      if (&op != rotation.first.getOperation())
        continue;
      for (Operation *tailOp : rotation.tail)
        cloneOperands(b, tailOp, body, previous);
      for (Operation *tailOp : rotation.tail)
        cloneTailOp(b, tailOp, previous, notFirst);
    }
    eraseDeadCode(*rotated.getBody());
  }

  // The last iteration's tail: at lb + ((ub - lb - 1) / step) * step.
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lower, upper);
  auto last = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(last.thenBlock()->getTerminator());
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value span = arith::SubIOp::create(b, loc, arith::SubIOp::create(b, loc, upper, lower), one);
    Value steps = arith::DivSIOp::create(b, loc, span, step);
    Value lastIv =
        arith::AddIOp::create(b, loc, lower, arith::MulIOp::create(b, loc, steps, step));
    IRMapping mapping;
    mapping.map(iv, lastIv);
    for (Operation *tailOp : rotation.tail)
      cloneWithOperands(b, tailOp, body, mapping);
  }
  loop.erase();
}

/// 32-bit registers each thread of a block running `loop` may hold: a
/// warp-specialized block's consumers get their share where
/// tile-lower-to-gpu moves registers to them (with `setmaxnreg`,
/// consumerRegisterSplit on the block's shared memory as planned now,
/// which later passes only grow), otherwise the register file is split
/// evenly.
static int64_t registersPerThread(tile::LaunchOp launch, scf::ForOp loop, bool setmaxnreg) {
  int64_t threads = launch.getThreads();
  if (loop->getParentOfType<tile::WarpSpecializeOp>()) {
    if (setmaxnreg)
      if (std::optional<RegisterSplit> split =
              consumerRegisterSplit(launch, planSharedMemory(launch.getBody().front())))
        return split->consumer;
    threads += 128; // the producer warpgroup
  }
  return evenRegisters(threads);
}

namespace {
struct TileRotateGemmsPass : tilec::impl::TileRotateGemmsBase<TileRotateGemmsPass> {
  using TileRotateGemmsBase::TileRotateGemmsBase;

  void runOnOperation() override {
    SmallVector<std::pair<scf::ForOp, Rotation>> rotations;
    getOperation().walk([&](scf::ForOp loop) {
      // Loops of the block's code; T.Parallel bodies are per-element code.
      auto launch = loop->getParentOfType<tile::LaunchOp>();
      if (!launch || loop->getParentOfType<tile::ParallelOp>())
        return;
      // The last gemm's operands stay live through the next iteration's
      // work: only where the registers leave room (spills cost more than
      // the overlap gains).
      if (fragmentRegisters(launch) + kRegisterHeadroom >
          registersPerThread(launch, loop, setmaxnreg))
        return;
      if (std::optional<Rotation> rotation = planRotation(loop)) {
        LLVM_DEBUG(llvm::dbgs() << "rotating the loop at " << loop.getLoc() << "\n");
        rotations.emplace_back(loop, std::move(*rotation));
      }
    });
    for (auto &[loop, rotation] : rotations)
      rotate(loop, rotation);
  }
};
} // namespace
