//===- IssueAhead.h - code a loop may run out of its place ------*- C++ -*-===//
//
// What the loop transformations (tile-software-pipeline, tile-rotate-gemms)
// may issue ahead of its iteration, or again for another iteration: code
// whose result depends only on its operands.
// Internal to compiler/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TRANSFORMS_ISSUEAHEAD_H
#define TILEC_COMPILER_TRANSFORMS_ISSUEAHEAD_H

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

} // namespace tilec

#endif // TILEC_COMPILER_TRANSFORMS_ISSUEAHEAD_H
