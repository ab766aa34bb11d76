//===- ThreadLayouts.cpp - where a layout puts each thread's elements -----===//
//
// See ThreadLayouts.h.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/ThreadLayouts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace tilec;

std::pair<Value, Value> layouts::wgmmaGroupOf(OpBuilder &b, Location loc, Value threadId,
                                              int64_t columnGroups) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value group = arith::DivUIOp::create(b, loc, threadId, index(128));
  if (columnGroups == 1)
    return {group, Value()};
  return {arith::DivUIOp::create(b, loc, group, index(columnGroups)),
          arith::RemUIOp::create(b, loc, group, index(columnGroups))};
}

layouts::WgmmaPlace layouts::wgmmaPlace(OpBuilder &b, Location loc, Value threadId,
                                        int64_t columnGroups, int64_t columns) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  WgmmaPlace place;
  place.lane = arith::RemUIOp::create(b, loc, threadId, index(32));
  place.warp =
      arith::RemUIOp::create(b, loc, arith::DivUIOp::create(b, loc, threadId, index(32)), index(4));
  auto [rowGroup, columnGroup] = wgmmaGroupOf(b, loc, threadId, columnGroups);
  place.rowGroup = rowGroup;
  if (columnGroup)
    place.firstColumn = arith::MulIOp::create(b, loc, columnGroup, index(columns));
  return place;
}

std::pair<Value, Value> layouts::wgmmaOrigin(OpBuilder &b, Location loc, Value threadId,
                                             int64_t blocksPerGroup, int64_t columnGroups,
                                             int64_t columns) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto [lane, warp, group, firstColumn] = wgmmaPlace(b, loc, threadId, columnGroups, columns);
  // Row 16 w + l / 4 of the warpgroup's first row block; columns 2 (l mod 4).
  Value rowBase = arith::AddIOp::create(
      b, loc,
      arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, group, index(blocksPerGroup * 64)),
                            arith::MulIOp::create(b, loc, warp, index(16))),
      arith::DivUIOp::create(b, loc, lane, index(4)));
  Value colBase =
      arith::MulIOp::create(b, loc, arith::RemUIOp::create(b, loc, lane, index(4)), index(2));
  if (firstColumn) // the warpgroup's own columns
    colBase = arith::AddIOp::create(b, loc, colBase, firstColumn);
  return {rowBase, colBase};
}

void layouts::forEachWgmmaElement(OpBuilder &b, Location loc, Value threadId, int64_t rows,
                                  int64_t columns, int64_t groups, int64_t columnGroups,
                                  function_ref<void(Value, Value, Value)> body) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  int64_t blocksPerGroup = rows / 64 / groups;
  int64_t groupColumns = columns / columnGroups;
  int64_t slotsPerBlock = groupColumns / 2;
  auto [rowBase, colBase] =
      wgmmaOrigin(b, loc, threadId, blocksPerGroup, columnGroups, groupColumns);
  for (int64_t block = 0; block < blocksPerGroup; ++block)
    for (int64_t s = 0; s < slotsPerBlock; ++s) {
      // Slot s of a block: column pair s mod 2 of 8-column chunk s / 4, in
      // the upper or lower 8 rows by (s mod 4) / 2.
      int64_t chunk = s / 4, half = (s % 4) / 2, column = s % 2;
      Value i = arith::AddIOp::create(b, loc, rowBase, index(block * 64 + 8 * half));
      Value j = arith::AddIOp::create(b, loc, colBase, index(8 * chunk + column));
      body(i, j, index(block * slotsPerBlock + s));
    }
}

void layouts::forEachWgmmaRow(OpBuilder &b, Location loc, Value threadId, int64_t rows,
                              int64_t groups, function_ref<void(Value, Value)> body) {
  auto index = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  int64_t blocksPerGroup = rows / 64 / groups;
  Value rowBase = wgmmaOrigin(b, loc, threadId, blocksPerGroup).first;
  for (int64_t block = 0; block < blocksPerGroup; ++block)
    for (int64_t half = 0; half < 2; ++half)
      body(arith::AddIOp::create(b, loc, rowBase, index(block * 64 + 8 * half)),
           index(2 * block + half));
}
