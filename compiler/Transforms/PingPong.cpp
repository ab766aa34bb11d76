//===- PingPong.cpp - consumer warpgroups take turns on the tensor cores --===//
//
// Brackets the first gemms of a warp-specialized consumer loop with turn
// hand-overs between its two warpgroups, so that one warpgroup's gemms
// overlap the other's softmax (see TilePingPong in Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "tile-pingpong"

namespace tilec {
#define GEN_PASS_DEF_TILEPINGPONG
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

/// Whether `op` may sit inside a turn between two gemms: pure code, or a
/// barrier of the executing warpgroup alone.
static bool fitsInTurn(Operation *op) {
  if (auto barrier = dyn_cast<tile::BarrierOp>(op))
    return barrier.getWarpgroup();
  return op->getNumRegions() == 0 && isPure(op);
}

/// The first run of consecutive gemms of `body` (its first and last gemm),
/// or none when the loop does not qualify.
static std::optional<std::pair<tile::GemmOp, tile::GemmOp>> firstGemmRun(Block &body) {
  std::optional<std::pair<tile::GemmOp, tile::GemmOp>> run;
  bool inRun = false, otherWork = false;
  for (Operation &op : body.without_terminator()) {
    if (auto gemm = dyn_cast<tile::GemmOp>(op)) {
      if (!tile::runsOnWgmma(gemm.getC()))
        return std::nullopt;
      if (!run) {
        run = {gemm, gemm};
        inRun = true;
      } else if (inRun) {
        run->second = gemm;
      }
      continue;
    }
    bool nestedGemm =
        op.walk([](tile::GemmOp) { return WalkResult::interrupt(); }).wasInterrupted();
    if (nestedGemm)
      return std::nullopt; // a gemm under a branch: the warpgroups' turns could differ
    if (inRun && fitsInTurn(&op))
      continue;
    inRun = false;
    if (!isa<tile::BarrierWaitOp, tile::BarrierArriveOp, tile::BarrierOp>(op) &&
        !(op.getNumRegions() == 0 && isPure(&op)))
      otherWork = true;
  }
  return otherWork ? run : std::nullopt;
}

namespace {
struct TilePingPongPass : public tilec::impl::TilePingPongBase<TilePingPongPass> {
  void runOnOperation() override {
    getOperation().walk([&](tile::WarpSpecializeOp specialize) {
      auto launch = specialize->getParentOfType<tile::LaunchOp>();
      if (!launch || launch.getThreads() != 256)
        return; // two consumer warpgroups
      for (auto forOp : llvm::make_early_inc_range(
               specialize.getConsumers().front().getOps<scf::ForOp>())) {
        std::optional<std::pair<tile::GemmOp, tile::GemmOp>> run =
            firstGemmRun(*forOp.getBody());
        if (!run)
          continue;
        LLVM_DEBUG(llvm::dbgs() << "turns around " << run->first << "\n");
        OpBuilder b(forOp);
        auto turn = [&](tile::TurnKind kind) {
          tile::WarpgroupTurnOp::create(b, forOp.getLoc(), kind);
        };
        turn(tile::TurnKind::Start);
        // Only the first run takes turns (measured on the H200: turns around
        // every run cost more in hand-overs than they overlapped; turns
        // around the first alone stagger the warpgroups by a gemm, which
        // keeps one's softmax beside the other's gemms).
        b.setInsertionPoint(run->first);
        turn(tile::TurnKind::Wait);
        b.setInsertionPointAfter(run->second);
        turn(tile::TurnKind::Pass);
        b.setInsertionPointAfter(forOp);
        turn(tile::TurnKind::Finish);
      }
    });
  }
};
} // namespace
