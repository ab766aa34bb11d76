//===- FlattenConditionals.cpp - small value-producing ifs as selects -------===//
//
// Turns small value-producing `scf.if` ops whose sides read tensors into
// straight-line code and `arith.select` (see TileFlattenConditionals in
// Passes.td).
//
//===----------------------------------------------------------------------===//

#include "compiler/Passes.h"
#include "dialects/Tile/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace tilec {
#define GEN_PASS_DEF_TILEFLATTENCONDITIONALS
#include "compiler/Passes.h.inc"
} // namespace tilec

using namespace mlir;
using namespace tilec;

namespace {

/// Whether running `op` where it was not asked for changes nothing but the
/// time taken: pure ops, loads of tensor elements (a load outside its
/// tensor reads zero, so none faults) and loads of register tiles at
/// indices inside them.
bool mayRunUnasked(Operation *op) {
  if (isPure(op))
    return true;
  auto load = dyn_cast<tile::LoadOp>(op);
  if (!load)
    return false;
  tile::BufferType type = load.getBuffer().getType();
  switch (type.getScope()) {
  case tile::MemoryScope::Global:
    return true;
  case tile::MemoryScope::Fragment:
  case tile::MemoryScope::Local:
    return llvm::all_of(llvm::zip(load.getIndices(), type.getShape()), [](auto indexAndExtent) {
      auto [index, extent] = indexAndExtent;
      return tile::isInsideExtent(index, extent);
    });
  case tile::MemoryScope::Shared:
    return false;
  }
  llvm_unreachable("a memory scope");
}

/// Whether `value` depends on `index` (an index of `parallel`).
bool dependsOn(Value value, BlockArgument index, tile::ParallelOp parallel,
               DenseMap<Value, bool> &known) {
  if (value == index)
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || !parallel->isProperAncestor(def))
    return false; // another index, or defined before the loop
  if (auto it = known.find(value); it != known.end())
    return it->second;
  bool result = llvm::any_of(def->getOperands(), [&](Value operand) {
    return dependsOn(operand, index, parallel, known);
  });
  known[value] = result;
  return result;
}

/// Whether `op` reads a tensor element that other iterations of `parallel`
/// read too: its indices leave out one of the loop's indices (a mask's
/// per-row or per-column data).
bool readsSharedTensorElement(Operation &op, tile::ParallelOp parallel) {
  auto load = dyn_cast<tile::LoadOp>(op);
  if (!load || load.getBuffer().getType().getScope() != tile::MemoryScope::Global)
    return false;
  return llvm::any_of(parallel.getBody().getArguments(), [&](BlockArgument index) {
    DenseMap<Value, bool> known;
    return llvm::none_of(load.getIndices(),
                         [&](Value i) { return dependsOn(i, index, parallel, known); });
  });
}

/// Whether `ifOp` is worth making straight-line code and may be: it lies in
/// a T.Parallel and a side reads a tensor element other iterations read too
/// (flattened, the reads are shared; a read of an element of its own keeps
/// its branch, which costs less than a guard, and ifs of arithmetic alone
/// LLVM flattens itself), it yields values of types arith.select takes,
/// each side holds at most `maxOps` ops that may run unasked, and it is no
/// guard of a vector loop (whose lowering checks it once per vector).
bool isFlattenable(scf::IfOp ifOp, unsigned maxOps) {
  if (ifOp.getNumResults() == 0 || ifOp.getElseRegion().empty() ||
      ifOp->hasAttr(tile::kVectorGuardAttrName))
    return false;
  auto parallel = ifOp->getParentOfType<tile::ParallelOp>();
  if (!parallel || parallel.getVector())
    return false;
  if (!llvm::all_of(ifOp.getResultTypes(), [](Type type) { return type.isIntOrIndexOrFloat(); }))
    return false;
  bool readsShared = false;
  for (Block *side : {ifOp.thenBlock(), ifOp.elseBlock()}) {
    unsigned count = 0;
    for (Operation &op : side->without_terminator()) {
      if (++count > maxOps || !mayRunUnasked(&op))
        return false;
      readsShared |= readsSharedTensorElement(op, parallel);
    }
  }
  return readsShared;
}

void flatten(scf::IfOp ifOp) {
  IRRewriter rewriter(ifOp.getContext());
  auto thenYield = cast<scf::YieldOp>(ifOp.thenBlock()->getTerminator());
  auto elseYield = cast<scf::YieldOp>(ifOp.elseBlock()->getTerminator());
  SmallVector<Value> thenValues(thenYield.getOperands()), elseValues(elseYield.getOperands());
  rewriter.eraseOp(thenYield);
  rewriter.eraseOp(elseYield);
  for (Block *side : {ifOp.thenBlock(), ifOp.elseBlock()})
    for (auto load : side->getOps<tile::LoadOp>())
      load.setSpeculative(true);
  rewriter.inlineBlockBefore(ifOp.thenBlock(), ifOp);
  rewriter.inlineBlockBefore(ifOp.elseBlock(), ifOp);
  rewriter.setInsertionPoint(ifOp);
  Value condition = ifOp.getCondition();
  Location loc = ifOp.getLoc();
  SmallVector<Value> results;
  for (auto [chosen, other] : llvm::zip(thenValues, elseValues)) {
    // `c and x` yields false where c fails, `c or x` true where it holds.
    if (chosen == other)
      results.push_back(chosen);
    else if (chosen.getType().isInteger(1) && matchPattern(other, m_Zero()))
      results.push_back(arith::AndIOp::create(rewriter, loc, condition, chosen));
    else if (chosen.getType().isInteger(1) && matchPattern(chosen, m_One()))
      results.push_back(arith::OrIOp::create(rewriter, loc, condition, other));
    else
      results.push_back(arith::SelectOp::create(rewriter, loc, condition, chosen, other));
  }
  rewriter.replaceOp(ifOp, results);
}

struct TileFlattenConditionalsPass
    : public tilec::impl::TileFlattenConditionalsBase<TileFlattenConditionalsPass> {
  using TileFlattenConditionalsBase::TileFlattenConditionalsBase;

  void runOnOperation() override {
    // Innermost first: an if whose side held a flattened one may then go.
    SmallVector<scf::IfOp> ifs;
    getOperation().walk<WalkOrder::PostOrder>([&](scf::IfOp ifOp) { ifs.push_back(ifOp); });
    for (scf::IfOp ifOp : ifs)
      if (isFlattenable(ifOp, maxOps))
        flatten(ifOp);
  }
};

} // namespace
