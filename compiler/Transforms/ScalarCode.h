//===- ScalarCode.h - element arithmetic of the whole-tile ops -*- C++ -*-===//
//
// The scalar code the whole-tile ops are made of, as arith and math ops:
// casts between element types, a reduction's element, identity and
// combiner, and where an element lies when a tile's unit dimensions are
// left out. Shared by tile-partition-parallel, which writes reductions and
// prefix sums down as loops at the tile level, and tile-lower-to-gpu, whose
// shuffle and accumulator reductions combine partials the same way, so that
// the two cannot disagree. Internal to compiler/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TRANSFORMS_SCALARCODE_H
#define TILEC_COMPILER_TRANSFORMS_SCALARCODE_H

#include "dialects/Tile/TileDialect.h"

#include "mlir/IR/Builders.h"

namespace tilec::scalar {

/// `value` converted to `to`: floats widened or narrowed (16-bit floats of
/// the other kind through f32), integers and floats converted as signed,
/// integers extended (signed) or truncated, index through i64.
mlir::Value cast(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value, mlir::Type to);

/// `a` and `x` combined by the reduction `kind` (sums add, the others take
/// the minimum or maximum; |.| applies to elements, not to partials).
mlir::Value combine(mlir::OpBuilder &b, mlir::Location loc, tile::ReduceKind kind, mlir::Value a,
                    mlir::Value x);

/// The element `x` as the reduction `kind` folds it: |x| for abssum and
/// absmax, else `x`.
mlir::Value reductionElement(mlir::OpBuilder &b, mlir::Location loc, tile::ReduceKind kind,
                             mlir::Value x);

/// The value a reduction `kind` of elements of `type` starts from: 0 for
/// sums and maxima of |x|, the largest value for minima, the smallest for
/// maxima.
mlir::Value reductionIdentity(mlir::OpBuilder &b, mlir::Location loc, tile::ReduceKind kind,
                              mlir::Type type);

/// The values of `point` (indices into `shape`) at the extents other than 1.
llvm::SmallVector<mlir::Value> squeeze(mlir::ValueRange point, llvm::ArrayRef<int64_t> shape);

/// The indices into a tile of `shape` of the element `squeezed` names with
/// the tile's extents of 1 left out (those take index 0).
llvm::SmallVector<mlir::Value> unsqueeze(mlir::OpBuilder &b, mlir::Location loc,
                                         mlir::ValueRange squeezed,
                                         llvm::ArrayRef<int64_t> shape);

} // namespace tilec::scalar

#endif // TILEC_COMPILER_TRANSFORMS_SCALARCODE_H
