//===- IndexRanges.h - what simple arithmetic shows about indices -*- C++ -*-===//
//
// Bounds of index values, for the checks that decide whether an element
// access can leave its buffer (the GPU lowering's guards, speculative
// reads).
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_DIALECTS_TILE_INDEXRANGES_H
#define TILEC_DIALECTS_TILE_INDEXRANGES_H

#include "dialects/Tile/TileDialect.h"

#include <optional>

namespace tilec::tile {

/// What simple arithmetic shows about an index: bounds, where known.
struct IndexRange {
  std::optional<int64_t> low, high;
};

/// The bounds of `value` where `at` runs (anywhere, if null): from
/// constants, the variables of loops (tile.parallel, scf.for,
/// tile.pipelined), block indices, tile.thread_id (the producer warpgroup's
/// threads count on from the launch's), static tile.dim extents, through
/// add, sub, mul, div, rem, min and max, and `x < c` (a constant c) among
/// the conditions of the ifs around `at` within its launch.
IndexRange rangeOf(mlir::Value value, mlir::Operation *at);

/// The conditions that hold where `op` runs because of the ifs around it
/// within its launch (then branches), split at `and`s (arith.andi and the
/// short-circuit `if a: b else: false`).
llvm::SmallVector<mlir::Value> enclosingConditions(mlir::Operation *op);

/// Whether the tile IR shows every index of the element access `access` of
/// the kernel's tensor parameter `buffer` (a window of one proves nothing)
/// inside it: from the ranges above, from block indices over a grid as
/// large as the dimension and loop variables running up to it, and from
/// the conditions of the ifs around it (`i < N` where N is the dimension,
/// by its value or by its symbol's name; `i >= 0`).
bool provablyInBounds(mlir::Operation *access, mlir::Value buffer, mlir::ValueRange indices);

} // namespace tilec::tile

#endif // TILEC_DIALECTS_TILE_INDEXRANGES_H
