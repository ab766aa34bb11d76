//===- IssueAhead.h - code a loop may run out of its place ------*- C++ -*-===//
//
// What the loop transformations (tile-software-pipeline, tile-rotate-gemms,
// tile-carry-gemms) may issue ahead of its iteration, or again for another
// iteration: code whose result depends only on its operands.
// Internal to compiler/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TRANSFORMS_ISSUEAHEAD_H
#define TILEC_COMPILER_TRANSFORMS_ISSUEAHEAD_H

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

namespace tilec {

/// Whether `buffer` views a tensor argument that the kernel never writes
/// (block indices, lengths): its loads may run ahead of their iteration.
bool isReadOnlyTensor(mlir::Value buffer);

/// Whether `op` may be issued ahead of its iteration and again in it, or
/// with another iteration's values: pure code without regions (scalars,
/// views), a load from a read-only tensor (a block-sparse kernel's block
/// index), or a branch of such code (T.if_then_else choosing a block).
bool isIssuableAhead(mlir::Operation *op);

/// Whether the operands `op` (and the ops inside it) takes from the body of
/// `loop` can be computed again for another iteration: the induction
/// variable, values defined outside the loop, and code of the body that
/// isIssuableAhead.
bool isRecomputableFor(mlir::Operation *op, mlir::scf::ForOp loop);

/// Clones at `b` with `mapping` the ops of `body` that compute `op`'s
/// operands (and those of the ops inside it) and are not mapped yet.
void cloneOperands(mlir::OpBuilder &b, mlir::Operation *op, mlir::Block *body,
                   mlir::IRMapping &mapping);

/// Clones `op` at `b` with `mapping`, after the ops of `body` computing its
/// operands.
void cloneWithOperands(mlir::OpBuilder &b, mlir::Operation *op, mlir::Block *body,
                       mlir::IRMapping &mapping);

} // namespace tilec

#endif // TILEC_COMPILER_TRANSFORMS_ISSUEAHEAD_H
