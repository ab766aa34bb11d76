//===- CarryGemms.cpp - a loop's accumulating gemm left in flight ----------===//
//
// Moves the stage releases of a loop whose iteration is one wgmma gemm into
// the next iteration, after that iteration's gemm, so that tile-lower-to-gpu
// can keep each gemm in flight until the next one is issued (see
// TileCarryGemms in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "compiler/Transforms/IssueAhead.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-carry-gemms"

namespace tilec {
#define GEN_PASS_DEF_TILECARRYGEMMS
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

/// The stage releases at the end of `loop`'s body, if the loop qualifies:
/// an iteration waits for its stages, issues one gemm that adds to a wgmma
/// accumulator, and releases stages of barriers that have two slots or more;
/// everything else in it is scalar code the releases' slots can be computed
/// again from.
static std::optional<SmallVector<tile::BarrierArriveOp>> plannedReleases(scf::ForOp loop) {
  if (loop.getNumResults() != 0 || !getConstantIntValue(loop.getStep()) ||
      *getConstantIntValue(loop.getStep()) <= 0 || !loop->getParentOfType<tile::LaunchOp>())
    return std::nullopt;
  SmallVector<Operation *> effects;
  for (Operation &op : loop.getBody()->without_terminator())
    if (!isIssuableAhead(&op))
      effects.push_back(&op);
  auto gemmAt = llvm::find_if(effects, [](Operation *op) { return isa<tile::GemmOp>(op); });
  if (gemmAt == effects.end())
    return std::nullopt;
  auto gemm = cast<tile::GemmOp>(*gemmAt);
  if (!tile::runsOnWgmma(gemm.getC()) || gemm.getClearAccum())
    return std::nullopt;
  if (!llvm::all_of(llvm::make_range(effects.begin(), gemmAt),
                    [](Operation *op) { return isa<tile::BarrierWaitOp>(op); }))
    return std::nullopt;
  SmallVector<tile::BarrierArriveOp> releases;
  for (Operation *op : llvm::make_range(std::next(gemmAt), effects.end())) {
    auto arrive = dyn_cast<tile::BarrierArriveOp>(op);
    if (!arrive || arrive.getOfPreviousIteration())
      return std::nullopt;
    // With one slot the next iteration would wait for the stage it has
    // not released yet.
    ArrayRef<int64_t> slots = arrive.getBarriers().getType().getShape();
    if (slots.empty() || slots[0] < 2 || !isRecomputableFor(arrive, loop))
      return std::nullopt;
    releases.push_back(arrive);
  }
  if (releases.empty())
    return std::nullopt;
  return releases;
}

/// Rewrites the releases of `loop`: iteration j > lb releases iteration
/// j - step's stages right where the loop's releases stood (after its own
/// gemm), and the last iteration's stages are released after the loop.
static void carry(scf::ForOp loop, ArrayRef<tile::BarrierArriveOp> releases) {
  Location loc = loop.getLoc();
  Block *body = loop.getBody();
  Value lower = loop.getLowerBound(), upper = loop.getUpperBound(), step = loop.getStep();
  Value iv = loop.getInductionVar();
  OpBuilder b(releases.front());
  // The slots are computed before the branch (the first iteration's own),
  // so that the branch holds the arrivals only.
  Value notFirst = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, iv, lower);
  IRMapping previous;
  previous.map(iv, arith::SelectOp::create(b, loc, notFirst,
                                           arith::SubIOp::create(b, loc, iv, step), lower)
                       .getResult());
  for (tile::BarrierArriveOp arrive : releases)
    cloneOperands(b, arrive, body, previous);
  auto branch = scf::IfOp::create(b, loc, notFirst, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(branch.thenBlock()->getTerminator());
    for (tile::BarrierArriveOp arrive : releases) {
      auto moved = cast<tile::BarrierArriveOp>(b.clone(*arrive, previous));
      moved.setOfPreviousIteration(true);
    }
  }

  // The last iteration's stages: at lb + ((ub - lb - 1) / step) * step.
  b.setInsertionPointAfter(loop);
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, lower, upper);
  auto last = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  b.setInsertionPoint(last.thenBlock()->getTerminator());
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value span = arith::SubIOp::create(b, loc, arith::SubIOp::create(b, loc, upper, lower), one);
  Value lastIv = arith::AddIOp::create(
      b, loc, lower, arith::MulIOp::create(b, loc, arith::DivSIOp::create(b, loc, span, step), step));
  IRMapping mapping;
  mapping.map(iv, lastIv);
  for (tile::BarrierArriveOp arrive : releases)
    cloneWithOperands(b, arrive, body, mapping);
  for (tile::BarrierArriveOp arrive : releases)
    arrive.erase();
  // The scalar code that computed the released slots in place.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isOpTriviallyDead(&op))
      op.erase();
}

namespace {
struct TileCarryGemmsPass : tilec::impl::TileCarryGemmsBase<TileCarryGemmsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops)
      if (std::optional<SmallVector<tile::BarrierArriveOp>> releases = plannedReleases(loop)) {
        LLVM_DEBUG(llvm::dbgs() << "carrying the gemm of " << loop.getLoc() << "\n");
        carry(loop, *releases);
      }
  }
};
} // namespace
