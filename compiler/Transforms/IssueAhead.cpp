//===- IssueAhead.cpp - code a loop may run out of its place --------------===//
//
// See IssueAhead.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/IssueAhead.h"
#include "dialects/Tile/TileDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

bool tilec::isReadOnlyTensor(Value buffer) {
  Value root = tile::viewedBuffer(buffer);
  return isa<BlockArgument>(root) &&
         cast<tile::BufferType>(root.getType()).getScope() == tile::MemoryScope::Global &&
         !tile::usesOf(root).written;
}

bool tilec::isIssuableAhead(Operation *op) {
  if (auto load = dyn_cast<tile::LoadOp>(op))
    return isReadOnlyTensor(load.getBuffer());
  if (auto ifOp = dyn_cast<scf::IfOp>(op)) {
    for (Region &region : ifOp->getRegions())
      for (Operation &inner : region.getOps())
        if (!isa<scf::YieldOp>(inner) && !isIssuableAhead(&inner))
          return false;
    return true;
  }
  return op->getNumRegions() == 0 && isPure(op);
}

bool tilec::isRecomputableFor(Operation *op, scf::ForOp loop) {
  SmallVector<Value> worklist(op->getOperands());
  op->walk([&](Operation *inner) { llvm::append_range(worklist, inner->getOperands()); });
  DenseSet<Value> seen;
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (!seen.insert(v).second || loop.isDefinedOutsideOfLoop(v) || v == loop.getInductionVar())
      continue;
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != loop.getBody() || !isIssuableAhead(def))
      return false;
    llvm::append_range(worklist, def->getOperands());
    def->walk([&](Operation *inner) { llvm::append_range(worklist, inner->getOperands()); });
  }
  return true;
}

void tilec::cloneWithOperands(OpBuilder &b, Operation *op, Block *body, IRMapping &mapping) {
  cloneOperands(b, op, body, mapping);
  b.clone(*op, mapping);
}

void tilec::cloneOperands(OpBuilder &b, Operation *op, Block *body, IRMapping &mapping) {
  auto cloneDefinition = [&](Value v) {
    Operation *def = v.getDefiningOp();
    if (def && def->getBlock() == body && !mapping.contains(v))
      cloneWithOperands(b, def, body, mapping);
  };
  for (Value operand : op->getOperands())
    cloneDefinition(operand);
  op->walk([&](Operation *inner) {
    if (inner != op)
      for (Value operand : inner->getOperands())
        cloneDefinition(operand);
  });
}
