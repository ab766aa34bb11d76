//===- LowerBounds.cpp - which tensor element accesses need a guard -------===//
//
// Part of tile-lower-to-gpu. An element load of a tensor outside its bounds
// reads zero and an element store outside is dropped (docs/language.md), so
// the lowering guards each `tile.load`/`tile.store` of a global buffer,
// except where the tile IR shows the index inside: from the ranges of loop
// variables, block indices and constants through simple arithmetic, or
// from the conditions of the `if`s around the access (`i < N` where N is
// the dimension, by its value or by its symbol's name). Kernels written with
// their own guards keep their code.
//
//===----------------------------------------------------------------------===//

#include "compiler/Transforms/KernelLowering.h"
#include "dialects/Tile/IndexRanges.h"

using namespace mlir;
using namespace tilec;
using namespace tilec::lowering;

/// Whether two index values are the same computation: one value, or pure
/// ops of one kind and attributes on the same operands (a bound checked in
/// one branch and used in another is computed twice).
static bool sameIndex(Value a, Value b, int depth = 0) {
  if (a == b)
    return true;
  if (depth > 16)
    return false;
  Operation *x = a.getDefiningOp(), *y = b.getDefiningOp();
  if (!x || !y || x->getName() != y->getName() ||
      x->getAttrDictionary() != y->getAttrDictionary() ||
      x->getNumOperands() != y->getNumOperands() || x->getNumRegions() != 0 || !isPure(x) ||
      cast<OpResult>(a).getResultNumber() != cast<OpResult>(b).getResultNumber())
    return false;
  return llvm::all_of(llvm::zip(x->getOperands(), y->getOperands()), [&](auto pair) {
    return sameIndex(std::get<0>(pair), std::get<1>(pair), depth + 1);
  });
}

/// The symbol name of dimension `d` of a kernel parameter (empty if none).
static StringRef dimensionName(Value buffer, int64_t d) {
  auto arg = dyn_cast<BlockArgument>(buffer);
  if (!arg)
    return {};
  auto func = dyn_cast_or_null<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!func)
    return {};
  auto names = func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), tile::kDimNamesAttrName);
  if (!names || d >= static_cast<int64_t>(names.size()))
    return {};
  return cast<StringAttr>(names[d]).getValue();
}

/// Whether `extent` is dimension `d` of `buffer`: the same tile.dim, one of
/// another tensor's dimension with the same symbol (the runtime checks at
/// launch that one symbol has one value), or the static extent.
static bool isExtentOf(Value extent, Value buffer, int64_t d) {
  while (auto cast = extent.getDefiningOp<arith::IndexCastOp>())
    extent = cast.getIn();
  int64_t staticExtent = llvm::cast<tile::BufferType>(buffer.getType()).getShape()[d];
  if (std::optional<int64_t> constant = getConstantIntValue(extent))
    return !ShapedType::isDynamic(staticExtent) && *constant <= staticExtent;
  auto dim = extent.getDefiningOp<tile::DimOp>();
  if (!dim)
    return false;
  if (dim.getSource() == buffer && static_cast<int64_t>(dim.getIndex()) == d)
    return true;
  StringRef name = dimensionName(buffer, d);
  return !name.empty() && name == dimensionName(dim.getSource(), dim.getIndex());
}

bool KernelLowering::provablyInBounds(Operation *access, Value buffer, ValueRange indices) {
  // A window (tile.region) of a tensor may reach past the tensor's end (a
  // slice of a dimension bound at launch, or one longer than the dimension,
  // which copies clip): indices inside the window prove nothing about the
  // tensor.
  if (!isa<BlockArgument>(buffer))
    return false;
  ArrayRef<int64_t> shape = llvm::cast<tile::BufferType>(buffer.getType()).getShape();
  // What the conditions of the enclosing ifs (then branches) say.
  SmallVector<Value> facts = tile::enclosingConditions(access);
  for (auto [d, index] : llvm::enumerate(indices)) {
    tile::IndexRange range = tile::rangeOf(index, access);
    bool low = range.low && *range.low >= 0;
    bool high = range.high && !ShapedType::isDynamic(shape[d]) && *range.high < shape[d];
    // A block index of a grid as large as the dimension (T.Kernel(M) over
    // the rows of an M-row tensor), a loop variable that runs up to it
    // (for t in T.serial(seq_len)).
    if (auto arg = dyn_cast<BlockArgument>(index)) {
      Operation *owner = arg.getOwner()->getParentOp();
      if (auto launch = dyn_cast<tile::LaunchOp>(owner);
          launch && arg.getArgNumber() < launch.getGrid().size() &&
          isExtentOf(launch.getGrid()[arg.getArgNumber()], buffer, d))
        low = high = true;
      if (auto loop = dyn_cast<scf::ForOp>(owner);
          loop && isExtentOf(loop.getUpperBound(), buffer, d))
        high = true;
      if (auto loop = dyn_cast<tile::PipelinedOp>(owner);
          loop && isExtentOf(loop.getUpperBound(), buffer, d))
        high = true;
    }
    for (Value fact : facts) {
      auto compare = fact.getDefiningOp<arith::CmpIOp>();
      if (!compare)
        continue;
      using P = arith::CmpIPredicate;
      P predicate = compare.getPredicate();
      Value lhs = compare.getLhs(), rhs = compare.getRhs();
      // index < extent (also written extent > index); unsigned: also >= 0.
      bool below = ((predicate == P::slt || predicate == P::ult) && sameIndex(lhs, index) &&
                    isExtentOf(rhs, buffer, d)) ||
                   ((predicate == P::sgt || predicate == P::ugt) && sameIndex(rhs, index) &&
                    isExtentOf(lhs, buffer, d));
      if (below) {
        high = true;
        low |= predicate == P::ult || predicate == P::ugt;
      }
      // index >= c (c >= 0) or index > c (c >= -1).
      std::optional<int64_t> bound = getConstantIntValue(rhs);
      if (sameIndex(lhs, index) && bound &&
          ((predicate == P::sge && *bound >= 0) || (predicate == P::sgt && *bound >= -1)))
        low = true;
    }
    if (!low || !high)
      return false;
  }
  return true;
}
