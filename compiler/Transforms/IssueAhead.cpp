//===- IssueAhead.cpp - code a loop may run out of its place --------------===//
//
// See IssueAhead.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/IssueAhead.h"
#include "dialects/Tile/TileDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

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
