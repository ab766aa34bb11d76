//===- ThreadLayouts.h - where a layout puts each thread's elements -*- C++ -*-===//
//
// The thread-to-element maps of the register layouts, as IR: which elements
// of a #tile.wgmma accumulator (or which rows of its #tile.wgmma_rows
// statistics) a thread holds, and in which of its register slots. Shared by
// tile-partition-parallel, which writes a loop's partition down at the tile
// level, and tile-lower-to-gpu, which partitions whole-tile ops, so that the
// two cannot disagree. Internal to compiler/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_COMPILER_TRANSFORMS_THREADLAYOUTS_H
#define TILEC_COMPILER_TRANSFORMS_THREADLAYOUTS_H

#include "mlir/IR/Builders.h"

namespace tilec::layouts {

/// Where a thread sits in a #tile.wgmma accumulator: its lane, its warp in
/// the warpgroup, its warpgroup's row group, and the first column of its
/// warpgroup's columns (null when they are not split).
struct WgmmaPlace {
  mlir::Value lane, warp, rowGroup, firstColumn;
};

/// The row group and column group (null for one column group) of the
/// warpgroup of thread `threadId` in a layout of `columnGroups` column
/// groups.
std::pair<mlir::Value, mlir::Value> wgmmaGroupOf(mlir::OpBuilder &b, mlir::Location loc,
                                                 mlir::Value threadId, int64_t columnGroups);

/// Where thread `threadId` sits in a #tile.wgmma accumulator of
/// `columnGroups` warpgroups of `columns` columns each a row block.
WgmmaPlace wgmmaPlace(mlir::OpBuilder &b, mlir::Location loc, mlir::Value threadId,
                      int64_t columnGroups, int64_t columns);

/// The first row and column of the #tile.wgmma elements thread `threadId`
/// holds, for accumulators of `blocksPerGroup` 64-row blocks a warpgroup and
/// `columnGroups` warpgroups of `columns` columns each a row block.
std::pair<mlir::Value, mlir::Value> wgmmaOrigin(mlir::OpBuilder &b, mlir::Location loc,
                                                mlir::Value threadId, int64_t blocksPerGroup,
                                                int64_t columnGroups = 1, int64_t columns = 0);

/// Runs `body(row, column, slot)` for each element of a `rows` x `columns`
/// #tile.wgmma accumulator of `groups` row groups and `columnGroups`
/// column groups that thread `threadId` holds (of those warpgroups), with
/// the register slot that holds it (a constant).
void forEachWgmmaElement(mlir::OpBuilder &b, mlir::Location loc, mlir::Value threadId,
                         int64_t rows, int64_t columns, int64_t groups, int64_t columnGroups,
                         llvm::function_ref<void(mlir::Value, mlir::Value, mlir::Value)> body);

/// Runs `body(row, slot)` for each row of a #tile.wgmma_rows fragment of
/// `rows` rows over `groups` warpgroups that thread `threadId` holds (each
/// row is held alike by the four lanes of a quad), with its register slot.
void forEachWgmmaRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value threadId, int64_t rows,
                     int64_t groups, llvm::function_ref<void(mlir::Value, mlir::Value)> body);

/// The #tile.wgmma_rows slot of the row that register slot `slot` of a
/// #tile.wgmma fragment (`slotsPerBlock` slots a 64-row block) lies in:
/// slot s of a block holds row half (s mod 4) / 2, two rows a block.
inline int64_t rowSlotOf(int64_t slot, int64_t slotsPerBlock) {
  return 2 * (slot / slotsPerBlock) + (slot % slotsPerBlock % 4) / 2;
}

} // namespace tilec::layouts

#endif // TILEC_COMPILER_TRANSFORMS_THREADLAYOUTS_H
